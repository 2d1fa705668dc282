using FastEndpoints;
using Microsoft.Extensions.Options;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>
/// "Download all" for a browser: checks now what the link's zip needs (<see cref="PublicShareArchive.CheckAsync"/>: the
/// link shows something downloadable, else 409 <c>share.archive_empty</c>; every file downloadable; where metadata is
/// hidden every clean copy ready, else 409 <c>asset.not_ready</c> with Retry-After after asking the worker for all the
/// missing ones), and answers an archive link (<see cref="ArchiveLinks.CreateForShareAsync"/>) that streams the zip to
/// disk as a plain <c>&lt;a href download&gt;</c> — no header, cookie or token needed — once. Nothing here counts a
/// download: the archive link's download does. Each answer walks the link, so creation is throttled per client address
/// (<c>Throttling:ArchiveLinksPerIp</c>).
/// </summary>
[Access(AccessScope.Guest, Permission.AssetDownload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Download)]
public sealed class CreatePublicShareArchiveLinkEndpoint(PublicShareArchive archive, ArchiveLinks archiveLinks, Throttle throttle,
    IOptions<ThrottlingOptions> throttling) : Endpoint<PublicShareArchiveRequest, ArchiveLinkResponse>
{
    public override void Configure()
    {
        Post("s/{key}/archive-links");
        AllowAnonymous();
        Description(d => d.WithName("createPublicShareArchiveLink").ClearDefaultProduces(200).Produces<ArchiveLinkResponse>(201));
    }

    public override async Task HandleAsync(PublicShareArchiveRequest req, CancellationToken ct)
    {
        var o = throttling.Value;
        await throttle.AttemptAsync([new($"archive-link:ip:{ClientAddress.Of(HttpContext)}", o.ArchiveLinksPerIp)], o.Window, ct);
        var link = HttpContext.LinkGuest().Link;
        if (await archive.CheckAsync(HttpContext, link, ct) == 0)
            throw new ApiException(409, ErrorCodes.ShareArchiveEmpty, "This link shows nothing that can be downloaded.");
        var (token, expiresAt) = await archiveLinks.CreateForShareAsync(User, link, ct);
        await Send.ResponseAsync(new ArchiveLinkResponse($"{Common.ApiRoutes.Base}/downloads/archive-links/{token}", expiresAt), 201, ct);
    }
}
