using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Access;

/// <summary>
/// The SQL fragments the rules are built from: who is named by an entry, Shared Space levels and folder permissions
/// (inherited, deny wins), album roles and entries, conditional albums, partners. Each takes the aliases it reads and the
/// principal whose rights it evaluates (<see cref="Who"/>), so the same fragment answers for the caller, an album's
/// owner or an entry's contributor. The expanded rules are checked in under <c>Access/rules/</c>.
/// </summary>
public sealed partial class AccessPolicy
{
    /// <summary>
    /// Whose rights a rule evaluates: SQL expressions for the user's id and whether they are an admin. Rules about the
    /// caller use <see cref="Caller"/> (parameters <c>@userId</c>, <c>@isAdmin</c>); rules about an album's owner or an
    /// entry's contributor name a column (<see cref="UserIn"/>), so that what they may do now is read in the same query.
    /// The expressions must not name the aliases the fragments use inside (<c>s</c>, <c>si</c>, <c>fp</c>, <c>gm</c>, …).
    /// </summary>
    private sealed record Who(string Id, string IsAdmin);

    private static Who Caller => new("@userId", "@isAdmin");

    private static Who UserIn(string id) => new(id, $"EXISTS (SELECT 1 FROM users wu WHERE wu.id = {id} AND wu.role = 'admin')");

    private static string MyGroups(Who who) => $"SELECT gm.group_id FROM group_members gm WHERE gm.user_id = {who.Id}";

    /// <summary>
    /// An invitee or permission entry (a row <paramref name="entry"/> with <c>user_id</c> / <c>group_id</c>) names the
    /// caller (<c>@userId</c>): directly, or through a group they belong to.
    /// </summary>
    public static string NamesCaller(string entry) => Names(entry, Caller);

    private static string Names(string entry, Who who) => $"({entry}.user_id = {who.Id} OR {entry}.group_id IN ({MyGroups(who)}))";

    /// <summary>
    /// User <paramref name="user"/> (an SQL expression) may use their library now: an active account with the photo
    /// library. What a disabled owner shares stops for everyone (invitees, partners and link guests alike) until an
    /// admin enables them again.
    /// </summary>
    public static string UserActive(string user) => $"""
        EXISTS (SELECT 1 FROM users u WHERE u.id = {user} AND u.status = 'active' AND {Infrastructure.Auth.PhotoApiAuthenticationHandler.PhotoLibrarySql})
        """;

    /// <summary>
    /// The caller's Shared Space access: <c>full</c>, <c>custom</c> or <c>none</c>. Admins have Full Access; otherwise the
    /// user's own setting, else the widest of their groups' settings, else none. Parameters <c>@userId</c>, <c>@isAdmin</c>.
    /// </summary>
    public static string SharedSpaceLevel => SharedSpaceLevelOf(Caller);

    private static string SharedSpaceLevelOf(Who who) => $"""
        (CASE WHEN {who.IsAdmin} THEN 'full' ELSE coalesce(
            (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = {who.Id}),
            (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN ({MyGroups(who)})
             ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
            'none') END)
        """;

    private const string SharedSpaceEnabled = "(SELECT shared_space_enabled FROM settings)";

    /// <summary>
    /// The effective Shared Space access of user <paramref name="user"/> (an SQL expression; <paramref name="isAdmin"/>:
    /// whether they are an admin), as every rule applies it: <c>full</c>, <c>custom</c> or <c>none</c>, and none while
    /// Shared Space is disabled. A few index lookups (the user's own setting, their groups'), so lists select it per row.
    /// </summary>
    public static string SharedSpaceAccessOf(string user, string isAdmin) =>
        $"(CASE WHEN {SharedSpaceEnabled} THEN {SharedSpaceLevelOf(new Who(user, isAdmin))} ELSE 'none' END)";

    /// <summary>
    /// The folder-permission entries of <paramref name="who"/> that reach a folder (<paramref name="kind"/> <c>folder</c>)
    /// or the files directly in it (<c>file</c>): explicit ones on it, and inherited ones from its ancestors as their
    /// applies-to says. A folder share's invitees count as allow entries of their role on the shared folder and its files
    /// (and, applied to subfolders, everything below) while the share's owner is active.
    /// </summary>
    private static string AclEntries(string folder, string kind, Who who) => $"""
        WITH RECURSIVE chain(id, parent_id, depth) AS (
            SELECT cf.id, cf.parent_id, 0 FROM folders cf WHERE cf.id = {folder}
            UNION ALL SELECT pf.id, pf.parent_id, up.depth + 1 FROM folders pf JOIN chain up ON pf.id = up.parent_id)
        SELECT e.effect, e.operations FROM (
            SELECT fp.effect, fp.operations, fp.applies_to, ch.depth
            FROM folder_permissions fp JOIN chain ch ON ch.id = fp.folder_id
            WHERE {Names("fp", who)}
            UNION ALL
            SELECT 'allow', {FolderRoleOperations("si.role")},
                   CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
                   ch.depth
            FROM shares s JOIN share_invitees si ON si.share_id = s.id JOIN chain ch ON ch.id = s.folder_id
            WHERE {Names("si", who)} AND {UserActive("s.owner_id")}
        ) e
        WHERE {(kind == "folder"
            ? "CASE WHEN e.depth = 0 THEN 'this_folder' = ANY(e.applies_to) WHEN e.depth = 1 THEN 'subfolders' = ANY(e.applies_to) ELSE 'subfolders' = ANY(e.applies_to) AND 'descendants' = ANY(e.applies_to) END"
            : "'files' = ANY(e.applies_to) AND (e.depth = 0 OR 'descendants' = ANY(e.applies_to))")}
        """;

    /// <summary>The operations of a folder role (an SQL expression naming the role), as a text[].</summary>
    public static string FolderRoleOperations(string role) =>
        "(CASE " + string.Join(" ", FolderOperations.Roles.Select(r =>
            $"WHEN {role} = '{r.Key}' THEN ARRAY[{string.Join(", ", r.Value.Select(op => $"'{op}'"))}]")) + " ELSE ARRAY[]::text[] END)";

    /// <summary>An allow entry grants <paramref name="operation"/> and no deny entry takes it away (deny wins).</summary>
    private static string AclAllows(string folder, string kind, string operation, Who who) => $"""
        (EXISTS (SELECT 1 FROM ({AclEntries(folder, kind, who)}) acl WHERE acl.effect = 'allow' AND '{operation}' = ANY(acl.operations))
         AND NOT EXISTS (SELECT 1 FROM ({AclEntries(folder, kind, who)}) acl WHERE acl.effect = 'deny' AND '{operation}' = ANY(acl.operations)))
        """;

    /// <summary>In Shared Space (while enabled): Full Access does everything; Custom does what the folder permissions allow.</summary>
    private static string SharedSpaceAllows(string folder, string kind, string operation, Who? who = null)
    {
        var level = SharedSpaceLevelOf(who ?? Caller);
        return $"""
            ({SharedSpaceEnabled} AND ({level} = 'full' OR {level} = 'custom' AND {AclAllows(folder, kind, operation, who ?? Caller)}))
            """;
    }

    /// <summary>
    /// <paramref name="who"/> may do <paramref name="operation"/> on asset <paramref name="a"/> (in folder
    /// <paramref name="f"/>, joined on <c>a.folder_id</c>) by their own rights: as its owner in Personal Space, or through
    /// Shared Space — never through an album.
    /// </summary>
    private static string OwnAsset(string operation, Who? who = null, string a = "a", string f = "f") => $"""
        (({f}.id IS NULL OR {f}.space = 'personal') AND {a}.owner_id = {(who ?? Caller).Id}
         OR {f}.space = 'shared' AND {SharedSpaceAllows($"{a}.folder_id", "file", operation, who)})
        """;

    private const string AllRoles = "'viewer', 'downloader', 'provider'";
    private const string DownloadRoles = "'downloader', 'provider'";

    /// <summary>
    /// The caller is invited to album <paramref name="album"/>'s share with one of <paramref name="roles"/>, and the
    /// album's owner is active (a disabled owner's shares stop for invitees as their links stop for guests).
    /// </summary>
    private static string InvitedAs(string album, string roles, Who? who = null) => $"""
        (EXISTS (SELECT 1 FROM shares s JOIN share_invitees si ON si.share_id = s.id
                 WHERE s.album_id = {album}.id AND si.role IN ({roles})
                   AND {Names("si", who ?? Caller)})
         AND {UserActive($"{album}.owner_id")})
        """;

    /// <summary>The saved filter of conditional album <paramref name="al"/> matches asset <paramref name="a"/> (trash aside).</summary>
    private static string ConditionsMatch(string al, string a) => $"""
        ({a}.owner_id = {al}.owner_id
         AND ({al}.cond_folder_ids IS NULL OR cardinality({al}.cond_folder_ids) = 0 OR {a}.folder_id IN (
              WITH RECURSIVE t(id) AS (SELECT unnest({al}.cond_folder_ids)
                                       UNION SELECT c.id FROM folders c JOIN t ON c.parent_id = t.id)
              SELECT id FROM t))
         AND ({al}.cond_from IS NULL OR {a}.taken_at >= {al}.cond_from)
         AND ({al}.cond_to IS NULL OR {a}.taken_at < {al}.cond_to)
         AND ({al}.cond_tags IS NULL OR cardinality({al}.cond_tags) = 0
              OR EXISTS (SELECT 1 FROM unnest({a}.tags) tag WHERE lower(tag) = ANY({al}.cond_tags)))
         AND ({al}.cond_min_rating IS NULL OR {a}.rating >= {al}.cond_min_rating)
         AND ({al}.cond_media_type IS NULL OR {a}.media_type = {al}.cond_media_type)
         AND ({al}.cond_camera IS NULL
              OR strpos(lower(coalesce({a}.camera_make, '') || ' ' || coalesce({a}.camera_model, '')), lower({al}.cond_camera)) > 0))
        """;

    /// <summary>
    /// The saved filter of a conditional album (as stored, which <see cref="ConditionsMatch"/> reads from the row) turned into
    /// predicates over asset <paramref name="a"/> of the album's owner, built from the conditions actually set, with their
    /// values added to <paramref name="args"/>: the dates become bounds of the owner's timeline index, tags use the
    /// owner-keyed tag index (<paramref name="owner"/>: the album's owner), the rest are filters along the scan. The caller
    /// names the owner and the trash.
    /// </summary>
    public static string ConditionsFilter(Features.Albums.AlbumConditions c, Guid owner, DynamicParameters args, string a)
    {
        var sql = new System.Text.StringBuilder();
        if (c.FolderIds is { Length: > 0 } folders)
        {
            args.Add("condFolderIds", folders);
            sql.Append($"""
                 AND {a}.folder_id IN (WITH RECURSIVE t(id) AS (SELECT unnest(@condFolderIds::uuid[])
                                                              UNION SELECT c.id FROM folders c JOIN t ON c.parent_id = t.id)
                                       SELECT id FROM t)
                """);
        }
        if (c.From is { } from) { args.Add("condFrom", from); sql.Append($" AND {a}.taken_at >= @condFrom"); }
        if (c.To is { } to) { args.Add("condTo", to); sql.Append($" AND {a}.taken_at < @condTo"); }
        // Any of them, case-insensitively (stored lower-case), on the owner-keyed tag index.
        if (c.Tags is { Length: > 0 } tags)
        {
            args.Add("condOwnerTags", tags.Select(t => $"{owner}:{t}").ToArray());
            sql.Append($" AND owner_tags({a}.owner_id, {a}.tags) && @condOwnerTags::text[]");
        }
        if (c.MinRating is { } rating) { args.Add("condMinRating", rating); sql.Append($" AND {a}.rating >= @condMinRating"); }
        if (c.MediaType is { } type) { args.Add("condMediaType", type); sql.Append($" AND {a}.media_type = @condMediaType"); }
        if (c.Camera is { } camera)
        {
            args.Add("condCamera", camera);
            sql.Append($" AND strpos(lower(coalesce({a}.camera_make, '') || ' ' || coalesce({a}.camera_model, '')), lower(@condCamera)) > 0");
        }
        return sql.ToString();
    }

    /// <summary>
    /// Conditional album <paramref name="al"/> shows asset <paramref name="a"/> (in folder <paramref name="f"/>) for
    /// <paramref name="operation"/>: its filter matches and its owner may do that on it now (a Shared Space upload they
    /// lost access to drops out).
    /// </summary>
    private static string ConditionsHold(string al, string a, string f, string operation) =>
        $"({ConditionsMatch(al, a)} AND {OwnAsset(operation, UserIn($"{al}.owner_id"), a, f)})";

    /// <summary>
    /// Entry <paramref name="aa"/> of album <paramref name="al"/> shows asset <paramref name="a"/> (in folder
    /// <paramref name="f"/>) for <paramref name="operation"/>: an entry grants nothing by itself — whoever put it there
    /// (the owner, or a Provider) must still be allowed that on the asset by their own rights, now.
    /// </summary>
    private static string EntryHolds(string aa, string al, string a, string f, string operation) =>
        OwnAsset(operation, UserIn($"coalesce({aa}.added_by, {al}.owner_id)"), a, f);

    /// <summary>
    /// The ids of the assets album <paramref name="albumId"/> (an SQL expression) shows: its entries, or for a conditional
    /// album the owner's assets its conditions match; never trashed ones, and only those whoever put them there (or, for
    /// a conditional album, its owner) may still view now. Every list, count, archive and link of an album reads this.
    /// </summary>
    public static string AlbumMembers(string albumId) => $"""
        SELECT aa.asset_id FROM album_assets aa JOIN albums mal ON mal.id = aa.album_id
             JOIN assets m ON m.id = aa.asset_id AND m.trashed_at IS NULL LEFT JOIN folders mf ON mf.id = m.folder_id
        WHERE aa.album_id = {albumId} AND {EntryHolds("aa", "mal", "m", "mf", FolderOperations.View)}
        UNION ALL
        SELECT c.id FROM albums cal JOIN assets c ON c.owner_id = cal.owner_id AND c.trashed_at IS NULL LEFT JOIN folders cmf ON cmf.id = c.folder_id
        WHERE cal.id = {albumId} AND cal.kind = 'conditional' AND {ConditionsHold("cal", "c", "cmf", FolderOperations.View)}
        """;

    /// <summary>
    /// Album <paramref name="al"/> shows asset <paramref name="a"/> (in folder <paramref name="f"/>, left-joined on
    /// <c>a.folder_id</c>) now: the one-asset form of <see cref="AlbumMembers"/> — not in the trash, and an entry of the
    /// album whose contributor may still view it, or for a conditional album its conditions hold and its owner may still
    /// view it. Key lookups (the entry by <c>album_assets</c>' primary key), so a list row can ask it of one asset.
    /// </summary>
    public static string AlbumShows(string al, string a, string f) => $"""
        ({a}.trashed_at IS NULL AND (
            EXISTS (SELECT 1 FROM album_assets sa WHERE sa.album_id = {al}.id AND sa.asset_id = {a}.id
                    AND {EntryHolds("sa", al, a, f, FolderOperations.View)})
            OR {al}.kind = 'conditional' AND {ConditionsHold(al, a, f, FolderOperations.View)}))
        """;

    /// <summary>
    /// The cover of album <paramref name="al"/> that may be shown with it (its id; NULL for none): the chosen cover while it
    /// has a thumbnail and the album still shows it (<see cref="AlbumShows"/>). Whoever sees the album sees what it shows,
    /// so every list that shows an album's cover — the album lists and pages, Shared With Me — asks this and nothing else.
    /// </summary>
    public static string AlbumCover(string al) => $"""
        (SELECT cov.id FROM assets cov LEFT JOIN folders cvf ON cvf.id = cov.folder_id
         WHERE cov.id = {al}.cover_asset_id AND cov.thumbnail_key IS NOT NULL AND {AlbumShows(al, "cov", "cvf")})
        """;

    /// <summary>
    /// Album <paramref name="al"/> is visible to the caller: theirs, or shared with them (directly or through a group) at
    /// any role by an active owner. Index-friendly, for list queries; parameter <c>@userId</c>.
    /// </summary>
    public static string AlbumVisible(string al) => $"""
        ({al}.owner_id = @userId OR {al}.id IN (
            SELECT s.album_id FROM shares s JOIN share_invitees si ON si.share_id = s.id
            WHERE {NamesCaller("si")}) AND {UserActive($"{al}.owner_id")})
        """;

    /// <summary>What of an owner's library their partners see: the Personal Space, never the trash.</summary>
    public static string PartnerShows(string a) => $"""
        ({a}.trashed_at IS NULL
         AND ({a}.folder_id IS NULL OR EXISTS (SELECT 1 FROM folders pf WHERE pf.id = {a}.folder_id AND pf.space = 'personal')))
        """;

    /// <summary>The caller is a partner of <paramref name="owner"/> (an SQL expression), who is active.</summary>
    private static string PartnerOf(string owner, Who? who = null) =>
        $"(EXISTS (SELECT 1 FROM partners p WHERE p.owner_id = {owner} AND p.partner_id = {(who ?? Caller).Id}) AND {UserActive(owner)})";

    /// <summary>
    /// The owner's own asset <paramref name="a"/> is one they may view now (<see cref="OwnAsset"/> for an asset whose owner
    /// is given): in Personal Space, or in Shared Space where they may view the file (a Shared Space upload they lost
    /// access to drops out). <paramref name="owner"/> is an SQL expression; the query names the owner itself
    /// (<c>a.owner_id = …</c>, a bound of the owner's timeline index), so the folder is looked up only for files in folders.
    /// </summary>
    private static string OwnerMayView(string owner, string a) => $"""
        ({a}.folder_id IS NULL OR EXISTS (
              SELECT 1 FROM folders tf WHERE tf.id = {a}.folder_id
                AND (tf.space = 'personal' OR {SharedSpaceAllows($"{a}.folder_id", "file", FolderOperations.View, UserIn(owner))})))
        """;

    /// <summary>
    /// The caller's own asset <paramref name="a"/> belongs in their timeline (and trash): one they may view now
    /// (<see cref="OwnerMayView"/>). Partners' libraries join the timeline as <see cref="PartnerShows"/> says. Parameter:
    /// <c>@userId</c>; the query names the owner.
    /// </summary>
    public static string OwnInTimeline(string a) => OwnerMayView("@userId", a);

    /// <summary>
    /// Asset <c>a</c> (in folder <c>f</c>, left-joined on <c>a.folder_id</c>) is one user <paramref name="userId"/> (an SQL
    /// expression; <paramref name="isAdmin"/>: whether they are an admin) may view: the <see cref="Permission.AssetView"/>
    /// rule as a predicate, for page queries that apply someone else's rights than the caller's (a link's owner).
    /// </summary>
    public static string AssetViewableBy(string userId, string isAdmin)
    {
        var who = new Who(userId, isAdmin);
        return $"({OwnAsset(FolderOperations.View, who)} OR {SharedAsset(AllRoles, FolderOperations.View, who)})";
    }

    /// <summary>
    /// Entry <paramref name="aa"/> (of an album owned by <paramref name="albumOwner"/>, an SQL expression) shows asset
    /// <paramref name="a"/> (in folder <paramref name="f"/>): whoever put it there may still view it by their own rights
    /// now — the per-row test of <see cref="AlbumMembers"/>, for page queries that walk an album's entries in order.
    /// </summary>
    public static string AlbumEntryShows(string aa, string albumOwner, string a, string f) =>
        OwnAsset(FolderOperations.View, UserIn($"coalesce({aa}.added_by, {albumOwner})"), a, f);

    /// <summary>
    /// A conditional album's owner (<paramref name="owner"/>, an SQL expression) may still view their asset
    /// <paramref name="a"/> now — the second half of what a conditional album shows; its conditions are the first
    /// (<see cref="ConditionsMatch"/>; page queries turn them into index bounds and filters). The query names the owner.
    /// </summary>
    public static string ConditionalOwnerShows(string owner, string a) => OwnerMayView(owner, a);

    /// <summary>
    /// Assets reached through sharing: an active partner's Personal Space, or an album (owned, or invited with one of the
    /// roles) whose entry — or, for a conditional album, whose owner — still allows <paramref name="operation"/> now.
    /// </summary>
    private static string SharedAsset(string roles, string operation, Who? who = null) => $"""
        (a.trashed_at IS NULL AND (
            {PartnerOf("a.owner_id", who)} AND {PartnerShows("a")}
            OR EXISTS (SELECT 1 FROM album_assets aa JOIN albums al ON al.id = aa.album_id
                       WHERE aa.asset_id = a.id AND (al.owner_id = {(who ?? Caller).Id} OR {InvitedAs("al", roles, who)})
                         AND {EntryHolds("aa", "al", "a", "f", operation)})
            OR EXISTS (SELECT 1 FROM albums al WHERE al.kind = 'conditional' AND al.owner_id = a.owner_id
                       AND {InvitedAs("al", roles, who)} AND {ConditionsHold("al", "a", "f", operation)})))
        """;
}
