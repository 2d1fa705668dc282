using Dapper;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Assets;

/// <summary>
/// What a zip download of the caller's own request holds (<c>downloadArchive</c>, <c>createArchiveLink</c>,
/// <c>downloadArchiveLink</c>): the originals of the assets named, or of everything an album shows, refused as a whole
/// (404, or 403 <c>share.role_insufficient</c>) unless the principal may download every one — decided before a byte is sent.
/// </summary>
public static class ArchiveContents
{
    // Joined by id, so each member is a key lookup (an IN over the members lets the planner scan all of assets).
    private static readonly string AlbumSql =
        $"SELECT {AssetQueries.Columns} FROM ({AccessPolicy.AlbumMembers("@albumId")}) m JOIN assets a ON a.id = m.asset_id";

    /// <summary>Throws unless <paramref name="principal"/> may download the album (AlbumDownload) or every asset (AssetDownload).</summary>
    public static async Task EnsureAsync(AccessPolicy policy, Principal principal, Guid[]? assetIds, Guid? albumId, CancellationToken ct)
    {
        if (albumId is { } album) await policy.EnsureRoleAsync(principal, Permission.AlbumDownload, album, Permission.AlbumView, "The album", ct);
        else await policy.EnsureRoleAsync(principal, Permission.AssetDownload, assetIds!.Distinct().ToArray(), Permission.AssetView, "An asset", ct);
    }

    /// <summary>The entries, in the order taken, once <see cref="EnsureAsync"/> has allowed the request.</summary>
    public static async Task<List<ZipEntry>> EntriesAsync(NpgsqlDataSource db, AccessPolicy policy, Principal principal, Guid[]? assetIds, Guid? albumId,
        CancellationToken ct)
    {
        await EnsureAsync(policy, principal, assetIds, albumId, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        var assets = albumId is { } album
            ? (await conn.QueryAsync<AssetRow>(new CommandDefinition(AlbumSql, new { albumId = album }, cancellationToken: ct))).AsList()
            : await AssetQueries.GetAsync(conn, assetIds!.Distinct().ToArray(), ct);
        return assets.OrderBy(a => a.TakenAt).ThenBy(a => a.Id).Select(a => new ZipEntry(a.OriginalFileName, a.TakenAt, a.BlobKey)).ToList();
    }
}
