using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Access;

/// <summary>
/// The one place that decides whether a principal may do an operation on resources. Endpoints ask it (in batches over
/// ids) and never re-implement it. It fails closed: a permission without a rule is refused, and "not allowed" is
/// answered exactly like "does not exist" (404), so ids cannot be probed.
/// </summary>
/// <remarks>
/// Rules so far: a user's Personal Space (folders and the assets in them) is theirs alone, for every operation;
/// Shared Space exists only while an admin has enabled it and, until folder permissions arrive, is reached by admins.
/// </remarks>
public sealed class AccessPolicy(NpgsqlDataSource db)
{
    private const string SharedSpaceOpen = "(SELECT shared_space_enabled FROM settings) AND @isAdmin";

    private const string AssetsSql = $"""
        SELECT a.id FROM assets a LEFT JOIN folders f ON f.id = a.folder_id
        WHERE a.id = ANY(@ids)
          AND ((f.id IS NULL OR f.space = 'personal') AND a.owner_id = @userId
               OR f.space = 'shared' AND {SharedSpaceOpen})
        """;

    private const string FoldersSql = $"""
        SELECT id FROM folders
        WHERE id = ANY(@ids)
          AND (space = 'personal' AND owner_id = @userId
               OR space = 'shared' AND {SharedSpaceOpen})
        """;

    private static readonly Dictionary<Permission, string> Rules = new()
    {
        [Permission.AssetView] = AssetsSql,
        [Permission.AssetDownload] = AssetsSql,
        [Permission.AssetEdit] = AssetsSql,
        [Permission.AssetDelete] = AssetsSql,
        [Permission.AssetMove] = AssetsSql,
        [Permission.AssetCopy] = AssetsSql,
        [Permission.FolderView] = FoldersSql,
        [Permission.FolderUpload] = FoldersSql,
        [Permission.FolderCreate] = FoldersSql,
        [Permission.FolderRename] = FoldersSql,
        [Permission.FolderCover] = FoldersSql,
        [Permission.FolderDelete] = FoldersSql,
        [Permission.FolderMove] = FoldersSql,
        [Permission.FolderCopy] = FoldersSql,
    };

    /// <summary>Every permission the policy has a rule for (tests check that no operation lacks one).</summary>
    public static IReadOnlyCollection<Permission> Ruled => Rules.Keys;

    /// <summary>The subset of <paramref name="ids"/> the principal may act on.</summary>
    public async Task<HashSet<Guid>> AllowedAsync(Principal principal, Permission permission, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (!Rules.TryGetValue(permission, out var sql)) return [];
        if (ids.Count == 0) return [];
        await using var conn = await db.OpenConnectionAsync(ct);
        var allowed = await conn.QueryAsync<Guid>(new CommandDefinition(sql,
            new { ids = ids.Distinct().ToArray(), userId = principal.UserId, isAdmin = principal.IsAdmin }, cancellationToken: ct));
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

    /// <summary>May the principal use this space at all (create top-level folders there, list its top level)?</summary>
    public async Task<bool> CanUseSpaceAsync(Principal principal, string space, CancellationToken ct)
    {
        if (space == "personal") return true;
        if (space != "shared" || !principal.IsAdmin) return false;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT shared_space_enabled FROM settings", cancellationToken: ct));
    }
}
