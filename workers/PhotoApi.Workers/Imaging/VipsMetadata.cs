using System.Globalization;
using System.Text.RegularExpressions;
using NetVips;

namespace PhotoApi.Workers.Imaging;

/// <summary>
/// Reads the metadata libvips parsed from an image header. libvips exposes each EXIF entry as a string field named
/// <c>exif-ifdN-Tag</c> formatted "RAW (DISPLAY, TYPE, N components, M bytes)", for example
/// <c>"2024:05:01 10:20:30 (2024:05:01 10:20:30, ASCII, 20 components, 20 bytes)"</c> or
/// <c>"22/1 57/1 4311/625 (22, 57, 6.898, Rational, 3 components, 24 bytes)"</c>. Parsing is defensive: metadata is
/// written by anyone, and a value that does not parse is reported as absent, never as an error.
/// </summary>
internal static partial class VipsMetadata
{
    [GeneratedRegex(@", [A-Za-z]+, \d+ components, \d+ bytes\)$", RegexOptions.CultureInvariant)]
    private static partial Regex Suffix();

    private static readonly string[] DateFormats =
    [
        "yyyy:MM:dd HH:mm:ss", "yyyy:MM:dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss", "yyyy:MM:ddTHH:mm:ss",
        "yyyy/MM/dd HH:mm:ss", "yyyy:MM:dd",
    ];

    public static ImageInfo Read(Image header, string format)
    {
        var orientation = Orientation(header);
        var swap = orientation >= 5;
        return new ImageInfo(
            format,
            swap ? header.Height : header.Width,
            swap ? header.Width : header.Height,
            orientation,
            TakenAt(header),
            Ascii(header, "exif-ifd0-Make"),
            Ascii(header, "exif-ifd0-Model"),
            Coordinate(header, "exif-ifd3-GPSLatitude", "exif-ifd3-GPSLatitudeRef", 'S', 90),
            Coordinate(header, "exif-ifd3-GPSLongitude", "exif-ifd3-GPSLongitudeRef", 'W', 180));
    }

    /// <summary>libvips' "orientation" field (set by the JPEG, PNG, WebP and TIFF loaders from EXIF; removed by the HEIF
    /// loader, which applies the container's transforms itself). 1 when absent or out of range.</summary>
    public static int Orientation(Image image)
    {
        try
        {
            if (image.Contains("orientation") && image.Get("orientation") is int value && value is >= 1 and <= 8) return value;
        }
        catch (VipsException)
        {
        }
        return 1;
    }

    private static DateTime? TakenAt(Image image)
    {
        foreach (var (date, subSeconds) in new[]
                 {
                     ("exif-ifd2-DateTimeOriginal", "exif-ifd2-SubSecTimeOriginal"),
                     ("exif-ifd2-DateTimeDigitized", "exif-ifd2-SubSecTimeDigitized"),
                     ("exif-ifd0-DateTime", "exif-ifd2-SubSecTime"),
                 })
        {
            if (ParseDate(Ascii(image, date)) is not { } value) continue;
            var fraction = Ascii(image, subSeconds);
            if (fraction is { Length: > 0 } && fraction.All(char.IsAsciiDigit))
            {
                var digits = fraction.Length > 7 ? fraction[..7] : fraction.PadRight(7, '0');
                value = value.AddTicks(long.Parse(digits, CultureInfo.InvariantCulture));
            }
            return value;
        }
        return null;
    }

    internal static DateTime? ParseDate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (text.Length > 19) text = text[..19]; // drop trailing offsets or junk after the seconds
        return DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
               && value.Year >= 1800 && value.Year <= 2200
            ? DateTime.SpecifyKind(value, DateTimeKind.Unspecified)
            : null;
    }

    private static double? Coordinate(Image image, string name, string refName, char negative, double limit)
    {
        var parts = Rationals(image, name);
        if (parts is not { Length: >= 1 and <= 3 }) return null;
        double value = 0, unit = 1;
        foreach (var part in parts)
        {
            value += part / unit;
            unit *= 60;
        }
        var reference = Ascii(image, refName);
        if (reference is { Length: > 0 } && char.ToUpperInvariant(reference[0]) == negative) value = -value;
        return double.IsFinite(value) && Math.Abs(value) <= limit ? value : null;
    }

    /// <summary>The raw rationals of an EXIF entry ("n/d n/d n/d"); null when absent, malformed or dividing by zero.</summary>
    internal static double[]? Rationals(Image image, string name)
    {
        var raw = Field(image, name);
        if (raw is null) return null;
        var cut = raw.IndexOf(" (", StringComparison.Ordinal);
        if (cut >= 0) raw = raw[..cut];
        var tokens = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = new double[tokens.Length];
        for (var i = 0; i < tokens.Length; i++)
        {
            var slash = tokens[i].IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0
                || !long.TryParse(tokens[i].AsSpan(0, slash), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                || !long.TryParse(tokens[i].AsSpan(slash + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d)
                || d == 0)
                return null;
            result[i] = (double)n / d;
        }
        return result;
    }

    /// <summary>An ASCII EXIF entry's text, trimmed; null when absent or blank.</summary>
    internal static string? Ascii(Image image, string name) => ParseAscii(Field(image, name));

    internal static string? ParseAscii(string? field)
    {
        if (field is null) return null;
        var value = field;
        var suffix = Suffix().Match(field);
        if (suffix.Success)
        {
            // What is left is "RAW (DISPLAY"; for ASCII entries RAW and DISPLAY are the same text, which finds the
            // split even when the text itself contains " (" — e.g. "Foo (Bar) (Foo (Bar), ASCII, …)".
            var rest = field[..suffix.Index];
            var half = (rest.Length - 2) / 2;
            if (rest.Length >= 2 && rest.Length % 2 == 0 && string.CompareOrdinal(rest, half, " (", 0, 2) == 0
                && string.CompareOrdinal(rest, 0, rest, half + 2, half) == 0)
                value = rest[..half];
            else
            {
                var cut = rest.IndexOf(" (", StringComparison.Ordinal);
                value = cut >= 0 ? rest[..cut] : rest;
            }
        }
        value = value.Trim().TrimEnd('\0').Trim();
        return value.Length == 0 ? null : value.Length > 200 ? value[..200] : value;
    }

    private static string? Field(Image image, string name)
    {
        try
        {
            return image.Contains(name) ? image.Get(name) as string : null;
        }
        catch (VipsException)
        {
            return null;
        }
    }
}
