using System.IO.Compression;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

/// <summary>One file of a zip download: its name (made plain and unique in the archive), its date (null: the archive's own time) and the blob it holds.</summary>
public sealed record ZipEntry(string Name, DateTime? LastWrite, string BlobKey);

/// <summary>
/// The zip downloads (<c>downloadArchive</c>, <c>downloadArchiveLink</c>, <c>downloadPublicShareArchive</c>): streamed as they are built, so nothing is
/// staged on disk or held in memory beyond one copy buffer, whatever the total size. Media is stored, not deflated (it is
/// compressed already). Whatever may refuse the download must have done so before: the first entry commits the response.
/// </summary>
public static class ZipDownloads
{
    public static async Task SendAsync(HttpContext http, IBlobStore blobs, IEnumerable<ZipEntry> entries, CancellationToken ct)
    {
        // ZipArchive still writes some headers synchronously; allow it for this response, behind a buffer so that the
        // socket sees few, large writes.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } control) control.AllowSynchronousIO = true;
        var now = DateTimeOffset.UtcNow;
        http.Response.ContentType = "application/zip";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"photoapi-{now:yyyyMMdd-HHmmss}.zip\"";
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var buffered = new BufferedStream(http.Response.Body, 256 * 1024);
        await using var zip = await ZipArchive.CreateAsync(buffered, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct);
        foreach (var file in entries)
        {
            // One flat folder of plain, distinct names: nothing an unzip tool could write elsewhere or show as something else.
            var entry = zip.CreateEntry(Common.FileNames.Unique(names, file.Name), CompressionLevel.NoCompression);
            entry.LastWriteTime = file.LastWrite is { } taken ? new DateTimeOffset(DateTime.SpecifyKind(taken, DateTimeKind.Utc)) : now;
            await using var source = await blobs.OpenReadAsync(file.BlobKey, ct);
            await using var target = await entry.OpenAsync(ct);
            await source.CopyToAsync(target, 128 * 1024, ct);
        }
    }
}
