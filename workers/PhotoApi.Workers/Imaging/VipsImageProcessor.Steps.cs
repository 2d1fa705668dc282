using NetVips;

namespace PhotoApi.Workers.Imaging;

/// <summary>The steps of <see cref="VipsImageProcessor"/>: header checks, decoding, encoding without metadata, and libvips errors as rejections.</summary>
public sealed partial class VipsImageProcessor
{
    /// <summary>Reads the header only — no pixels — and refuses what must not be decoded.</summary>
    private (ImageInfo Info, Colour Colour) Inspect(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists) throw new FileNotFoundException("The image to process does not exist.", path);
        if (file.Length == 0) throw new ImageRejectedException("The file is empty.");

        Image header;
        try
        {
            // Lazy: with sequential access libvips parses the header and decodes nothing until pixels are asked for.
            VipsRuntime.ClearErrors();
            header = Image.NewFromFile(path, access: Enums.Access.Sequential, failOn: Enums.FailOn.Truncated);
        }
        catch (VipsException e)
        {
            throw Reject(e);
        }
        using (header)
        {
            var loader = header.Contains("vips-loader") ? header.Get("vips-loader") as string : null;
            if (loader is null || !Loaders.TryGetValue(loader, out var format)) throw new ImageRejectedException(NotSupported);
            if (format == "heif" && header.Contains("heif-compression") && header.Get("heif-compression") as string == "av1")
                format = "avif";

            long width = header.Width, height = header.Height;
            if (width <= 0 || height <= 0) throw new ImageRejectedException("The image is corrupt: it declares no pixels.");
            if (width > MaxSide || height > MaxSide)
                throw new ImageRejectedException(
                    $"The image is too large: {width:N0} × {height:N0} pixels (at most {MaxSide:N0} pixels on a side).");
            if (width * height > _options.MaxPixels)
                throw new ImageRejectedException(
                    $"The image is too large: {width:N0} × {height:N0} pixels (at most {_options.MaxPixels / 1_000_000.0:0.#} megapixels).");
            var colour = header.Contains("icc-profile-data") ? Colour.Embedded
                : header.Interpretation == Enums.Interpretation.Cmyk ? Colour.UntaggedCmyk
                : Colour.Untagged;
            return (VipsMetadata.Read(header, format), colour);
        }
    }

    /// <summary>
    /// Decodes (shrinking on load), rotates upright, converts to 8-bit sRGB and fits the result in a box of
    /// <paramref name="box"/>² without upscaling. With <paramref name="materialize"/> the pixels are decoded into memory
    /// here (for outputs made from one decode); otherwise the result is a lazy pipeline that decodes as it is encoded.
    /// </summary>
    private static Image Decode(string path, int box, Colour colour, bool materialize)
    {
        Image? image = null;
        try
        {
            // Colour: an embedded profile (Display P3, Adobe RGB, a CMYK press profile…) is converted to sRGB through
            // lcms; untagged CMYK goes through libvips' built-in CMYK profile; other untagged images are taken as sRGB
            // already and only change colourspace (grey → sRGB). (Asking 8.14 for an export profile on an untagged RGB
            // image makes it guess a profile and shift saturated blues towards purple, hence no profile there.)
            // fail_on "truncated" refuses files that end early (libvips would otherwise pad them with grey) while
            // tolerating the minor warnings many cameras' JPEGs produce.
            // Called by name: NetVips 3's Image.Thumbnail(outputProfile:) sends "output_profile", unknown to 8.14.
            var options = new VOption
            {
                { "height", box }, { "size", Enums.Size.Down }, { "no_rotate", false }, { "fail_on", Enums.FailOn.Truncated },
            };
            switch (colour)
            {
                case Colour.Embedded:
                    options.Add(VipsRuntime.ThumbnailProfileOption, "srgb");
                    break;
                case Colour.UntaggedCmyk:
                    options.Add(VipsRuntime.ThumbnailImportProfileOption, "cmyk");
                    options.Add(VipsRuntime.ThumbnailProfileOption, "srgb");
                    break;
            }
            VipsRuntime.ClearErrors();
            image = (Image)Operation.Call("thumbnail", options, path, box);
            if (image.Interpretation != Enums.Interpretation.Srgb) Replace(ref image, image.Colourspace(Enums.Interpretation.Srgb));
            if (image.Format != Enums.BandFormat.Uchar) Replace(ref image, image.Cast(Enums.BandFormat.Uchar));
            if (materialize) Replace(ref image, image.CopyMemory());
            return image;
        }
        catch (VipsException e)
        {
            image?.Dispose();
            throw Reject(e);
        }
        catch
        {
            image?.Dispose();
            throw;
        }
    }

    private enum Colour
    {
        Untagged,
        Embedded,
        UntaggedCmyk,
    }

    private static void Replace(ref Image image, Image next)
    {
        image.Dispose();
        image = next;
    }

    /// <summary>Encodes to <paramref name="format"/> ("jpeg" or "webp") in memory with every metadata block removed
    /// (EXIF, XMP, IPTC, ICC). Errors are the image's (a lazy pipeline decodes here), so they become rejections; writing
    /// the bytes afterwards fails only for the disk's reasons.</summary>
    /// <remarks>Belt and braces: the metadata fields are dropped from the image and the saver is told to strip. WebP
    /// metadata chunks are also cut out afterwards, because Debian's 8.14.1 webpsave ignores <c>strip</c> and always
    /// writes an EXIF chunk. JPEG has no alpha: transparent areas become white, not whatever colour hides under them.</remarks>
    private static byte[] Encode(Image image, string format, int quality)
    {
        Image? flat = null;
        try
        {
            VipsRuntime.ClearErrors();
            var source = image;
            if (format == "jpeg" && image.HasAlpha()) source = flat = image.Flatten(background: White);
            using var bare = source.Mutate(mutable =>
            {
                foreach (var field in mutable.GetFields())
                    if (!CoreFields.Contains(field)) mutable.Remove(field);
            });
            var options = new VOption { { "Q", quality } };
            if (VipsRuntime.HasKeepOption) options.Add("keep", Enums.ForeignKeep.None);
            else options.Add("strip", true);
            var bytes = (byte[])Operation.Call(format + "save_buffer", options, bare);
            return format == "webp" ? WebpMetadata.Strip(bytes) : bytes;
        }
        catch (VipsException e)
        {
            throw Reject(e);
        }
        finally
        {
            flat?.Dispose();
        }
    }

    private static ImageRejectedException Reject(VipsException e)
    {
        var message = e.Message;
        bool Has(string text) => message.Contains(text, StringComparison.OrdinalIgnoreCase);
        if (Has("not a known file format") || Has("is blocked"))
            return new ImageRejectedException(NotSupported, e);
        if (Has("premature end") || Has("truncated") || Has("end of file") || Has("unexpected end") || Has("bad seek")
            || Has("out of data") || Has("not enough data") || Has("read error"))
            return new ImageRejectedException("The image is truncated: the file ends before the picture does.", e);
        return new ImageRejectedException("The image is corrupt and could not be decoded.", e);
    }
}
