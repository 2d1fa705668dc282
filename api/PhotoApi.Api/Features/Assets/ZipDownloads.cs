using System.IO.Compression;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

/// <summary>
/// One file of a zip download: its name (made plain and unique in the archive), its date (null: the archive's own time)
/// and the blob it holds — or, for a small file made while the zip streams, its <paramref name="Content"/>. Without a
/// <paramref name="Folder"/> it goes at the top; with one (segments separated by <c>/</c>, each made plain too), in it.
/// </summary>
public sealed record ZipEntry(string Name, DateTime? LastWrite, string? BlobKey, string? Folder = null, byte[]? Content = null);

/// <summary>
/// The zip downloads (<c>downloadArchive</c>, <c>downloadArchiveLink</c>, <c>downloadPublicShareArchive</c>, a library export): streamed as they are built, so nothing is
/// staged on disk or held in memory beyond one copy buffer, whatever the total size. Media is stored, not deflated (it is
/// compressed already). Whatever may refuse the download must have done so before: the first entry commits the response
/// (an entry source that fails later aborts it, so a client sees a broken download, never a short zip that looks whole).
/// Every zip is <c>Cache-Control: no-store</c>: it is one person's download, decided now.
/// </summary>
public static class ZipDownloads
{
    public static Task SendAsync(HttpContext http, IBlobStore blobs, IEnumerable<ZipEntry> entries, CancellationToken ct) =>
        SendAsync(http, blobs, entries.ToAsyncEnumerable(), ct);

    /// <param name="name">The download's file name (without <c>.zip</c>); by default <c>photoapi-</c> and the time.</param>
    public static async Task SendAsync(HttpContext http, IBlobStore blobs, IAsyncEnumerable<ZipEntry> entries, CancellationToken ct, string? name = null)
    {
        // The first entry is asked for before anything is set: a source that refuses at once (the first batch of a link)
        // is answered as any refusal, with no zip headers.
        await using var source = entries.GetAsyncEnumerator(ct);
        var more = await source.MoveNextAsync();
        // ZipArchive still writes some headers synchronously; allow it for this response, behind a buffer so that the
        // socket sees few, large writes.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } control) control.AllowSynchronousIO = true;
        var now = DateTimeOffset.UtcNow;
        http.Response.ContentType = "application/zip";
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{Persistence.FileNames.Safe(name ?? $"photoapi-{now:yyyyMMdd-HHmmss}")}.zip\"";
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var buffered = new BufferedStream(http.Response.Body, 256 * 1024);
        var zip = await ZipArchive.CreateAsync(buffered, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct);
        try
        {
            for (; more; more = await source.MoveNextAsync())
            {
                var file = source.Current;
                // Plain, distinct names in plain folders: nothing an unzip tool could write elsewhere or show as something else.
                var entry = zip.CreateEntry(Persistence.FileNames.UniqueIn(names, file.Folder, file.Name), CompressionLevel.NoCompression);
                entry.LastWriteTime = file.LastWrite is { } taken ? new DateTimeOffset(DateTime.SpecifyKind(taken, DateTimeKind.Utc)) : now;
                await using var target = await entry.OpenAsync(ct);
                if (file.Content is { } content)
                {
                    await target.WriteAsync(content, ct);
                    continue;
                }
                await using var blob = await blobs.OpenReadAsync(file.BlobKey!, ct);
                await blob.CopyToAsync(target, 128 * 1024, ct);
            }
        }
        catch
        {
            // Never finish the zip (its central directory would make a short archive look whole): break the response
            // once it has started; before, the refusal is answered instead of the zip.
            if (http.Response.HasStarted) http.Abort();
            else http.Response.Headers.ContentDisposition = default;
            throw;
        }
        await zip.DisposeAsync();
        await buffered.DisposeAsync();
    }
}
