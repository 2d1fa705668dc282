using FastEndpoints;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class PublicShareArchiveRequest
{
    public string Key { get; set; } = "";
    /// <summary>The unlock token, for a plain <c>&lt;a href download&gt;</c> that cannot send the header.</summary>
    [QueryParam] public string? Token { get; set; }
}

/// <summary>
/// "Download all": everything the link shows, in the order of its pages, as one zip streamed as it is built
/// (<see cref="PublicShareArchive"/>, <see cref="ZipDownloads"/>), where the link allows downloads. All or nothing, decided
/// before a byte is sent (<see cref="PublicShareArchive.CheckAsync"/>): the link's owner (and, on a non-public link, the
/// signed-in caller) must be allowed to download every file. Where the link hides metadata, the entries are the copies
/// without it that the download of one asset serves (<see cref="CleanOriginals"/>, 409 until all are ready), named by the
/// link's ids and dated by nothing of the files; files nothing can clean are left out, as their own download is refused.
/// A zip with no entry is sent but not counted as a download. Browsers should rather use
/// <c>createPublicShareArchiveLink</c>, whose link needs no header, cookie or token in the address.
/// </summary>
[Access(AccessScope.Guest, Permission.AssetDownload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Download)]
public sealed class DownloadPublicShareArchiveEndpoint(IBlobStore blobs, GuestLinks links, PublicShareArchive archive) : Endpoint<PublicShareArchiveRequest>
{
    public override void Configure()
    {
        Get("s/{key}/archive");
        AllowAnonymous();
        Description(d => d.WithName("downloadPublicShareArchive").ClearDefaultProduces(200).Produces<Stream>(200, "application/zip"));
    }

    public override async Task HandleAsync(PublicShareArchiveRequest req, CancellationToken ct)
    {
        var link = HttpContext.LinkGuest().Link;
        await archive.CheckAsync(HttpContext, link, ct);
        await ZipDownloads.SendAsync(HttpContext, blobs, archive.EntriesAsync(HttpContext, link, () => links.RecordAsync(link, download: true, ct), ct), ct);
    }
}
