using Microsoft.Net.Http.Headers;

namespace PhotoApi.Api.Features.Assets;

/// <summary>
/// What kind of file an upload is, from its first bytes (never trusting the name alone). A file whose name or declared
/// type says "image" but whose bytes are not one still goes to the image pipeline, which then fails it with a reason
/// (a text file called photo.jpg is a broken photo, not a document).
/// </summary>
public static class MediaTypes
{
    public const int SniffBytes = 32;

    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".avif", ".tif", ".tiff", ".bmp", ".jxl"];
    private static readonly string[] VideoExtensions = [".mp4", ".mov", ".m4v", ".3gp", ".mkv", ".webm", ".avi"];

    public static (string MediaType, string ContentType) Detect(ReadOnlySpan<byte> head, string fileName, string? declaredType)
    {
        var sniffed = Sniff(head);
        if (sniffed is not null) return sniffed.Value;
        var ext = Path.GetExtension(fileName).ToLowerInvariant();
        if (ImageExtensions.Contains(ext) || declaredType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) == true)
            return ("image", "application/octet-stream");
        if (VideoExtensions.Contains(ext) || declaredType?.StartsWith("video/", StringComparison.OrdinalIgnoreCase) == true)
            return ("video", "application/octet-stream");
        return ("other", string.IsNullOrWhiteSpace(declaredType) || declaredType.Length > 100 ? "application/octet-stream" : declaredType);
    }

    /// <summary>
    /// The types <see cref="Sniff"/> recognises from the bytes: the only ones an original is served as. Anything else is a type
    /// the uploader declared (a guest's too) — text/html, image/svg+xml, application/xhtml+xml… could run script on the
    /// API's origin — and goes out as application/octet-stream.
    /// </summary>
    private static readonly HashSet<string> ServedAsIs = new(StringComparer.OrdinalIgnoreCase)
    {
        "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff", "image/heic", "image/avif", "video/mp4", "video/quicktime", "video/webm",
    };

    public static string ServedType(string storedType) => ServedAsIs.Contains(storedType) ? storedType : "application/octet-stream";

    /// <summary>
    /// An original as every route serves it: an attachment under a safe file name, typed only as a photo or video the API
    /// recognised (else application/octet-stream), with HTTP Range and the ETag. Every response also says nosniff.
    /// </summary>
    public static IResult Original(Stream bytes, string storedType, string fileName, EntityTagHeaderValue etag, DateTimeOffset? lastModified = null) =>
        TypedResults.File(bytes, ServedType(storedType), Persistence.FileNames.Safe(fileName), lastModified, etag, enableRangeProcessing: true);

    private static (string, string)? Sniff(ReadOnlySpan<byte> h)
    {
        if (h.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return ("image", "image/jpeg");
        if (h.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47])) return ("image", "image/png");
        if (h.StartsWith("GIF8"u8)) return ("image", "image/gif");
        if (h.Length >= 12 && h.StartsWith("RIFF"u8) && h[8..12].SequenceEqual("WEBP"u8)) return ("image", "image/webp");
        if (h.StartsWith((ReadOnlySpan<byte>)[0x49, 0x49, 42, 0]) || h.StartsWith((ReadOnlySpan<byte>)[0x4D, 0x4D, 0, 42])) return ("image", "image/tiff");
        if (h.Length >= 12 && h[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = System.Text.Encoding.ASCII.GetString(h[8..12]);
            return brand switch
            {
                "heic" or "heix" or "heim" or "heis" or "mif1" or "msf1" or "hevc" or "hevx" => ("image", "image/heic"),
                "avif" or "avis" => ("image", "image/avif"),
                "qt  " => ("video", "video/quicktime"),
                _ => ("video", "video/mp4"),
            };
        }
        if (h.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return ("video", "video/webm");
        return null;
    }
}
