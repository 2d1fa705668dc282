using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.Api.Infrastructure.Jobs;
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
/// (<see cref="ZipDownloads"/>), where the link allows downloads. All or nothing, decided before a byte is sent: the link's
/// owner (and, on a non-public link, the signed-in caller) must be allowed to download every file. Where the link hides
/// metadata, the entries are the copies without it that the download of one asset serves (<see cref="CleanOriginals"/>,
/// 409 until all are ready), named by the link's ids and dated by nothing of the files; files nothing can clean (videos,
/// other files, photos that cannot be decoded) are left out, as their own download is refused.
/// </summary>
[Access(AccessScope.Guest, Permission.AssetDownload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Download)]
public sealed class DownloadPublicShareArchiveEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, MediaSigner signer, IJobQueue jobs,
    ListQueries queries) : Endpoint<PublicShareArchiveRequest>
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
        List<AssetRow> assets;
        await using (var conn = await db.OpenConnectionAsync(ct)) assets = await PublicAssets.AllAsync(HttpContext, conn, queries, link, ct);
        // Without metadata, only what the download of one asset would serve (its urls.original is null for the rest).
        if (!link.ShowMetadata) assets = assets.Where(CleanOriginals.Possible).ToList();
        await links.EnsureCallerMayAsync(HttpContext, link, Permission.AssetDownload, assets.Select(a => a.Id).ToList(), ct);
        List<ZipEntry> entries;
        if (link.ShowMetadata) entries = assets.Select(a => new ZipEntry(a.OriginalFileName, a.TakenAt, a.BlobKey)).ToList();
        else
        {
            var clean = await CleanOriginals.RequireAllAsync(db, jobs, assets, ct);
            using var ids = await GuestIds.ForAsync(signer, link, ct);
            entries = assets.Where(a => clean.ContainsKey(a.Id)).Select(a => new ZipEntry($"{ids.Hide(a.Id):N}.jpg", null, clean[a.Id].BlobKey)).ToList();
        }
        await links.RecordAsync(link, download: true, ct);
        await ZipDownloads.SendAsync(HttpContext, blobs, entries, ct);
    }
}
