using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Assets;

/// <summary>Moves assets to the trash. All or nothing: one id the caller may not delete and nothing changes (404).</summary>
[Access(Permission.AssetDelete)]
public sealed class DeleteAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AssetIdsRequest, AssetIdsResponse>
{
    private const string TrashSql = """
        UPDATE assets SET trashed_at = now(), updated_at = now() WHERE id = ANY(@ids) AND trashed_at IS NULL RETURNING id
        """;

    public override void Configure()
    {
        Post("assets/delete");
        Description(d => d.WithName("deleteAssets"));
    }

    public override async Task HandleAsync(AssetIdsRequest req, CancellationToken ct) =>
        await Send.OkAsync(await AssetBatch.UpdateAsync(db, policy, HttpContext.Principal(), Permission.AssetDelete, TrashSql, req.Ids, ct), ct);
}
