using FastEndpoints;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Assets;

/// <summary>A link that downloads one archive: relative to the server, like the media URLs.</summary>
public sealed record ArchiveLinkResponse(string Url, DateTime ExpiresAt);

/// <summary>
/// The same request as <c>downloadArchive</c>, answered with a link instead of the zip, so that a browser can download it
/// as a plain <c>&lt;a href download&gt;</c> (streamed to disk, no header needed). Refused now exactly as
/// <c>downloadArchive</c> would refuse it (same validator, same policy checks); the download asks again when it runs.
/// </summary>
[Access(Permission.AlbumDownload, Permission.AlbumView, Permission.AssetDownload, Permission.AssetView)]
public sealed class CreateArchiveLinkEndpoint(AccessPolicy policy, ArchiveLinks links) : Endpoint<DownloadArchiveRequest, ArchiveLinkResponse>
{
    public override void Configure()
    {
        Post("downloads/archive-links");
        Description(d => d.WithName("createArchiveLink").ClearDefaultProduces(200).Produces<ArchiveLinkResponse>(201));
    }

    public override async Task HandleAsync(DownloadArchiveRequest req, CancellationToken ct)
    {
        var assetIds = req.AssetIds?.Distinct().ToArray();
        await ArchiveContents.EnsureAsync(policy, HttpContext.Principal(), assetIds, req.AlbumId, ct);
        var (token, expiresAt) = await links.CreateAsync(User, assetIds, req.AlbumId, ct);
        await Send.ResponseAsync(new ArchiveLinkResponse($"{Common.ApiRoutes.Base}/downloads/archive-links/{token}", expiresAt), 201, ct);
    }
}
