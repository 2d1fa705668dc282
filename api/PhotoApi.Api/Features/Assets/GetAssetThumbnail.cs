using FastEndpoints;
using FluentValidation;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class GetAssetThumbnailRequest : ISignedMediaRequest
{
    public Guid Id { get; set; }
    /// <summary><c>small</c> (250 px WebP, default) or <c>preview</c> (1440 px JPEG).</summary>
    [QueryParam] public string? Size { get; set; }
    [QueryParam] public long? Exp { get; set; }
    [QueryParam] public string? Sig { get; set; }

    string ISignedMediaRequest.SignedVariant => Size == "preview" ? "preview" : "thumbnail";
}

public sealed class GetAssetThumbnailValidator : Validator<GetAssetThumbnailRequest>
{
    public GetAssetThumbnailValidator() =>
        RuleFor(x => x.Size).Must(s => s is null or "small" or "preview").WithMessage("One of: small, preview.");
}

/// <summary>A derivative: the 250 px WebP thumbnail or the 1440 px JPEG preview, made by the worker with no metadata in it.</summary>
[Access(Permission.AssetView, On = "id", What = "The asset", SignedUrls = true)]
public sealed class GetAssetThumbnailEndpoint(NpgsqlDataSource db, IBlobStore blobs) : Endpoint<GetAssetThumbnailRequest>
{
    public override void Configure()
    {
        Get("assets/{id}/thumbnail");
        AllowAnonymous(); // a signed URL stands in for sign-in; the access stage decides
        Description(d => d.WithName("getAssetThumbnail").ClearDefaultProduces(200).Produces<Stream>(200, "image/webp", "image/jpeg").Produces(304));
    }

    public override async Task HandleAsync(GetAssetThumbnailRequest req, CancellationToken ct)
    {
        var preview = req.Size == "preview";
        await using var conn = await db.OpenConnectionAsync(ct);
        var asset = await AssetQueries.GetOneAsync(conn, req.Id, ct);
        await conn.CloseAsync();
        var key = preview ? asset.PreviewKey : asset.ThumbnailKey;
        if (key is null)
            throw asset.Status is "pending" or "processing"
                ? new ApiException(409, ErrorCodes.AssetNotReady, "The asset is still being processed; try again shortly.")
                : new ApiException(404, ErrorCodes.AssetNoDerivative, "This asset has no thumbnail (it is not an image, or it could not be decoded).");
        var stream = await blobs.OpenReadAsync(key, ct);
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(asset.Checksum)}-{(preview ? "p" : "t")}\"");
        HttpContext.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        await Send.ResultAsync(TypedResults.File(stream, preview ? "image/jpeg" : "image/webp", entityTag: etag));
    }
}
