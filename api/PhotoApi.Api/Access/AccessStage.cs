using FastEndpoints;

namespace PhotoApi.Api.Access;

/// <summary>
/// The pipeline stage that enforces what an endpoint declares, before its handler runs. Every endpoint carries an
/// <see cref="AccessAttribute"/> (copied into its endpoint metadata at start); when the declaration names the route
/// parameter its permission is about (<see cref="AccessAttribute.On"/>), this stage asks the <see cref="AccessPolicy"/>
/// for that permission on that id, and the handler runs only if it is granted. A route id that is not a uuid is answered
/// like one that does not exist.
/// </summary>
public sealed partial class AccessStage : IGlobalPreProcessor
{
    public async Task PreProcessAsync(IPreProcessorContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var access = http.GetEndpoint()?.Metadata.GetMetadata<AccessAttribute>();
        if (access?.ArchiveLink is { } tokenParameter && !context.HasValidationFailures)
        {
            await ArchiveLinkAsync(http, tokenParameter, ct);
            return;
        }
        if (access?.On is not { } parameter || access.Permissions.Count == 0) return;
        if (context.HasValidationFailures) return; // the validator's 400 comes first, as for every other endpoint

        var raw = http.Request.RouteValues[parameter]?.ToString();
        if (!Guid.TryParse(raw, out var id)) throw Infrastructure.Errors.ApiException.NotFound(access.What);

        if (access.SignedUrls && await SignedUrlAsync(http, context.Request as ISignedMediaRequest, id, ct)) return;

        var policy = http.RequestServices.GetRequiredService<AccessPolicy>();
        var principal = http.Principal();
        if (access.DistinguishesRole)
            await policy.EnsureRoleAsync(principal, access.Permissions[0], id, access.SeenWith, access.What, ct);
        else
            await policy.EnsureAsync(principal, access.Permissions[0], id, ct, access.What);
    }
}

/// <summary>The signed-URL principal: anyone holding a valid signature for exactly this asset and variant.</summary>
public sealed partial class AccessStage
{
    /// <summary>
    /// True when the request carries a valid signed URL for <paramref name="assetId"/> (nothing else is asked then); a
    /// bad or expired one is refused before the asset is even looked up. Without a signature the caller must be signed
    /// in with the photo-library privilege, and the route's permission is checked as for any signed-in route.
    /// </summary>
    private static async Task<bool> SignedUrlAsync(HttpContext http, ISignedMediaRequest? request, Guid assetId, CancellationToken ct)
    {
        if (request is null) throw new InvalidOperationException($"{http.GetEndpoint()?.DisplayName} takes signed URLs but its request is no {nameof(ISignedMediaRequest)}.");
        if (request.Exp is not null || request.Sig is not null)
        {
            var signer = http.RequestServices.GetRequiredService<Features.Assets.MediaSigner>();
            if (request.Exp is null || request.Sig is null || !await signer.VerifyAsync(assetId, request.SignedVariant, request.Exp.Value, request.Sig, ct))
                throw new Infrastructure.Errors.ApiException(403, Contracts.ErrorCodes.MediaLinkInvalid,
                    "This media link is invalid or has expired. Ask the API for a fresh one.");
            return true;
        }
        if (http.User.Identity?.IsAuthenticated != true)
            throw new Infrastructure.Errors.ApiException(401, Contracts.ErrorCodes.Unauthenticated,
                "Sign in, or use the signed URL the API returned for this asset.");
        if (http.User.FindFirst(Infrastructure.Auth.Claims.PhotoLibrary)?.Value != "true")
            throw new Infrastructure.Errors.ApiException(403, Contracts.ErrorCodes.PhotoLibraryDenied,
                "An administrator has not given you access to the photo library.");
        return false;
    }
}

/// <summary>The archive-link principal: whoever holds the link acts as the user who made it, for that one download.</summary>
public sealed partial class AccessStage
{
    private static readonly object ArchiveLinkKey = new();

    /// <summary>
    /// Resolves the route's archive-link token (<see cref="ArchiveLinks"/>) and makes its maker the request's principal,
    /// whatever else the request carries; the handler reads the link's request with <see cref="ArchiveLinkOf"/>. For a share
    /// link's archive link the share link is resolved too (<see cref="GuestLinks.ArchiveShareAsync"/>), read by the handler
    /// with <c>LinkGuest()</c>; a guest of a public or password link is no principal at all.
    /// </summary>
    private static async Task ArchiveLinkAsync(HttpContext http, string parameter, CancellationToken ct)
    {
        var token = http.Request.RouteValues[parameter]?.ToString() ?? "";
        var link = await http.RequestServices.GetRequiredService<ArchiveLinks>().ResolveAsync(token, ct);
        var maker = link.UserId is { } userId ? new Principal(userId, link.IsAdmin) : null;
        if (maker is not null) http.SetPrincipal(maker);
        http.Items[ArchiveLinkKey] = link;
        // A share link's "download all": the link is resolved again, as the link stage would for its maker, now.
        if (link is { ShareId: { } shareId, LinkVersion: { } version })
            http.Items[LinkGuestExtensions.Key] = await http.RequestServices.GetRequiredService<GuestLinks>()
                .ArchiveShareAsync(shareId, version, maker, link.MakerHasPhotoLibrary, ct);
    }

    internal static ArchiveLink ArchiveLinkOf(HttpContext http) =>
        http.Items.TryGetValue(ArchiveLinkKey, out var link) && link is ArchiveLink l
            ? l
            : throw new InvalidOperationException("This route does not declare its archive-link parameter: the access stage resolved no link for it.");
}

public static class PrincipalExtensions
{
    private static readonly object Key = new();

    /// <summary>The caller as the access policy sees them, resolved once per request from the authenticated user.</summary>
    public static Principal Principal(this HttpContext http)
    {
        if (http.Items.TryGetValue(Key, out var cached) && cached is Principal p) return p;
        var principal = Access.Principal.Of(http.User);
        http.Items[Key] = principal;
        return principal;
    }

    /// <summary>A principal the access stage resolved from something other than the authenticated user (an archive link).</summary>
    internal static void SetPrincipal(this HttpContext http, Principal principal) => http.Items[Key] = principal;

    /// <summary>The archive link the access stage resolved for this route (which must declare <see cref="AccessAttribute.ArchiveLink"/>).</summary>
    public static ArchiveLink ArchiveLink(this HttpContext http) => AccessStage.ArchiveLinkOf(http);
}
