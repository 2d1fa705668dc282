using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class PublicShareThumbnailRequest
{
    public string Key { get; set; } = "";
    public Guid AssetId { get; set; }
    /// <summary><c>small</c> (default) or <c>preview</c>.</summary>
    [QueryParam] public string? Size { get; set; }
    /// <summary>The unlock token, for an <c>&lt;img src&gt;</c> that cannot send the header.</summary>
    [QueryParam] public string? Token { get; set; }
}

public sealed class PublicShareThumbnailValidator : Validator<PublicShareThumbnailRequest>
{
    public PublicShareThumbnailValidator() =>
        RuleFor(x => x.Size).Must(s => s is null or "small" or "preview").WithMessage("One of: small, preview.");
}

/// <summary>A shared asset's thumbnail or preview (made without metadata), through the link.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Unlocked)]
public sealed class GetPublicShareThumbnailEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, MediaSigner signer) : Endpoint<PublicShareThumbnailRequest>
{
    public override void Configure()
    {
        Get("s/{key}/assets/{assetId}/thumbnail");
        AllowAnonymous();
        Description(d => d.WithName("getPublicShareThumbnail").ClearDefaultProduces(200).Produces<Stream>(200, "image/webp", "image/jpeg"));
    }

    public override async Task HandleAsync(PublicShareThumbnailRequest req, CancellationToken ct)
    {
        var link = HttpContext.LinkGuest().Link;
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var asset = await PublicAssets.RequireAsync(HttpContext, db, links, link, ids, req.AssetId, ct);
        var preview = req.Size == "preview";
        var key = (preview ? asset.PreviewKey : asset.ThumbnailKey)
                  ?? throw (asset.Status is "pending" or "processing"
                      ? new ApiException(409, ErrorCodes.AssetNotReady, "The asset is still being processed; try again shortly.") { RetryAfter = CleanOriginals.RetryAfter }
                      : new ApiException(404, ErrorCodes.AssetNoDerivative, "This asset has no thumbnail (it is not an image, or it could not be decoded)."));
        HttpContext.Response.Headers.CacheControl = "private, max-age=3600";
        await Send.ResultAsync(TypedResults.File(await blobs.OpenReadAsync(key, ct), preview ? "image/jpeg" : "image/webp"));
    }
}
