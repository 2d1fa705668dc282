using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Assets;

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
