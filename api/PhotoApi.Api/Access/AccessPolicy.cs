using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Access;

/// <summary>
/// The one place that decides whether a principal may do an operation on resources. Endpoints ask it (in batches over
/// ids) and never re-implement it; list queries scope themselves with the SQL it exposes (<see cref="AlbumRole"/>,
/// <see cref="InTimeline"/>). It fails closed: a permission without a rule is refused, and "not allowed" is answered
/// exactly like "does not exist" (404), so ids cannot be probed.
/// </summary>
/// <remarks>
/// <para>Personal Space (folders and the assets in them) is its user's alone, for every operation. Shared Space exists
/// only while an admin has enabled it: users with Full Access (admins always) do everything there; Custom users do what
/// the folder permissions allow them (ACL entries for them or their groups, inherited down the tree, deny wins); others
/// nothing.</para>
/// <para>Albums: the owner does everything. Invitees of the album's share (a user directly, or a member of an invited
/// group; the highest role wins) are Viewers (see), Downloaders (see, download) or Providers (see, download, add, remove
/// what they added). What an album shows (never the trash) is visible to its owner and invitees at their role. An entry
/// grants nothing by itself: it shows what whoever added it (for a conditional album, its owner) may still view by their
/// own rights now, and gives what they may still download. A selection share is a hidden album and follows the same
/// rules.</para>
/// <para>Partners see and download the whole Personal Space of the users who share it with them, never the trash.</para>
/// <para>What a user shares (albums, selections, folder shares, their library) stops for everyone while an admin has
/// disabled them, as their links stop for guests.</para>
/// <para>Admins get no access to other users' albums, shares or libraries from their role.</para>
/// </remarks>
public sealed class AccessPolicy(NpgsqlDataSource db)
{
    /// <summary>
    /// Whose rights a rule evaluates: SQL expressions for the user's id and whether they are an admin. Rules about the
    /// caller use <see cref="Caller"/> (parameters <c>@userId</c>, <c>@isAdmin</c>); rules about an album's owner or an
    /// entry's contributor name a column (<see cref="UserIn"/>), so that what they may do now is read in the same query.
    /// The expressions must not name the aliases the fragments use inside (<c>s</c>, <c>si</c>, <c>fp</c>, <c>gm</c>, …).
    /// </summary>
    private sealed record Who(string Id, string IsAdmin);

    private static readonly Who Caller = new("@userId", "@isAdmin");

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
    public static readonly string SharedSpaceLevel = SharedSpaceLevelOf(Caller);

    private static string SharedSpaceLevelOf(Who who) => $"""
        (CASE WHEN {who.IsAdmin} THEN 'full' ELSE coalesce(
            (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.user_id = {who.Id}),
            (SELECT ssa.level FROM shared_space_access ssa WHERE ssa.group_id IN ({MyGroups(who)})
             ORDER BY array_position(ARRAY['full', 'custom', 'none'], ssa.level) LIMIT 1),
            'none') END)
        """;

    private const string SharedSpaceEnabled = "(SELECT shared_space_enabled FROM settings)";

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
    private static string InvitedAs(string album, string roles) => $"""
        (EXISTS (SELECT 1 FROM shares s JOIN share_invitees si ON si.share_id = s.id
                 WHERE s.album_id = {album}.id AND si.role IN ({roles})
                   AND {NamesCaller("si")})
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
    /// Album <paramref name="al"/> is visible to the caller: theirs, or shared with them (directly or through a group) at
    /// any role by an active owner. Index-friendly, for list queries; parameter <c>@userId</c>.
    /// </summary>
    public static string AlbumVisible(string al) => $"""
        ({al}.owner_id = @userId OR {al}.id IN (
            SELECT s.album_id FROM shares s JOIN share_invitees si ON si.share_id = s.id
            WHERE {NamesCaller("si")}) AND {UserActive($"{al}.owner_id")})
        """;

    /// <summary>
    /// The caller's role on album <paramref name="al"/>: <c>owner</c>, <c>provider</c>, <c>downloader</c>, <c>viewer</c>,
    /// or NULL (no access; also while its owner is disabled). List queries keep the albums where it is not NULL.
    /// Parameter: <c>@userId</c>.
    /// </summary>
    public static string AlbumRole(string al) => $"""
        (CASE WHEN {al}.owner_id = @userId THEN 'owner' WHEN {UserActive($"{al}.owner_id")} THEN (
            SELECT si.role FROM shares s JOIN share_invitees si ON si.share_id = s.id
            WHERE s.album_id = {al}.id AND {NamesCaller("si")}
            ORDER BY array_position(ARRAY['provider', 'downloader', 'viewer'], si.role) LIMIT 1) END)
        """;

    /// <summary>What of an owner's library their partners see: the Personal Space, never the trash.</summary>
    public static string PartnerShows(string a) => $"""
        ({a}.trashed_at IS NULL
         AND ({a}.folder_id IS NULL OR EXISTS (SELECT 1 FROM folders pf WHERE pf.id = {a}.folder_id AND pf.space = 'personal')))
        """;

    /// <summary>The caller is a partner of <paramref name="owner"/> (an SQL expression), who is active.</summary>
    private static string PartnerOf(string owner) =>
        $"(EXISTS (SELECT 1 FROM partners p WHERE p.owner_id = {owner} AND p.partner_id = @userId) AND {UserActive(owner)})";

    /// <summary>
    /// Asset <paramref name="a"/> belongs in the caller's timeline: their own that they may view now (a Shared Space
    /// upload they lost access to drops out), or a partner's Personal Space (not trashed) that the caller chose to show
    /// there. Parameter: <c>@userId</c>; the caller filters the trash.
    /// </summary>
    public static string InTimeline(string a) => $"""
        ({a}.owner_id = @userId AND ({a}.folder_id IS NULL OR EXISTS (
              SELECT 1 FROM folders tf WHERE tf.id = {a}.folder_id
                AND (tf.space = 'personal' OR {SharedSpaceAllows($"{a}.folder_id", "file", FolderOperations.View, UserIn("@userId"))})))
         OR {a}.owner_id IN (SELECT p.owner_id FROM partners p WHERE p.partner_id = @userId AND p.in_timeline) AND {UserActive($"{a}.owner_id")} AND {PartnerShows(a)})
        """;

    /// <summary>
    /// Assets reached through sharing: an active partner's Personal Space, or an album (owned, or invited with one of the
    /// roles) whose entry — or, for a conditional album, whose owner — still allows <paramref name="operation"/> now.
    /// </summary>
    private static string SharedAsset(string roles, string operation) => $"""
        (a.trashed_at IS NULL AND (
            {PartnerOf("a.owner_id")} AND {PartnerShows("a")}
            OR EXISTS (SELECT 1 FROM album_assets aa JOIN albums al ON al.id = aa.album_id
                       WHERE aa.asset_id = a.id AND (al.owner_id = @userId OR {InvitedAs("al", roles)})
                         AND {EntryHolds("aa", "al", "a", "f", operation)})
            OR EXISTS (SELECT 1 FROM albums al WHERE al.kind = 'conditional' AND al.owner_id = a.owner_id
                       AND {InvitedAs("al", roles)} AND {ConditionsHold("al", "a", "f", operation)})))
        """;

    private const string AssetsFrom = "SELECT a.id FROM assets a LEFT JOIN folders f ON f.id = a.folder_id WHERE a.id = ANY(@ids)";

    private static string OwnAssetsSql(string operation) => $"{AssetsFrom} AND {OwnAsset(operation)}";

    private static string FoldersSql(string operation) => $"""
        SELECT f.id FROM folders f
        WHERE f.id = ANY(@ids)
          AND (f.space = 'personal' AND f.owner_id = @userId
               OR f.space = 'shared' AND {SharedSpaceAllows("f.id", "folder", operation)})
        """;

    private const string AlbumsFrom = "SELECT al.id FROM albums al WHERE al.id = ANY(@ids)";
    private const string OwnAlbumsSql = $"{AlbumsFrom} AND al.owner_id = @userId";

    private static readonly Dictionary<Permission, string> Rules = new()
    {
        [Permission.AssetView] = $"{AssetsFrom} AND ({OwnAsset(FolderOperations.View)} OR {SharedAsset(AllRoles, FolderOperations.View)})",
        [Permission.AssetDownload] = $"{AssetsFrom} AND ({OwnAsset(FolderOperations.Download)} OR {SharedAsset(DownloadRoles, FolderOperations.Download)})",
        [Permission.AssetEdit] = OwnAssetsSql(FolderOperations.Edit),
        [Permission.AssetDelete] = OwnAssetsSql(FolderOperations.Delete),
        [Permission.AssetMove] = OwnAssetsSql(FolderOperations.Move),
        [Permission.AssetCopy] = OwnAssetsSql(FolderOperations.Copy),
        [Permission.AssetShare] = $"{OwnAssetsSql(FolderOperations.AddToAlbum)} AND a.trashed_at IS NULL",
        [Permission.FolderView] = FoldersSql(FolderOperations.View),
        [Permission.FolderUpload] = FoldersSql(FolderOperations.Upload),
        [Permission.FolderCreate] = FoldersSql(FolderOperations.CreateFolder),
        [Permission.FolderPhotoRequest] = FoldersSql(FolderOperations.PhotoRequest),
        [Permission.FolderRename] = FoldersSql(FolderOperations.Rename),
        [Permission.FolderCover] = FoldersSql(FolderOperations.Cover),
        [Permission.FolderDelete] = FoldersSql(FolderOperations.Delete),
        [Permission.FolderMove] = FoldersSql(FolderOperations.Move),
        [Permission.FolderCopy] = FoldersSql(FolderOperations.Copy),
        [Permission.FolderManagePermissions] = $"""
            SELECT f.id FROM folders f WHERE f.id = ANY(@ids) AND f.space = 'shared' AND @isAdmin AND {SharedSpaceEnabled}
            """,
        [Permission.AlbumView] = $"{AlbumsFrom} AND {AlbumVisible("al")}",
        // An album's archive is all or nothing, as an archive of assets is: every file it shows must be one the caller may download.
        [Permission.AlbumDownload] = $"""
            {AlbumsFrom} AND (al.owner_id = @userId OR {InvitedAs("al", DownloadRoles)})
              AND NOT EXISTS (SELECT 1 FROM assets a LEFT JOIN folders f ON f.id = a.folder_id
                              WHERE a.id IN ({AlbumMembers("al.id")})
                                AND NOT ({OwnAsset(FolderOperations.Download)} OR {SharedAsset(DownloadRoles, FolderOperations.Download)}))
            """,
        [Permission.AlbumAddAssets] = $"{AlbumsFrom} AND al.kind <> 'conditional' AND (al.owner_id = @userId OR {InvitedAs("al", "'provider'")})",
        [Permission.AlbumRemoveAssets] = $"""
            SELECT aa.asset_id FROM album_assets aa JOIN albums al ON al.id = aa.album_id
            WHERE aa.album_id = @within AND aa.asset_id = ANY(@ids)
              AND (al.owner_id = @userId OR aa.added_by = @userId AND {InvitedAs("al", "'provider'")})
            """,
        [Permission.AlbumEdit] = OwnAlbumsSql,
        [Permission.AlbumDelete] = OwnAlbumsSql,
        [Permission.AlbumShare] = OwnAlbumsSql,
        // Album and selection shares are their owner's; Shared Space folder shares are managed by admins (as folder permissions are).
        [Permission.ShareManage] = $"""
            SELECT id FROM shares
            WHERE id = ANY(@ids) AND (folder_id IS NULL AND owner_id = @userId OR folder_id IS NOT NULL AND @isAdmin AND {SharedSpaceEnabled})
            """,
        [Permission.PhotoRequestManage] = "SELECT id FROM photo_requests WHERE id = ANY(@ids) AND owner_id = @userId",
        [Permission.PartnerLibraryView] = $"SELECT p.owner_id FROM partners p WHERE p.owner_id = ANY(@ids) AND p.partner_id = @userId AND {UserActive("p.owner_id")}",
    };

    /// <summary>Every permission the policy has a rule for (tests check that no operation lacks one).</summary>
    public static IReadOnlyCollection<Permission> Ruled => Rules.Keys;

    /// <summary>The SQL of one rule, as PostgreSQL runs it (checked in, expanded, under <c>Access/rules/</c>).</summary>
    public static string RuleSql(Permission permission) => Rules[permission];

    /// <summary>The subset of <paramref name="ids"/> the principal may act on.</summary>
    /// <param name="within">The container of <paramref name="ids"/> where the permission is about entries (album entries).</param>
    public async Task<HashSet<Guid>> AllowedAsync(Principal principal, Permission permission, IReadOnlyCollection<Guid> ids, CancellationToken ct, Guid? within = null)
    {
        if (!Rules.TryGetValue(permission, out var sql)) return [];
        if (ids.Count == 0) return [];
        await using var conn = await db.OpenConnectionAsync(ct);
        var allowed = await conn.QueryAsync<Guid>(new CommandDefinition(sql,
            new { ids = ids.Distinct().ToArray(), userId = principal.UserId, isAdmin = principal.IsAdmin, within }, cancellationToken: ct));
        return allowed.ToHashSet();
    }

    /// <summary>Throws 404 unless the principal may act on every one of <paramref name="ids"/>.</summary>
    public async Task EnsureAsync(Principal principal, Permission permission, IReadOnlyCollection<Guid> ids, CancellationToken ct, string what = "The resource")
    {
        var allowed = await AllowedAsync(principal, permission, ids, ct);
        if (ids.Any(id => !allowed.Contains(id))) throw ApiException.NotFound(what);
    }

    public Task EnsureAsync(Principal principal, Permission permission, Guid id, CancellationToken ct, string what = "The resource") =>
        EnsureAsync(principal, permission, [id], ct, what);

    /// <summary>
    /// Throws unless the principal may act on <paramref name="id"/>: 404 when they may not even see it
    /// (<paramref name="seenWith"/>), 403 <c>share.role_insufficient</c> when they see it but their role does not allow this.
    /// </summary>
    public Task EnsureRoleAsync(Principal principal, Permission permission, Guid id, Permission seenWith, string what, CancellationToken ct) =>
        EnsureRoleAsync(principal, permission, [id], seenWith, what, ct);

    /// <summary>The batch form: 404 if any id is not even seen, else 403 if any is not allowed.</summary>
    public async Task EnsureRoleAsync(Principal principal, Permission permission, IReadOnlyCollection<Guid> ids, Permission seenWith, string what, CancellationToken ct)
    {
        var allowed = await AllowedAsync(principal, permission, ids, ct);
        if (ids.All(allowed.Contains)) return;
        await EnsureAsync(principal, seenWith, ids.Where(id => !allowed.Contains(id)).ToList(), ct, what);
        throw RoleInsufficient(what);
    }

    public static ApiException RoleInsufficient(string what) =>
        new(403, Contracts.ErrorCodes.RoleInsufficient, $"Your role on {what.ToLowerInvariant()} does not allow this.");

    /// <summary>May the principal use this space at all (create top-level folders there, list its top level)?</summary>
    /// <remarks>
    /// Shared Space: listing its top level needs Full Access or Custom (Custom users then see the folders their permissions
    /// let them view); creating, moving or copying folders into its top level needs Full Access.
    /// </remarks>
    public async Task<bool> CanUseSpaceAsync(Principal principal, string space, CancellationToken ct, bool write = true)
    {
        if (space == "personal") return true;
        if (space != "shared") return false;
        var level = await SharedSpaceLevelAsync(principal, ct);
        return level == "full" || level == "custom" && !write;
    }

    /// <summary>
    /// What the principal may do on a Shared Space folder itself and on the files directly in it, operation by operation
    /// (<see cref="FolderOperations"/>), with the same rules as every other answer of this policy.
    /// </summary>
    public async Task<(string[] Folder, string[] Files)> EffectiveOperationsAsync(Principal principal, Guid folderId, CancellationToken ct)
    {
        var columns = string.Join(",\n", FolderOperations.All.SelectMany(op => new[]
        {
            $"{SharedSpaceAllows("@folderId", "folder", op)} AS \"folder:{op}\"",
            $"{SharedSpaceAllows("@folderId", "file", op)} AS \"file:{op}\"",
        }));
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = (IDictionary<string, object>)await conn.QuerySingleAsync(new CommandDefinition($"SELECT {columns}",
            new { folderId, userId = principal.UserId, isAdmin = principal.IsAdmin }, cancellationToken: ct));
        string[] Allowed(string kind) => FolderOperations.All.Where(op => row[$"{kind}:{op}"] is true).ToArray();
        return (Allowed("folder"), Allowed("file"));
    }

    /// <summary>The principal's Shared Space access: <c>full</c>, <c>custom</c> or <c>none</c> (also none while Shared Space is disabled).</summary>
    public async Task<string> SharedSpaceLevelAsync(Principal principal, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<string>(new CommandDefinition($"SELECT CASE WHEN {SharedSpaceEnabled} THEN {SharedSpaceLevel} ELSE 'none' END",
            new { userId = principal.UserId, isAdmin = principal.IsAdmin }, cancellationToken: ct)) ?? "none";
    }
}
