using FastEndpoints;
using FluentValidation;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class DownloadAssetRequest
{
    public Guid Id { get; set; }
    /// <summary>Expiry of a signed URL (unix seconds); with <see cref="Sig"/>, no Authorization header is needed.</summary>
    [QueryParam] public long? Exp { get; set; }
    [QueryParam] public string? Sig { get; set; }
}

public sealed class GetAssetThumbnailRequest
{
    public Guid Id { get; set; }
    /// <summary><c>small</c> (250 px WebP, default) or <c>preview</c> (1440 px JPEG).</summary>
    [QueryParam] public string? Size { get; set; }
    [QueryParam] public long? Exp { get; set; }
    [QueryParam] public string? Sig { get; set; }
}

public sealed class GetAssetThumbnailValidator : Validator<GetAssetThumbnailRequest>
{
    public GetAssetThumbnailValidator() =>
        RuleFor(x => x.Size).Must(s => s is null or "small" or "preview").WithMessage("One of: small, preview.");
}

/// <summary>
/// Who may read media: a signed-in principal the access policy allows, or anyone holding a valid signed URL for exactly
/// this asset and variant. A bad or expired signature is refused before the asset is even looked up.
/// </summary>
public sealed class MediaAccess(AccessPolicy policy, MediaSigner signer)
{
    public async Task EnsureAsync(HttpContext ctx, Guid assetId, string variant, long? exp, string? sig, Permission permission, CancellationToken ct)
    {
        if (exp is not null || sig is not null)
        {
            if (exp is null || sig is null || !await signer.VerifyAsync(assetId, variant, exp.Value, sig, ct))
                throw new ApiException(403, ErrorCodes.MediaLinkInvalid, "This media link is invalid or has expired. Ask the API for a fresh one.");
            return;
        }
        if (ctx.User.Identity?.IsAuthenticated != true)
            throw new ApiException(401, ErrorCodes.Unauthenticated, "Sign in, or use the signed URL the API returned for this asset.");
        if (ctx.User.FindFirst(Infrastructure.Auth.Claims.PhotoLibrary)?.Value != "true")
            throw new ApiException(403, ErrorCodes.PhotoLibraryDenied, "An administrator has not given you access to the photo library.");
        // Someone who sees the asset but may not download it (an album Viewer) is told so; others get 404.
        await policy.EnsureRoleAsync(Principal.Of(ctx.User), permission, assetId, Permission.AssetView, "The asset", ct);
    }
}

/// <summary>The original bytes, with HTTP Range (206), a strong ETag (the SHA-256) and conditional requests (304).</summary>
[Access(Permission.AssetDownload)]
public sealed class DownloadAssetEndpoint(NpgsqlDataSource db, IBlobStore blobs, MediaAccess access) : Endpoint<DownloadAssetRequest>
{
    public override void Configure()
    {
        Get("assets/{id}/original");
        AllowAnonymous(); // a signed URL stands in for sign-in; MediaAccess decides
        Description(d => d.WithName("downloadAsset").ClearDefaultProduces(200).Produces<Stream>(200, "application/octet-stream")
            .Produces<Stream>(206, "application/octet-stream").Produces(304));
    }

    public override async Task HandleAsync(DownloadAssetRequest req, CancellationToken ct)
    {
        await access.EnsureAsync(HttpContext, req.Id, "original", req.Exp, req.Sig, Permission.AssetDownload, ct);
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

/// <summary>A derivative: the 250 px WebP thumbnail or the 1440 px JPEG preview, made by the worker with no metadata in it.</summary>
[Access(Permission.AssetView)]
public sealed class GetAssetThumbnailEndpoint(NpgsqlDataSource db, IBlobStore blobs, MediaAccess access) : Endpoint<GetAssetThumbnailRequest>
{
    public override void Configure()
    {
        Get("assets/{id}/thumbnail");
        AllowAnonymous(); // a signed URL stands in for sign-in; MediaAccess decides
        Description(d => d.WithName("getAssetThumbnail").ClearDefaultProduces(200).Produces<Stream>(200, "image/webp", "image/jpeg").Produces(304));
    }

    public override async Task HandleAsync(GetAssetThumbnailRequest req, CancellationToken ct)
    {
        var preview = req.Size == "preview";
        await access.EnsureAsync(HttpContext, req.Id, preview ? "preview" : "thumbnail", req.Exp, req.Sig, Permission.AssetView, ct);
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
