using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class DownloadArchiveRequest
{
    /// <summary>These assets (AssetDownload on each)…</summary>
    public Guid[]? AssetIds { get; set; }
    /// <summary>…or everything the album shows (AlbumDownload on it).</summary>
    public Guid? AlbumId { get; set; }
}

public sealed class DownloadArchiveValidator : Validator<DownloadArchiveRequest>
{
    public DownloadArchiveValidator()
    {
        RuleFor(x => x.AssetIds).NotEmpty().Must(i => i!.Length <= 10_000).When(x => x.AlbumId is null).WithMessage("Between 1 and 10,000 asset ids, or an albumId.");
        RuleFor(x => x.AssetIds).Null().When(x => x.AlbumId is not null).WithMessage("Give assetIds or albumId, not both.");
    }
}

/// <summary>
/// Many originals as one zip, streamed as it is built (<see cref="ZipDownloads"/>), named as uploaded and dated by the time
/// taken. All or nothing: one asset the caller may not download and the answer is 404 before a byte is sent
/// (<see cref="ArchiveContents"/>). A browser that cannot hold the zip in memory asks for an archive link instead
/// (<c>createArchiveLink</c>).
/// </summary>
[Access(Permission.AlbumDownload, Permission.AlbumView, Permission.AssetDownload, Permission.AssetView)]
public sealed class DownloadArchiveEndpoint(NpgsqlDataSource db, IBlobStore blobs, AccessPolicy policy) : Endpoint<DownloadArchiveRequest>
{
    public override void Configure()
    {
        Post("downloads/archive");
        Description(d => d.WithName("downloadArchive").ClearDefaultProduces(200).Produces<Stream>(200, "application/zip"));
    }

    public override async Task HandleAsync(DownloadArchiveRequest req, CancellationToken ct)
    {
        var entries = await ArchiveContents.EntriesAsync(db, policy, HttpContext.Principal(), req.AssetIds, req.AlbumId, ct);
        await ZipDownloads.SendAsync(HttpContext, blobs, entries, ct);
    }
}
