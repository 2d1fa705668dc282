namespace PhotoApi.Workers.Imaging;

/// <summary>Decodes an uploaded image once and writes what the library shows of it. Implementations are thread-safe.</summary>
public interface IImageProcessor
{
    /// <summary>
    /// Decodes the image at <paramref name="sourcePath"/> once, writes a <see cref="ImagingOptions.ThumbnailSize"/> px
    /// (longest side, never upscaled) WebP thumbnail to <paramref name="thumbnailPath"/> and a
    /// <see cref="ImagingOptions.PreviewSize"/> px (longest side, never upscaled) JPEG preview to
    /// <paramref name="previewPath"/> — both auto-rotated by their orientation, converted to sRGB (an embedded ICC
    /// profile is honoured), with all metadata stripped (no EXIF, XMP, IPTC, GPS, ICC) — and returns what it read.
    /// </summary>
    /// <exception cref="ImageRejectedException">Corrupt, truncated, empty, unsupported or hostile input (decompression
    /// bombs are refused from the header, before any pixel is decoded). No output file is left behind.</exception>
    /// <exception cref="FileNotFoundException">The source does not exist (an infrastructure problem: retry, do not reject).</exception>
    /// <exception cref="IOException">An output could not be written (likewise not the image's fault).</exception>
    ImageInfo MakeDerivatives(string sourcePath, string thumbnailPath, string previewPath);

    /// <summary>
    /// Writes a clean JPEG (quality 90) of the full image — orientation applied first, sRGB, no metadata at all — to
    /// <paramref name="destinationPath"/> (photo-request uploads; HEIC is stored as JPEG). Same exceptions as above.
    /// </summary>
    ImageInfo WriteCleanJpeg(string sourcePath, string destinationPath);
}

/// <summary>What the worker read from an image.</summary>
/// <param name="Format">The decoder family: "jpeg", "heif" (HEVC HEIC), "avif", "png", "webp", "gif", "tiff".</param>
/// <param name="Width">Width as displayed, i.e. after the orientation is applied.</param>
/// <param name="Height">Height as displayed.</param>
/// <param name="Orientation">EXIF orientation 1–8 (1 when absent). For HEIF/AVIF it is always 1: the container's
/// irot/imir transforms are applied by the decoder (and EXIF orientation inside HEIF is ignored, as the spec says).</param>
/// <param name="TakenAt">EXIF DateTimeOriginal, else DateTimeDigitized (CreateDate), else DateTime (with sub-seconds when
/// recorded), as the camera's local wall-clock time: <see cref="DateTimeKind.Unspecified"/>, no time zone applied.</param>
/// <param name="CameraMake">EXIF Make.</param>
/// <param name="CameraModel">EXIF Model.</param>
/// <param name="Latitude">EXIF GPS latitude in signed decimal degrees (south negative).</param>
/// <param name="Longitude">EXIF GPS longitude in signed decimal degrees (west negative).</param>
public sealed record ImageInfo(
    string Format, int Width, int Height, int Orientation, DateTime? TakenAt,
    string? CameraMake, string? CameraModel, double? Latitude, double? Longitude);

/// <summary>The file is not an image the worker accepts; <see cref="Exception.Message"/> is a short reason fit to show the uploader.</summary>
public sealed class ImageRejectedException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>Limits and output settings of the imaging layer (configuration section "Imaging").</summary>
public sealed class ImagingOptions
{
    /// <summary>Images with more pixels (width × height, from the header) are refused before decoding.</summary>
    public long MaxPixels { get; set; } = 100_000_000;

    /// <summary>Longest side of the WebP thumbnail.</summary>
    public int ThumbnailSize { get; set; } = 250;

    /// <summary>Longest side of the JPEG preview.</summary>
    public int PreviewSize { get; set; } = 1440;

    /// <summary>Quality of the JPEG preview.</summary>
    public int JpegQuality { get; set; } = 85;

    /// <summary>Quality of the WebP thumbnail.</summary>
    public int WebpQuality { get; set; } = 80;
}
