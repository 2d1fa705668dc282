using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Assets;

public sealed class AssetIdRequest
{
    public Guid Id { get; set; }
}

[Access(Permission.AssetView, On = "id", What = "The asset")]
public sealed class GetAssetEndpoint(NpgsqlDataSource db, AssetViews views) : Endpoint<AssetIdRequest, AssetResponse>
{
    public override void Configure()
    {
        Get("assets/{id}");
        Description(d => d.WithName("getAsset"));
    }

    public override async Task HandleAsync(AssetIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await AssetQueries.GetOneAsync(conn, req.Id, ct);
        await Send.OkAsync(await views.ForAsync(HttpContext.Principal(), row, ct), ct);
    }
}
