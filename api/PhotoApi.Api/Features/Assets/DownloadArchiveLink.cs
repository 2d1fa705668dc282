using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class DownloadArchiveLinkRequest
{
    public string Token { get; set; } = "";
}

/// <summary>
/// The zip of an archive link (<c>createArchiveLink</c>), for a plain link: no header needed. The access stage resolves the
/// token to the user who made the link (<see cref="AccessAttribute.ArchiveLink"/>), and the archive is decided as for their
/// own <c>downloadArchive</c> of the same request, now: a share revoked since refuses it the same way.
/// </summary>
[Access(Permission.AlbumDownload, Permission.AlbumView, Permission.AssetDownload, Permission.AssetView, ArchiveLink = "token")]
public sealed class DownloadArchiveLinkEndpoint(NpgsqlDataSource db, IBlobStore blobs, AccessPolicy policy) : Endpoint<DownloadArchiveLinkRequest>
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
        var entries = await ArchiveContents.EntriesAsync(db, policy, HttpContext.Principal(), link.AssetIds, link.AlbumId, ct);
        HttpContext.Response.Headers.CacheControl = "no-store";
        await ZipDownloads.SendAsync(HttpContext, blobs, entries, ct);
    }
}
