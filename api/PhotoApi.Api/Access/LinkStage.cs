using FastEndpoints;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Access;

/// <summary>
/// The pipeline stage for link guests: when a <see cref="AccessScope.Guest"/> declaration names the route parameter
/// holding a share link's key (<see cref="AccessAttribute.Link"/>), this stage resolves the link once through
/// <see cref="GuestLinks"/> and enforces what the route declares it needs (<see cref="LinkNeeds"/>: unlocked, downloads,
/// uploads; for a photo request's key, that it accepts files), before the handler runs. The handler reads the result with <see cref="LinkGuestExtensions.LinkGuest"/>;
/// what it checks per asset (shown by the link, visible, the caller's own rights) it still checks itself.
/// </summary>
public sealed class LinkStage : IGlobalPreProcessor
{
    public async Task PreProcessAsync(IPreProcessorContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var access = http.GetEndpoint()?.Metadata.GetMetadata<AccessAttribute>();
        if (access is not { Scope: AccessScope.Guest, Link: { } parameter }) return;
        if (context.HasValidationFailures) return; // the validator's 400 comes first, as for every other endpoint

        var key = http.Request.RouteValues[parameter]?.ToString() ?? "";
        var links = http.RequestServices.GetRequiredService<GuestLinks>();
        var needs = access.LinkNeeds;
        if (needs.HasFlag(LinkNeeds.PhotoRequest))
        {
            http.Items[LinkGuestExtensions.RequestKey] = await links.PhotoRequestAsync(http, key, open: needs.HasFlag(LinkNeeds.Open), ct);
            return;
        }
        var guest = needs.HasFlag(LinkNeeds.Unlocked) ? await links.UnlockedShareAsync(http, key, ct) : await links.OpenShareAsync(http, key, ct);
        if (needs.HasFlag(LinkNeeds.Download) && !guest.Link.AllowDownload)
            throw new Infrastructure.Errors.ApiException(403, ErrorCodes.ShareDownloadDisabled, "The owner of this link does not allow downloads.");
        if (needs.HasFlag(LinkNeeds.Upload)) await links.EnsureTakesUploadsAsync(guest.Link, ct);
        http.Items[LinkGuestExtensions.Key] = guest;
    }
}

/// <summary>A share link as the <see cref="LinkStage"/> resolved it for this request.</summary>
/// <param name="Token">The unlock token presented, when the link needed one.</param>
/// <param name="Unlocked">Whether the caller may see the contents now (no password needed, or a valid unlock token).</param>
public sealed record LinkGuest(ShareLink Link, string? Token, bool Unlocked);

public static class LinkGuestExtensions
{
    internal static readonly object Key = new();
    internal static readonly object RequestKey = new();

    /// <summary>The link the <see cref="LinkStage"/> resolved for this route (which must declare <see cref="AccessAttribute.Link"/>).</summary>
    public static LinkGuest LinkGuest(this HttpContext http) =>
        http.Items.TryGetValue(Key, out var guest) && guest is LinkGuest g
            ? g
            : throw NotResolved();

    /// <summary>The photo request the <see cref="LinkStage"/> resolved for this route (declared <see cref="LinkNeeds.PhotoRequest"/>).</summary>
    public static PhotoRequestLink RequestGuest(this HttpContext http) =>
        http.Items.TryGetValue(RequestKey, out var link) && link is PhotoRequestLink r ? r : throw NotResolved();

    private static InvalidOperationException NotResolved() =>
        new("This route does not declare its link parameter: the link stage did not resolve a link for it.");
}
