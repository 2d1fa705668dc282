using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Assets;

/// <summary>Takes assets out of the trash, back into their folder (or the top of the owner's Personal Space).</summary>
[Access(Permission.AssetDelete)]
public sealed class RestoreAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AssetIdsRequest, AssetIdsResponse>
{
    private const string RestoreSql = """
        UPDATE assets SET trashed_at = NULL, updated_at = now() WHERE id = ANY(@ids) AND trashed_at IS NOT NULL RETURNING id
        """;

    public override void Configure()
    {
        Post("trash/restore");
        Description(d => d.WithName("restoreAssets"));
    }

    public override async Task HandleAsync(AssetIdsRequest req, CancellationToken ct) =>
        await Send.OkAsync(await AssetBatch.UpdateAsync(db, policy, HttpContext.Principal(), Permission.AssetDelete, RestoreSql, req.Ids, ct), ct);
}
