using Microsoft.Extensions.Options;
using NetVips;

namespace PhotoApi.Workers.Imaging;

/// <summary>
/// <see cref="IImageProcessor"/> on the system libvips (see <see cref="VipsRuntime"/>). Stateless and thread-safe:
/// register it as a singleton. Each call handles one image and disposes every libvips image it made, so memory is
/// bounded by one decoded preview (at most <see cref="ImagingOptions.PreviewSize"/>² × 4 bytes, ~8 MB), the encoded
/// outputs and libvips' streaming buffers (a HEIF is decoded whole by libheif: up to <see cref="ImagingOptions.MaxPixels"/>
/// × 3 bytes). <see cref="WriteCleanJpeg"/> streams from decoder to encoder and holds the encoded JPEG.
/// </summary>
/// <remarks>
/// How it stays as fast as <c>vipsthumbnail</c>: <c>thumbnail</c> opens the file itself and shrinks while loading
/// (JPEG DCT scaling, HEIF embedded thumbnails), reads sequentially, and colour-manages once. The preview is made that
/// way into memory and the thumbnail is reduced from it, so the pixels are decoded once for both outputs.
/// Option names are those of libvips 8.14 (Debian 12): savers take <c>strip</c>; 8.15+ replaced it with <c>keep</c>,
/// chosen here when the running libvips has it.
/// </remarks>
public sealed partial class VipsImageProcessor : IImageProcessor
{
    /// <summary>No side may be longer than this (the header is checked before decoding).</summary>
    public const int MaxSide = 65_000;

    private const int CleanJpegQuality = 90;

    private const string NotSupported = "The file is not an image in a supported format (JPEG, HEIC, AVIF, PNG, WebP, GIF, TIFF).";

    /// <summary>The loaders accepted, by libvips' "vips-loader" name, and the format family reported for each.</summary>
    private static readonly Dictionary<string, string> Loaders = new(StringComparer.Ordinal)
    {
        ["jpegload"] = "jpeg", ["pngload"] = "png", ["webpload"] = "webp", ["gifload"] = "gif",
        ["tiffload"] = "tiff", ["heifload"] = "heif",
    };

    private static readonly double[] White = [255, 255, 255];

    /// <summary>The image header proper; every other field is metadata (EXIF, XMP, IPTC, ICC, comments, loader details).</summary>
    private static readonly HashSet<string> CoreFields = new(StringComparer.Ordinal)
    {
        "width", "height", "bands", "format", "coding", "interpretation", "xoffset", "yoffset", "xres", "yres", "filename",
    };

    private readonly ImagingOptions _options;

    public VipsImageProcessor(IOptions<ImagingOptions> options)
    {
        _options = options.Value;
        if (_options.MaxPixels <= 0 || _options.ThumbnailSize <= 0 || _options.PreviewSize <= 0
            || _options.JpegQuality is < 1 or > 100 || _options.WebpQuality is < 1 or > 100)
            throw new ArgumentException("ImagingOptions: sizes and limits must be positive, qualities 1–100.", nameof(options));
        VipsRuntime.EnsureInitialized();
    }

    public ImageInfo MakeDerivatives(string sourcePath, string thumbnailPath, string previewPath)
    {
        var (info, colour) = Inspect(sourcePath);
        byte[] preview, thumbnail;
        using (var decoded = Decode(sourcePath, _options.PreviewSize, colour, materialize: true))
        {
            preview = Encode(decoded, "jpeg", _options.JpegQuality);
            Image small;
            try
            {
                small = decoded.ThumbnailImage(_options.ThumbnailSize, height: _options.ThumbnailSize, size: Enums.Size.Down, noRotate: true);
            }
            catch (VipsException e)
            {
                throw Reject(e);
            }
            using (small) thumbnail = Encode(small, "webp", _options.WebpQuality);
        }
        try
        {
            File.WriteAllBytes(previewPath, preview);
            File.WriteAllBytes(thumbnailPath, thumbnail);
        }
        catch
        {
            DeleteQuietly(previewPath);
            DeleteQuietly(thumbnailPath);
            throw;
        }
        return info;
    }

    public ImageInfo WriteCleanJpeg(string sourcePath, string destinationPath)
    {
        var (info, colour) = Inspect(sourcePath);
        byte[] jpeg;
        // thumbnail at the image's own size: no resampling, the same orientation and colour handling; streamed from
        // the decoder into the encoder, so only the JPEG's bytes are held, not the decoded pixels.
        using (var upright = Decode(sourcePath, Math.Max(info.Width, info.Height), colour, materialize: false))
            jpeg = Encode(upright, "jpeg", CleanJpegQuality);
        try
        {
            File.WriteAllBytes(destinationPath, jpeg);
        }
        catch
        {
            DeleteQuietly(destinationPath);
            throw;
        }
        return info;
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
