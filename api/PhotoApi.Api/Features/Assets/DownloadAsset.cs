using FastEndpoints;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class DownloadAssetRequest : ISignedMediaRequest
{
    public Guid Id { get; set; }
    /// <summary>Expiry of a signed URL (unix seconds); with <see cref="Sig"/>, no Authorization header is needed.</summary>
    [QueryParam] public long? Exp { get; set; }
    [QueryParam] public string? Sig { get; set; }

    string ISignedMediaRequest.SignedVariant => "original";
}

/// <summary>The original bytes, with HTTP Range (206), a strong ETag (the SHA-256) and conditional requests (304).</summary>
/// <remarks>Someone who sees the asset but may not download it (an album Viewer) is told so; others get 404.</remarks>
[Access(Permission.AssetDownload, On = "id", What = "The asset", SeenWith = Permission.AssetView, SignedUrls = true)]
public sealed class DownloadAssetEndpoint(NpgsqlDataSource db, IBlobStore blobs) : Endpoint<DownloadAssetRequest>
{
    public override void Configure()
    {
        Get("assets/{id}/original");
        AllowAnonymous(); // a signed URL stands in for sign-in; the access stage decides
        Description(d => d.WithName("downloadAsset").ClearDefaultProduces(200).Produces<Stream>(200, "application/octet-stream")
            .Produces<Stream>(206, "application/octet-stream").Produces(304));
    }

    public override async Task HandleAsync(DownloadAssetRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var asset = await AssetQueries.GetOneAsync(conn, req.Id, ct);
        await conn.CloseAsync();
        var stream = await blobs.OpenReadAsync(asset.BlobKey, ct);
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(asset.Checksum)}\"");
        HttpContext.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        await Send.ResultAsync(MediaTypes.Original(stream, asset.ContentType, asset.OriginalFileName, etag,
            new DateTimeOffset(DateTime.SpecifyKind(asset.CreatedAt, DateTimeKind.Utc))));
    }
}
