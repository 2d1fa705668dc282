using Dapper;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Access;

/// <summary>
/// The one place that decides whether a principal may do an operation on resources. Endpoints ask it (in batches over
/// ids) and never re-implement it; list queries scope themselves with the SQL it exposes (<see cref="CallerAlbumRole"/>,
/// <see cref="OwnInTimeline"/>). It fails closed: a permission without a rule is refused, and "not allowed" is answered
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
public sealed partial class AccessPolicy(NpgsqlDataSource db)
{
    /// <summary>The subset of <paramref name="ids"/> the principal may act on.</summary>
    /// <param name="within">The container of <paramref name="ids"/> where the permission is about entries (album entries).</param>
    public async Task<HashSet<Guid>> AllowedAsync(Principal principal, Permission permission, IReadOnlyCollection<Guid> ids, CancellationToken ct, Guid? within = null)
    {
        if (!Rules.TryGetValue(permission, out var sql)) return [];
        if (ids.Count == 0) return [];
        await using var conn = await db.OpenConnectionAsync(ct);
        var allowed = await conn.QueryPreparedAsync<Guid>(sql,
            new { ids = ids.Distinct().ToArray(), userId = principal.UserId, isAdmin = principal.IsAdmin, within }, ct);
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

    private static readonly string SharedSpaceLevelSql = $"SELECT {SharedSpaceAccessOf("@userId", "@isAdmin")}";

    /// <summary>The principal's Shared Space access: <c>full</c>, <c>custom</c> or <c>none</c> (also none while Shared Space is disabled).</summary>
    public async Task<string> SharedSpaceLevelAsync(Principal principal, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QueryFirstPreparedAsync<string>(SharedSpaceLevelSql, new { userId = principal.UserId, isAdmin = principal.IsAdmin }, ct)
               ?? "none";
    }
}
