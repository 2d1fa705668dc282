using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.PublicShares;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class DownloadArchiveLinkRequest
{
    public string Token { get; set; } = "";
}

/// <summary>
/// The zip of an archive link, for a plain link: no header needed. The access stage resolves the token to the user who made
/// the link (<see cref="AccessAttribute.ArchiveLink"/>). A link of <c>createArchiveLink</c> is decided as for its maker's
/// own <c>downloadArchive</c> of the same request, now: a share revoked since refuses it the same way. A link of
/// <c>createPublicShareArchiveLink</c> has had its share link resolved again by the stage (as its maker, if any) and
/// streams everything the link shows now (<see cref="PublicShareArchive"/>), counting one download for the link's owner;
/// it is spent by this download. A link of a library export (<c>getExport</c>'s <c>downloadUrl</c>) streams the export's zip
/// (<see cref="Exports.ExportArchive"/>) while the export is its maker's, ready and not expired.
/// </summary>
[Access(Permission.AlbumDownload, Permission.AlbumView, Permission.AssetDownload, Permission.AssetView, ArchiveLink = "token")]
public sealed class DownloadArchiveLinkEndpoint(NpgsqlDataSource db, IBlobStore blobs, AccessPolicy policy, GuestLinks links, PublicShareArchive archive,
    Exports.ExportArchive exports)
    : Endpoint<DownloadArchiveLinkRequest>
{
    public override void Configure()
    {
        Get("downloads/archive-links/{token}");
        AllowAnonymous(); // the link stands in for sign-in; the access stage decides
        Description(d => d.WithName("downloadArchiveLink").ClearDefaultProduces(200).Produces<Stream>(200, "application/zip"));
    }

    public override async Task HandleAsync(DownloadArchiveLinkRequest req, CancellationToken ct)
    {
        var link = HttpContext.ArchiveLink();
        if (link.ShareId is not null)
        {
            var share = HttpContext.LinkGuest().Link;
            await ZipDownloads.SendAsync(HttpContext, blobs, archive.EntriesAsync(HttpContext, share, () => links.RecordAsync(share, download: true, ct), ct), ct);
            return;
        }
        if (link.ExportId is { } exportId)
        {
            var preparedAt = await exports.EnsureAsync(exportId, link.UserId!.Value, ct);
            await ZipDownloads.SendAsync(HttpContext, blobs, exports.EntriesAsync(exportId, link.UserId.Value, preparedAt, ct), ct,
                $"photoapi-export-{preparedAt:yyyyMMdd-HHmmss}");
            return;
        }
        var entries = await ArchiveContents.EntriesAsync(db, policy, HttpContext.Principal(), link.AssetIds, link.AlbumId, ct);
        await ZipDownloads.SendAsync(HttpContext, blobs, entries, ct);
    }
}
