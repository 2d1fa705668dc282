using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Albums;

public sealed record RemoveAlbumAssetsResponse(IReadOnlyList<Guid> Removed);

/// <summary>
/// Removes entries from an album: its owner removes any, a Provider only the ones they added. The assets themselves stay.
/// All or nothing: an asset that is not an entry → 404 <c>album.entry_missing</c>; one the caller may not remove → 403.
/// </summary>
[Access(Permission.AlbumView, Permission.AlbumRemoveAssets, On = "id", What = "The album")]
public sealed class RemoveAlbumAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AlbumAssetsRequest, RemoveAlbumAssetsResponse>
{
    private const string EntriesSql = "SELECT asset_id FROM album_assets WHERE album_id = @albumId AND asset_id = ANY(@ids)";
    private const string DeleteSql = "DELETE FROM album_assets WHERE album_id = @albumId AND asset_id = ANY(@ids)";

    public override void Configure()
    {
        Delete("albums/{id}/assets");
        Description(d => d.WithName("removeAlbumAssets"));
    }

    public override async Task HandleAsync(AlbumAssetsRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        await AlbumStore.EnsureManualAsync(conn, req.Id, ct);
        var ids = req.AssetIds.Distinct().ToArray();
        var entries = (await conn.QueryAsync<Guid>(new CommandDefinition(EntriesSql, new { albumId = req.Id, ids }, cancellationToken: ct))).ToHashSet();
        if (ids.Any(i => !entries.Contains(i)))
            throw new ApiException(404, ErrorCodes.AlbumEntryMissing, "An asset named is not in the album.");
        var removable = await policy.AllowedAsync(principal, Permission.AlbumRemoveAssets, ids, ct, within: req.Id);
        if (ids.Any(i => !removable.Contains(i)))
            throw new ApiException(403, ErrorCodes.RoleInsufficient, "Only the album's owner removes entries that others added; a Viewer or Downloader removes none.");

        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { albumId = req.Id, ids }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE albums SET cover_asset_id = NULL WHERE id = @albumId AND cover_asset_id = ANY(@ids)", new { albumId = req.Id, ids }, tx, cancellationToken: ct));
        await AlbumStore.TouchAsync(conn, tx, req.Id, ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(new RemoveAlbumAssetsResponse(ids), ct);
    }
}
