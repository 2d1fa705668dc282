using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NetVips;
using PhotoApi.Workers.Imaging;

namespace PhotoApi.Workers.Tests.Imaging;

/// <summary>
/// The imaging layer on real files (tests/fixtures/images, made by make-fixtures.sh) through the system libvips,
/// checked the way a user would see the result: formats by their magic bytes, sizes, orientation by where a coloured
/// corner lands, colours, and metadata by exiftool.
/// </summary>
public sealed class VipsImageProcessorTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "images");
    private readonly string _dir = Directory.CreateTempSubdirectory("photoapi-imaging-").FullName;
    private readonly VipsImageProcessor _processor = new(Options.Create(new ImagingOptions()));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(Fixtures, name);

    private (ImageInfo Info, string Thumbnail, string Preview) Derive(string fixture) => Derive(_processor, Fixture(fixture));

    private (ImageInfo Info, string Thumbnail, string Preview) Derive(IImageProcessor processor, string source)
    {
        var name = Path.GetFileName(source);
        var thumbnail = Path.Combine(_dir, name + ".thumb");   // no extension on purpose: the blob store may use none
        var preview = Path.Combine(_dir, name + ".preview");
        return (processor.MakeDerivatives(source, thumbnail, preview), thumbnail, preview);
    }

    [Fact]
    public void A_jpeg_with_exif_orientation_6_is_turned_upright_and_its_metadata_is_read()
    {
        var (info, thumbnail, preview) = Derive("exif-orient6.jpg");

        Assert.Equal("jpeg", info.Format);
        Assert.Equal((48, 64), (info.Width, info.Height));            // stored 64x48, displayed 48x64
        Assert.Equal(6, info.Orientation);
        Assert.Equal(new DateTime(2024, 5, 1, 10, 20, 30), info.TakenAt);
        Assert.Equal(DateTimeKind.Unspecified, info.TakenAt!.Value.Kind);
        Assert.Equal("Canon", info.CameraMake);
        Assert.Equal("Canon EOS R5", info.CameraModel);
        Assert.Equal(-22.951916, info.Latitude!.Value, 1e-4);
        Assert.Equal(-43.210487, info.Longitude!.Value, 1e-4);

        AssertWebp(thumbnail, 48, 64);                                  // small images are never upscaled
        AssertJpeg(preview, 48, 64);
        AssertRedCornerTopRight(thumbnail);
        AssertRedCornerTopRight(preview);
    }

    [Fact]
    public void A_heic_is_decoded_turned_by_its_irot_box_once_and_its_exif_is_read()
    {
        var (info, thumbnail, preview) = Derive("exif-irot.heic");

        Assert.Equal("heif", info.Format);
        Assert.Equal((48, 64), (info.Width, info.Height));
        Assert.Equal(1, info.Orientation);                              // applied by the decoder; EXIF's 6 is ignored
        Assert.Equal(new DateTime(2024, 5, 1, 10, 20, 30), info.TakenAt);
        Assert.Equal("Canon", info.CameraMake);
        Assert.Equal("Canon EOS R5", info.CameraModel);
        Assert.Equal(-22.951916, info.Latitude!.Value, 1e-4);
        Assert.Equal(-43.210487, info.Longitude!.Value, 1e-4);

        AssertWebp(thumbnail, 48, 64);
        AssertJpeg(preview, 48, 64);
        AssertRedCornerTopRight(preview);                               // rotated once, not twice
        AssertNoMetadata(thumbnail);
        AssertNoMetadata(preview);
    }

    [Theory]
    [InlineData("alpha16.png", "png", 80, 60, "Nikon")]
    [InlineData("photo.tiff", "tiff", 80, 60, null)]                // libvips does not expose a TIFF's own IFD0 tags as EXIF
    [InlineData("photo.webp", "webp", 80, 60, "Nikon")]
    [InlineData("anim.gif", "gif", 40, 30, null)]
    [InlineData("photo.avif", "avif", 80, 60, "Nikon")]
    [InlineData("cmyk.jpg", "jpeg", 80, 60, "Nikon")]
    [InlineData("grey.jpg", "jpeg", 80, 60, "Nikon")]
    [InlineData("p3.jpg", "jpeg", 64, 64, null)]
    public void Every_supported_format_becomes_an_srgb_webp_thumbnail_and_jpeg_preview_without_metadata(
        string fixture, string format, int width, int height, string? make)
    {
        var (info, thumbnail, preview) = Derive(fixture);

        Assert.Equal(format, info.Format);
        Assert.Equal((width, height), (info.Width, info.Height));
        Assert.Equal(make, info.CameraMake);
        AssertWebp(thumbnail, width, height);
        AssertJpeg(preview, width, height);
        AssertNoMetadata(thumbnail);
        AssertNoMetadata(preview);
    }

    [Fact]
    public void A_large_photo_is_shrunk_to_250_and_1440_on_its_longest_displayed_side()
    {
        var (info, thumbnail, preview) = Derive("large-orient6.jpg");

        Assert.Equal((1600, 2400), (info.Width, info.Height));
        AssertWebp(thumbnail, 167, 250);
        AssertJpeg(preview, 960, 1440);
    }

    [Fact]
    public void Sizes_and_qualities_come_from_the_options()
    {
        var processor = new VipsImageProcessor(Options.Create(new ImagingOptions { ThumbnailSize = 100, PreviewSize = 600, JpegQuality = 50, WebpQuality = 50 }));
        var (_, thumbnail, preview) = Derive(processor, Fixture("large-orient6.jpg"));

        AssertWebp(thumbnail, 67, 100);
        AssertJpeg(preview, 400, 600);
    }

    [Fact]
    public void Derivatives_keep_no_exif_gps_xmp_iptc_or_icc_although_the_original_has_them_all()
    {
        var original = ExifToolGroups(Fixture("exif-orient6.jpg"));
        Assert.Contains("EXIF", original.Groups);
        Assert.Contains("XMP", original.Groups);
        Assert.Contains("IPTC", original.Groups);
        Assert.Contains(original.Keys, key => key.Contains("GPS", StringComparison.Ordinal));
        Assert.Contains("ICC_Profile", ExifToolGroups(Fixture("p3.jpg")).Groups);

        foreach (var fixture in new[] { "exif-orient6.jpg", "p3.jpg", "alpha16.png", "photo.webp", "photo.avif" })
        {
            var (_, thumbnail, preview) = Derive(fixture);
            AssertNoMetadata(thumbnail);
            AssertNoMetadata(preview);
        }
    }

    [Fact]
    public void A_display_p3_photo_is_converted_to_srgb()
    {
        var (_, thumbnail, preview) = Derive("p3.jpg");

        // (180,80,60) in Display P3 is (195,72,52) in sRGB (lcms); shown unconverted it would stay (180,80,60).
        foreach (var file in new[] { preview, thumbnail })
        {
            using var image = Image.NewFromFile(file);
            var pixel = image.Getpoint(32, 32);
            Assert.InRange(pixel[0], 191, 199);
            Assert.InRange(pixel[1], 68, 76);
            Assert.InRange(pixel[2], 48, 56);
        }
    }

    [Fact]
    public void Transparency_stays_in_the_webp_and_turns_white_in_the_jpeg()
    {
        var (_, thumbnail, preview) = Derive("alpha16.png");

        using (var webp = Image.NewFromFile(thumbnail))
        {
            Assert.True(webp.HasAlpha());
            Assert.InRange(webp.Getpoint(70, 30)[3], 50, 80);          // 25 % opaque on the right
        }
        using var jpeg = Image.NewFromFile(preview);
        var left = jpeg.Getpoint(5, 2);                                  // opaque red at the top
        Assert.True(left[0] > 200 && left[1] < 60, string.Join(',', left));
        var right = jpeg.Getpoint(70, 30);                               // a quarter of the colour over white
        Assert.All(right, channel => Assert.True(channel > 170, string.Join(',', right)));
    }

    [Fact]
    public void A_file_is_recognised_by_its_content_not_its_extension()
    {
        var disguised = Path.Combine(_dir, "IMG_0001.jpg");
        File.Copy(Fixture("exif-irot.heic"), disguised);

        var (info, thumbnail, preview) = Derive(_processor, disguised);

        Assert.Equal("heif", info.Format);
        AssertWebp(thumbnail, 48, 64);
        AssertJpeg(preview, 48, 64);
    }

    [Fact]
    public void A_photo_with_a_broken_colour_profile_is_still_shown()
    {
        // libvips refuses to embed an invalid profile, so the APP2 ICC_PROFILE segment is spliced in after SOI by hand.
        var broken = Path.Combine(_dir, "broken-icc.jpg");
        var junk = new byte[600];
        new Random(7).NextBytes(junk);
        var jpeg = File.ReadAllBytes(Fixture("exif-orient6.jpg"));
        var segment = new List<byte> { 0xFF, 0xE2, (byte)((2 + 14 + junk.Length) >> 8), (byte)((2 + 14 + junk.Length) & 0xFF) };
        segment.AddRange("ICC_PROFILE\0"u8.ToArray());
        segment.AddRange([1, 1]);
        segment.AddRange(junk);
        File.WriteAllBytes(broken, [.. jpeg[..2], .. segment, .. jpeg[2..]]);
        using (var check = Image.NewFromFile(broken)) Assert.Equal(600, ((byte[])check.Get("icc-profile-data")).Length);

        var (info, thumbnail, preview) = Derive(_processor, broken);

        Assert.Equal((48, 64), (info.Width, info.Height));
        AssertWebp(thumbnail, 48, 64);
        AssertJpeg(preview, 48, 64);
        AssertRedCornerTopRight(preview);
        AssertNoMetadata(preview);
    }

    [Theory]
    [InlineData("truncated.jpg", "truncated")]
    [InlineData("truncated.heic", "truncated")]
    [InlineData("empty.jpg", "empty")]
    [InlineData("not-an-image.jpg", "not an image")]
    [InlineData("bomb.png", "too large")]
    [InlineData("too-wide.png", "too large")]
    public void Corrupt_empty_disguised_and_hostile_files_are_rejected_with_a_reason_and_leave_nothing_behind(string fixture, string reason)
    {
        var thumbnail = Path.Combine(_dir, "t");
        var preview = Path.Combine(_dir, "p");
        var clean = Path.Combine(_dir, "c");

        var error = Assert.Throws<ImageRejectedException>(() => _processor.MakeDerivatives(Fixture(fixture), thumbnail, preview));
        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
        var again = Assert.Throws<ImageRejectedException>(() => _processor.WriteCleanJpeg(Fixture(fixture), clean));
        Assert.Equal(error.Message, again.Message);

        Assert.False(File.Exists(thumbnail));
        Assert.False(File.Exists(preview));
        Assert.False(File.Exists(clean));
    }

    [Fact]
    public void Formats_libvips_deems_unsafe_for_untrusted_input_are_refused()
    {
        var svg = Path.Combine(_dir, "drawing.svg");
        File.WriteAllText(svg, """<svg xmlns="http://www.w3.org/2000/svg" width="50000" height="50000"><rect width="10" height="10"/></svg>""");
        var ppm = Path.Combine(_dir, "raw.ppm");
        File.WriteAllText(ppm, "P3\n1 1\n255\n255 0 0\n");

        foreach (var file in new[] { svg, ppm })
        {
            var error = Assert.Throws<ImageRejectedException>(() => Derive(_processor, file));
            Assert.Contains("not an image in a supported format", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_decompression_bomb_is_refused_from_its_header_fast_and_without_allocating()
    {
        Derive("exif-orient6.jpg");                                     // libvips loaded and warm
        using var process = Process.GetCurrentProcess();
        GC.Collect();
        process.Refresh();
        var before = process.WorkingSet64;
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < 5; i++)
        {
            var error = Assert.Throws<ImageRejectedException>(() => _processor.MakeDerivatives(Fixture("bomb.png"), Path.Combine(_dir, "t"), Path.Combine(_dir, "p")));
            Assert.Equal("The image is too large: 50,000 × 50,000 pixels (at most 100 megapixels).", error.Message);
        }

        clock.Stop();
        process.Refresh();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        var grown = process.WorkingSet64 - before;
        Assert.True(grown < 200L * 1024 * 1024, $"working set grew by {grown / (1024 * 1024)} MB");
    }

    [Fact]
    public void The_pixel_limit_is_configurable()
    {
        var strict = new VipsImageProcessor(Options.Create(new ImagingOptions { MaxPixels = 1_000_000 }));

        var error = Assert.Throws<ImageRejectedException>(() => Derive(strict, Fixture("large-orient6.jpg")));
        Assert.Equal("The image is too large: 2,400 × 1,600 pixels (at most 1 megapixels).", error.Message);
    }

    [Fact]
    public void A_missing_source_is_an_infrastructure_error_not_a_rejection()
    {
        Assert.Throws<FileNotFoundException>(() => Derive(_processor, Path.Combine(_dir, "gone.jpg")));
    }

    [Fact]
    public void A_clean_jpeg_is_upright_srgb_full_size_and_has_no_metadata()
    {
        var destination = Path.Combine(_dir, "clean");
        var info = _processor.WriteCleanJpeg(Fixture("exif-orient6.jpg"), destination);

        Assert.Equal("Canon", info.CameraMake);
        AssertJpeg(destination, 48, 64);
        AssertRedCornerTopRight(destination);
        AssertNoMetadata(destination);
        using var image = Image.NewFromFile(destination);
        Assert.Equal(90, EstimateJpegQuality(destination));
        Assert.Equal(Enums.Interpretation.Srgb, image.Interpretation);
    }

    [Fact]
    public void A_heic_upload_is_stored_as_a_clean_jpeg()
    {
        var destination = Path.Combine(_dir, "from-heic");
        var info = _processor.WriteCleanJpeg(Fixture("exif-irot.heic"), destination);

        Assert.Equal("heif", info.Format);
        AssertJpeg(destination, 48, 64);
        AssertRedCornerTopRight(destination);
        AssertNoMetadata(destination);
    }

    [Fact]
    public void A_large_clean_jpeg_keeps_every_pixel()
    {
        var destination = Path.Combine(_dir, "large");
        _processor.WriteCleanJpeg(Fixture("large-orient6.jpg"), destination);

        AssertJpeg(destination, 1600, 2400);
        AssertNoMetadata(destination);
    }

    [Fact]
    public void One_processor_serves_many_threads_at_once()
    {
        var fixtures = new[] { "exif-orient6.jpg", "exif-irot.heic", "alpha16.png", "photo.avif", "large-orient6.jpg", "p3.jpg" };
        var results = new ImageInfo[24];

        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var source = Fixture(fixtures[i % fixtures.Length]);
            results[i] = _processor.MakeDerivatives(source, Path.Combine(_dir, $"{i}.thumb"), Path.Combine(_dir, $"{i}.preview"));
        });

        for (var i = 0; i < results.Length; i++)
        {
            var first = i % fixtures.Length;                             // the same input gives the same bytes on any thread
            Assert.Equal(results[first], results[i]);
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, $"{first}.thumb")), File.ReadAllBytes(Path.Combine(_dir, $"{i}.thumb")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, $"{first}.preview")), File.ReadAllBytes(Path.Combine(_dir, $"{i}.preview")));
        }
    }

    [Fact]
    public void The_startup_check_decodes_heic_with_the_system_libvips()
    {
        var version = VipsStartupCheck.EnsureHeicWorks();

        Assert.StartsWith("8.", version, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Canon (Canon, ASCII, 6 components, 6 bytes)", "Canon")]
    [InlineData("Foo (Bar) (Foo (Bar), ASCII, 10 components, 10 bytes)", "Foo (Bar)")]
    [InlineData("  (  , ASCII, 3 components, 3 bytes)", null)]
    [InlineData("plain", "plain")]
    public void Exif_text_fields_are_read_from_libvips_strings(string field, string? expected)
    {
        Assert.Equal(expected, VipsMetadata.ParseAscii(field));
    }

    [Theory]
    [InlineData("2024:05:01 10:20:30", "2024-05-01T10:20:30")]
    [InlineData("2024-05-01 10:20:30", "2024-05-01T10:20:30")]
    [InlineData("2024:05:01 10:20:30+02:00", "2024-05-01T10:20:30")]
    [InlineData("0000:00:00 00:00:00", null)]
    [InlineData("    :  :     :  :  ", null)]
    [InlineData("yesterday", null)]
    public void Exif_dates_are_parsed_as_camera_local_time(string text, string? expected)
    {
        Assert.Equal(expected is null ? null : DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), VipsMetadata.ParseDate(text));
    }

    // ---- what a user would check -------------------------------------------------------------------------------

    private static void AssertWebp(string path, int width, int height)
    {
        var head = ReadHead(path, 12);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(head, 0, 4));
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(head, 8, 4));
        AssertPixels(path, width, height, "webpload");
    }

    private static void AssertJpeg(string path, int width, int height)
    {
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF }, ReadHead(path, 3));
        AssertPixels(path, width, height, "jpegload");
    }

    private static void AssertPixels(string path, int width, int height, string loader)
    {
        using var image = Image.NewFromFile(path);
        Assert.Equal(loader, image.Get("vips-loader"));
        Assert.Equal((width, height), (image.Width, image.Height));
        Assert.Equal(Enums.Interpretation.Srgb, image.Interpretation);
        Assert.Equal(Enums.BandFormat.Uchar, image.Format);
        Assert.Contains(image.Bands, new[] { 3, 4 });
    }

    /// <summary>The fixtures' red quadrant is top-left as stored; upright (turned 90° clockwise) it is top-right.</summary>
    private static void AssertRedCornerTopRight(string path)
    {
        using var image = Image.NewFromFile(path);
        var topRight = image.Getpoint(image.Width * 3 / 4, image.Height / 8);
        var topLeft = image.Getpoint(image.Width / 4, image.Height / 8);
        Assert.True(topRight[0] > 200 && topRight[2] < 60, $"top right is {string.Join(',', topRight)}, expected red");
        Assert.True(topLeft[2] > 200 && topLeft[0] < 60, $"top left is {string.Join(',', topLeft)}, expected blue");
    }

    private static void AssertNoMetadata(string path)
    {
        var (groups, keys) = ExifToolGroups(path);
        string[] forbidden = ["EXIF", "XMP", "IPTC", "ICC_Profile", "MakerNotes", "Photoshop", "GPS", "APP1", "APP2", "APP13"];
        Assert.Empty(groups.Intersect(forbidden));
        Assert.DoesNotContain(keys, key => key.Contains("GPS", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(keys, key => key.EndsWith(":Orientation", StringComparison.Ordinal));

        using var image = Image.NewFromFile(path);
        var fields = image.GetFields();
        Assert.DoesNotContain("exif-data", fields);
        Assert.DoesNotContain("xmp-data", fields);
        Assert.DoesNotContain("iptc-data", fields);
        Assert.DoesNotContain("icc-profile-data", fields);
        Assert.DoesNotContain(fields, field => field.StartsWith("exif-", StringComparison.Ordinal));
    }

    /// <summary>exiftool's view of a file: the family-0 groups present (EXIF, XMP, JFIF, RIFF…) and every Group:Tag.</summary>
    private static (HashSet<string> Groups, List<string> Keys) ExifToolGroups(string path)
    {
        var start = new ProcessStartInfo("exiftool", ["-j", "-G", "-a", "-u", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("exiftool did not start (apt-get install libimage-exiftool-perl)");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        using var json = JsonDocument.Parse(output);
        var keys = json.RootElement[0].EnumerateObject().Select(p => p.Name).Where(n => n.Contains(':', StringComparison.Ordinal)).ToList();
        return (keys.Select(k => k[..k.IndexOf(':', StringComparison.Ordinal)]).ToHashSet(), keys);
    }

    /// <summary>libjpeg's quality, recovered from the luminance quantisation table the way ImageMagick does (±1).</summary>
    private static int EstimateJpegQuality(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/identify", ["-format", "%Q", path]) { RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("identify did not start");
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] ReadHead(string path, int count)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[count];
        stream.ReadExactly(buffer);
        return buffer;
    }
}
