using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Albums;

/// <param name="Added">Assets that became entries now.</param>
/// <param name="AlreadyInAlbum">Assets that were entries already (an album holds an asset once).</param>
public sealed record AddAlbumAssetsResponse(IReadOnlyList<Guid> Added, IReadOnlyList<Guid> AlreadyInAlbum);

/// <summary>
/// Adds the caller's own assets to an album (its owner, or a Provider of its share). Each new entry remembers who added
/// it; assets already there are reported, not added twice. All or nothing: one asset the caller may not share → 404.
/// </summary>
[Access(Permission.AlbumView, Permission.AlbumAddAssets, Permission.AssetShare, On = "id", What = "The album")]
public sealed class AddAlbumAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AlbumAssetsRequest, AddAlbumAssetsResponse>
{
    private const string ExistingSql = "SELECT asset_id FROM album_assets WHERE album_id = @albumId AND asset_id = ANY(@ids)";

    public override void Configure()
    {
        Put("albums/{id}/assets");
        Description(d => d.WithName("addAlbumAssets"));
    }

    public override async Task HandleAsync(AlbumAssetsRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        await AlbumStore.EnsureManualAsync(conn, req.Id, ct);
        await policy.EnsureRoleAsync(principal, Permission.AlbumAddAssets, req.Id, Permission.AlbumView, "The album", ct);
        var ids = req.AssetIds.Distinct().ToArray();
        await policy.EnsureAsync(principal, Permission.AssetShare, ids, ct, "An asset");

        await using var tx = await conn.BeginTransactionAsync(ct);
        var existing = (await conn.QueryAsync<Guid>(new CommandDefinition(ExistingSql, new { albumId = req.Id, ids }, tx, cancellationToken: ct))).ToHashSet();
        var fresh = ids.Where(i => !existing.Contains(i)).ToArray();
        await AlbumEntries.AddAsync(conn, tx, req.Id, fresh, principal.UserId, ct);
        if (fresh.Length > 0) await AlbumStore.TouchAsync(conn, tx, req.Id, ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(new AddAlbumAssetsResponse(fresh, ids.Where(existing.Contains).ToList()), ct);
    }
}
