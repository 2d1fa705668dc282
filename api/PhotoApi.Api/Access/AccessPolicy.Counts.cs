namespace PhotoApi.Api.Access;

/// <summary>
/// What lists show about containers — album sizes, folder contents — read from the counters the database keeps in step
/// (migration 0012's triggers) and corrected by the same rules as every other answer of this policy, at a cost that
/// follows the container's few changeable entries instead of its size. Also the caller's own invitations, as an
/// index-friendly set list queries start from.
/// </summary>
public sealed partial class AccessPolicy
{
    /// <summary>
    /// The number of assets album <paramref name="al"/> (an alias of <c>albums</c>) shows now: exactly the size of
    /// <see cref="AlbumMembers"/>. For manual and selection albums: the live-entry counter minus the live entries that
    /// no longer hold. Only entries whose asset is in Shared Space or not their contributor's own can stop holding, and
    /// whether one holds (<see cref="EntryHolds"/>) depends only on its contributor, the asset's owner and its folder:
    /// <c>album_lapses</c> counts those entries per combination, so the rule is evaluated once per combination (a handful
    /// per album), whatever the album's size. A conditional album has no entries: its conditions are evaluated over the
    /// owner's timeline index with the date range as the index range, or — when it names tags — over the owner-keyed tag
    /// index, so it costs in proportion to the owner's assets in that range or with those tags (all of them when it names
    /// neither).
    /// </summary>
    public static string AlbumAssetCount(string al) => $"""
        (CASE WHEN {al}.kind = 'conditional' AND cardinality({al}.cond_tags) > 0 THEN (
            SELECT count(*) FROM assets c LEFT JOIN folders cmf ON cmf.id = c.folder_id
            WHERE owner_tags(c.owner_id, c.tags) && owner_tags({al}.owner_id, {al}.cond_tags) AND c.trashed_at IS NULL
              AND {ConditionsHold(al, "c", "cmf", FolderOperations.View)})
         WHEN {al}.kind = 'conditional' THEN (
            SELECT count(*) FROM assets c LEFT JOIN folders cmf ON cmf.id = c.folder_id
            WHERE c.owner_id = {al}.owner_id AND c.trashed_at IS NULL
              AND c.taken_at >= coalesce({al}.cond_from, '-infinity') AND c.taken_at < coalesce({al}.cond_to, 'infinity')
              AND {ConditionsHold(al, "c", "cmf", FolderOperations.View)})
         ELSE {al}.entry_count - coalesce((
            SELECT sum(lapse.n) FROM album_lapses lapse LEFT JOIN folders mf ON mf.id = lapse.folder_id
            WHERE lapse.album_id = {al}.id AND lapse.n > 0
              AND ({OwnAsset(FolderOperations.View, UserIn("lapse.adder"), "lapse", "mf")}) IS NOT TRUE), 0) END)::int
        """;

    /// <summary>
    /// The caller's role on album <paramref name="al"/>: <c>owner</c>, <c>provider</c>, <c>downloader</c>, <c>viewer</c>,
    /// or NULL (no access; also while its owner is disabled) — the highest of the caller's own invitee rows of the album's
    /// share and their groups' (<see cref="CallerInviteeRoles"/>), each found by its index, so a list row costs the same
    /// however many people the album is shared with. Parameter: <c>@userId</c>.
    /// </summary>
    public static string CallerAlbumRole(string al) => $"""
        (CASE WHEN {al}.owner_id = @userId THEN 'owner' WHEN {UserActive($"{al}.owner_id")} THEN (
            SELECT r.role FROM ({CallerInviteeRoles($"(SELECT s.id FROM shares s WHERE s.album_id = {al}.id)")}) r
            ORDER BY array_position(ARRAY['provider', 'downloader', 'viewer'], r.role) LIMIT 1) END)
        """;

    /// <summary>
    /// The roles share <paramref name="shareId"/> (an SQL expression) gives the caller: their own invitee row and those of
    /// their groups, each found by its index (<c>share_invitees_user_key</c>, <c>share_invitees_group_key</c>).
    /// </summary>
    public static string CallerInviteeRoles(string shareId) => $"""
        SELECT si.role FROM share_invitees si WHERE si.share_id = {shareId} AND si.user_id = @userId
        UNION ALL
        SELECT si.role FROM group_members gm JOIN share_invitees si ON si.share_id = {shareId} AND si.group_id = gm.group_id
        WHERE gm.user_id = @userId
        """;

    /// <summary>
    /// The caller may view folder <paramref name="f"/> (the <see cref="Permission.FolderView"/> rule as a predicate, for
    /// list queries that apply access inside the page query). Parameters <c>@userId</c>, <c>@isAdmin</c>.
    /// </summary>
    public static string FolderViewable(string f) => $"""
        ({f}.space = 'personal' AND {f}.owner_id = @userId
         OR {f}.space = 'shared' AND {SharedSpaceAllows($"{f}.id", "folder", FolderOperations.View)})
        """;

    /// <summary>
    /// The caller may view the files directly in folder <paramref name="f"/> by their own rights (their Personal Space
    /// folder, or the folder's file permissions in Shared Space): then every file there counts for them.
    /// </summary>
    public static string FolderFilesViewable(string f) => $"""
        ({f}.space = 'personal' AND {f}.owner_id = @userId
         OR {f}.space = 'shared' AND {SharedSpaceAllows($"{f}.id", "file", FolderOperations.View)})
        """;

    /// <summary>
    /// The share ids whose invitees name the caller (directly, or through a group they belong to), with the earliest
    /// such invitation: one index lookup per way in (<c>share_invitees_user_id_idx</c>, the caller's groups through
    /// <c>share_invitees_group_id_idx</c>), so its cost follows the caller's own invitations. Parameter <c>@userId</c>.
    /// </summary>
    public const string CallerInvitations = """
        SELECT inv.share_id, min(inv.created_at) AS invited_at FROM (
            SELECT si.share_id, si.created_at FROM share_invitees si WHERE si.user_id = @userId
            UNION ALL
            SELECT si.share_id, si.created_at FROM group_members gm JOIN share_invitees si ON si.group_id = gm.group_id WHERE gm.user_id = @userId
        ) inv GROUP BY inv.share_id
        """;
}
