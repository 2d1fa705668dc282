using System.IO.Compression;
using FastEndpoints;
using FluentValidation;
using Dapper;
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
/// Many originals as one zip, streamed as it is built: nothing is staged on disk or held in memory beyond one copy
/// buffer, whatever the total size. Media is stored, not deflated (it is compressed already). All or nothing: one asset
/// the caller may not download and the answer is 404 before a byte is sent.
/// </summary>
[Access(Permission.AlbumDownload, Permission.AlbumView, Permission.AssetDownload, Permission.AssetView)]
public sealed class DownloadArchiveEndpoint(NpgsqlDataSource db, IBlobStore blobs, AccessPolicy policy) : Endpoint<DownloadArchiveRequest>
{
    public override void Configure()
    {
        Post("downloads/archive");
        Description(d => d.WithName("downloadArchive").ClearDefaultProduces(200).Produces<Stream>(200, "application/zip"));
    }

    // Joined by id, so each member is a key lookup (an IN over the members lets the planner scan all of assets).
    private static readonly string AlbumSql =
        $"SELECT {AssetQueries.Columns} FROM ({AccessPolicy.AlbumMembers("@albumId")}) m JOIN assets a ON a.id = m.asset_id";

    public override async Task HandleAsync(DownloadArchiveRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        List<AssetRow> assets;
        if (req.AlbumId is { } albumId)
        {
            await policy.EnsureRoleAsync(principal, Permission.AlbumDownload, albumId, Permission.AlbumView, "The album", ct);
            await using var conn = await db.OpenConnectionAsync(ct);
            assets = (await conn.QueryAsync<AssetRow>(new CommandDefinition(AlbumSql, new { albumId }, cancellationToken: ct))).AsList();
        }
        else
        {
            var ids = req.AssetIds!.Distinct().ToArray();
            await policy.EnsureRoleAsync(principal, Permission.AssetDownload, ids, Permission.AssetView, "An asset", ct);
            await using var conn = await db.OpenConnectionAsync(ct);
            assets = await AssetQueries.GetAsync(conn, ids, ct);
        }
        assets = assets.OrderBy(a => a.TakenAt).ThenBy(a => a.Id).ToList();

        // ZipArchive still writes some headers synchronously; allow it for this response, behind a buffer so that the
        // socket sees few, large writes.
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } control) control.AllowSynchronousIO = true;
        HttpContext.Response.ContentType = "application/zip";
        HttpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"photoapi-{DateTime.UtcNow:yyyyMMdd-HHmmss}.zip\"";
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var buffered = new BufferedStream(HttpContext.Response.Body, 256 * 1024);
        await using var zip = await ZipArchive.CreateAsync(buffered, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct);
        foreach (var asset in assets)
        {
            // One flat folder of plain, distinct names: nothing an unzip tool could write elsewhere or show as something else.
            var entry = zip.CreateEntry(Common.FileNames.Unique(names, asset.OriginalFileName), CompressionLevel.NoCompression);
            entry.LastWriteTime = new DateTimeOffset(DateTime.SpecifyKind(asset.TakenAt, DateTimeKind.Utc));
            await using var source = await blobs.OpenReadAsync(asset.BlobKey, ct);
            await using var target = await entry.OpenAsync(ct);
            await source.CopyToAsync(target, 128 * 1024, ct);
        }
    }
}
