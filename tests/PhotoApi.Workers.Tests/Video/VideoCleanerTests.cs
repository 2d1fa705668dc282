using Microsoft.Extensions.Options;
using PhotoApi.Testing;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Tests.Video;

/// <summary>
/// The cleaner on real files made by ffmpeg (<see cref="VideoFixtures"/>): what it writes has no metadata by exiftool
/// and ffprobe nor in the bitstreams (encoders' signatures, audio comment headers), decodes to the end, lasts as long,
/// stays upright, and has its video copied where the codec allows it.
/// </summary>
public sealed class VideoCleanerTests : IDisposable
{
    private const string Seed = "cleaner";

    private readonly string _dir = Directory.CreateTempSubdirectory("photoapi-cleaner-").FullName;
    private readonly VideoCleaner _cleaner;

    public VideoCleanerTests()
    {
        var runner = new FfmpegRunner(Options.Create(new VideoOptions()));
        _cleaner = new VideoCleaner(runner, new VideoProbe(runner));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task An_h264_mp4_is_remuxed_without_its_date_place_encoder_handlers_title_or_chapter()
    {
        var source = VideoFixtures.TaggedH264Mp4(Seed);
        Assert.Contains("Secret chapter", await File.ReadAllTextAsync(source)); // the fixture does carry what must go

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "video/mp4", ".mp4", "h264", "aac", true), (clean.Format, clean.ContentType, clean.Extension, clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        await VideoFixtures.AssertNoMetadataAsync(path);
        await VideoFixtures.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        await AssertFaststartAsync(path);
        // Remuxed: the very same pictures (a re-encode would change them); x264's signature in the stream gone with its SEI.
        Assert.Equal(await FramesAsync(source), await FramesAsync(path));
        Assert.Contains("x264 - core", await File.ReadAllTextAsync(source));
        Assert.DoesNotContain("x264", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task A_rotated_iphone_hevc_mov_is_transcoded_to_upright_h264_without_apple_tags_or_x265s_signature()
    {
        // HEVC is not copied: its hvcC box holds x265's name, version and settings, which ffmpeg 5.1 cannot remove.
        var source = VideoFixtures.HevcMov(Seed);
        var before = await VideoFixtures.VideoOfAsync(source);
        Assert.Equal(("hevc", 640, 360), (before.Codec, before.Width, before.Height));
        Assert.NotEqual(0, before.Rotation);
        Assert.Contains("iPhone 15 Pro", await File.ReadAllTextAsync(source));
        Assert.Contains("x265 (build", await File.ReadAllTextAsync(source));

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "h264", "aac", false, 0), (clean.Format, clean.VideoCodec, clean.AudioCodec, clean.Remuxed, clean.Rotation));
        await VideoFixtures.AssertNoMetadataAsync(path);
        await VideoFixtures.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        await AssertFaststartAsync(path);
        var after = await VideoFixtures.VideoOfAsync(path);
        Assert.Equal((360, 640, 0), (after.Width, after.Height, after.Rotation)); // portrait frames, no matrix: upright everywhere
        var text = await File.ReadAllTextAsync(path);
        Assert.DoesNotContain("x265", text);
        Assert.DoesNotContain("x264", text);
        Assert.DoesNotContain("Lavc", text);
    }

    [Fact]
    public async Task A_vp9_webm_stays_webm_without_its_tags_or_chapter()
    {
        var source = VideoFixtures.TaggedVp9Webm(Seed);

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("webm", "video/webm", "vp9", "opus", true), (clean.Format, clean.ContentType, clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        Assert.Equal([0x1A, 0x45, 0xDF, 0xA3], (await File.ReadAllBytesAsync(path))[..4]);
        await VideoFixtures.AssertNoMetadataAsync(path);
        await VideoFixtures.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        Assert.Equal(await PacketsAsync(source), await PacketsAsync(path));
    }

    [Fact]
    public async Task A_vorbis_webms_comment_header_with_a_location_and_vendor_does_not_survive()
    {
        var source = VideoFixtures.VorbisWebm(Seed);
        var original = Latin1(await File.ReadAllBytesAsync(source));
        Assert.Contains("LOCATION=" + VideoFixtures.Place[..8], original); // in the Vorbis comment header, which ffprobe does not show
        Assert.Contains("Xiph.Org libVorbis", original);

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("webm", "vp9", "opus", true), (clean.Format, clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        var bytes = Latin1(await File.ReadAllBytesAsync(path));
        foreach (var leak in new[] { "LOCATION", "+48.85", "Xiph", "Vorbis", "vorbis", "Lavc5", "Lavf5" }) Assert.DoesNotContain(leak, bytes);
        // What the clean file may say of its own making: the muxer's name, without a version (Muxing App, Writing App).
        Assert.Equal(["Lavf", "Lavf"], LavNames(bytes));
        await VideoFixtures.AssertNoMetadataAsync(path);
        await VideoFixtures.AssertPlaysToTheEndAsync(path);
        Assert.Equal(await PacketsAsync(source), await PacketsAsync(path)); // the video is still copied
    }

    [Fact]
    public async Task An_mp4s_aac_is_re_encoded_without_the_encoders_name_in_its_first_frame()
    {
        var source = VideoFixtures.TaggedH264Mp4(Seed);
        Assert.Contains("Lavc59", await AudioPacketsTextAsync(source)); // ffmpeg's AAC encoder signs its first frame

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("h264", "aac", true), (clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        Assert.DoesNotContain("Lav", await AudioPacketsTextAsync(path));
        Assert.Empty(LavNames(Latin1(await File.ReadAllBytesAsync(path)))); // bitexact MP4: no muxer or encoder name anywhere
    }

    [Fact]
    public async Task An_mpeg4_avi_is_transcoded_to_h264_aac_mp4_without_its_tags_or_ffmpegs_encoder_name()
    {
        var source = VideoFixtures.Mpeg4Avi(Seed);

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "h264", "aac", false), (clean.Format, clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        await VideoFixtures.AssertNoMetadataAsync(path);
        await VideoFixtures.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        await AssertFaststartAsync(path);
        var video = await VideoFixtures.VideoOfAsync(path);
        Assert.Equal((320, 240, 0), (video.Width, video.Height, video.Rotation));
        Assert.DoesNotContain("x264", await File.ReadAllTextAsync(path));                 // our own encoder does not sign it either
    }

    [Fact]
    public async Task A_rotated_video_that_must_be_transcoded_has_its_frames_turned_upright()
    {
        // The iPhone MOV's HEVC, re-encoded as VP9 in MP4 with its display matrix: WebM keeps no matrix in ffmpeg 5.1, so
        // the cleaner transcodes and turns the frames themselves.
        var rotated = Path.Combine(_dir, "rotated-vp9.mp4");
        var (code, _, err) = await VideoFixtures.RunAsync("ffmpeg", ["-v", "error", "-nostdin", "-y", "-noautorotate", "-i", VideoFixtures.HevcMov(Seed),
            "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "copy", rotated]);
        Assert.True(code == 0, err);
        var before = await VideoFixtures.VideoOfAsync(rotated);
        Assert.Equal(("vp9", 640, 360), (before.Codec, before.Width, before.Height));
        Assert.NotEqual(0, before.Rotation);

        var (path, clean) = await _cleaner.CleanAsync(rotated, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "h264", false, 0), (clean.Format, clean.VideoCodec, clean.Remuxed, clean.Rotation));
        var after = await VideoFixtures.VideoOfAsync(path);
        Assert.Equal((360, 640, 0), (after.Width, after.Height, after.Rotation)); // portrait frames, no matrix
        await VideoFixtures.AssertNoMetadataAsync(path);
    }

    [Fact]
    public async Task A_truncated_or_non_video_file_is_refused_with_a_reason()
    {
        var truncated = await Assert.ThrowsAsync<VideoRejectedException>(() =>
            _cleaner.CleanAsync(VideoFixtures.TruncatedMp4(Seed), _dir, CancellationToken.None));
        Assert.StartsWith("This file could not be read as a video", truncated.Message);

        var text = Path.Combine(_dir, "notes.mp4");
        await File.WriteAllTextAsync(text, "not a video at all");
        var refused = await Assert.ThrowsAsync<VideoRejectedException>(() => _cleaner.CleanAsync(text, _dir, CancellationToken.None));
        Assert.StartsWith("This file could not be read as a video", refused.Message);
    }

    [Fact]
    public async Task The_metadata_checks_find_what_every_fixture_carries()
    {
        // The checks the clean files pass are not vacuous: each uncleaned fixture fails them.
        foreach (var fixture in new[] { VideoFixtures.TaggedH264Mp4(Seed), VideoFixtures.HevcMov(Seed), VideoFixtures.TaggedVp9Webm(Seed), VideoFixtures.Mpeg4Avi(Seed) })
        {
            var path = fixture;
            await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => VideoFixtures.AssertNoMetadataAsync(path));
            var stripped = Path.Combine(_dir, "only-tags-gone" + Path.GetExtension(path));
            // Tags removed but the chapters kept still fails (the mp4 and webm carry one).
            var (code, _, err) = await VideoFixtures.RunAsync("ffmpeg", ["-v", "error", "-nostdin", "-y", "-i", path, "-map", "0:V", "-map", "0:a",
                "-map_metadata", "-1", "-c", "copy", "-fflags", "+bitexact", stripped]);
            Assert.True(code == 0, err);
            if (path.EndsWith(".mp4", StringComparison.Ordinal) || path.EndsWith(".webm", StringComparison.Ordinal))
                await Assert.ThrowsAnyAsync<Xunit.Sdk.XunitException>(() => VideoFixtures.AssertNoMetadataAsync(stripped));
        }
    }

    private static string Latin1(byte[] bytes) => System.Text.Encoding.Latin1.GetString(bytes);

    /// <summary>
    /// Every ffmpeg name ("Lav…") in the bytes, sorted: the muxer's generic "Lavf" a clean WebM holds as itself, any
    /// other ("Lavc libopus", versioned "Lavc59.37.100", "Lavf59…") as its first 14 characters.
    /// </summary>
    private static List<string> LavNames(string bytes) =>
        System.Text.RegularExpressions.Regex.Matches(bytes, @"Lavf(?![0-9.])|Lav.{0,11}", System.Text.RegularExpressions.RegexOptions.Singleline)
            .Select(m => m.Value).Order(StringComparer.Ordinal).ToList();

    /// <summary>The first audio stream's packets as bytes (Latin-1 text), as they are stored.</summary>
    private async Task<string> AudioPacketsTextAsync(string path)
    {
        var raw = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".audio");
        var (code, _, err) = await VideoFixtures.RunAsync("ffmpeg", ["-v", "error", "-nostdin", "-y", "-i", path, "-map", "0:a:0", "-c", "copy", "-f", "data", raw]);
        Assert.True(code == 0, err);
        return Latin1(await File.ReadAllBytesAsync(raw));
    }

    private static async Task AssertSameDurationAsync(string source, string clean) =>
        Assert.Equal((await VideoFixtures.VideoOfAsync(source)).Duration, (await VideoFixtures.VideoOfAsync(clean)).Duration, 0.1);

    /// <summary>The moov box comes before mdat: a browser can start playing before the whole file has arrived.</summary>
    private static async Task AssertFaststartAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var moov = bytes.AsSpan().IndexOf("moov"u8);
        var mdat = bytes.AsSpan().IndexOf("mdat"u8);
        Assert.True(moov > 0 && moov < mdat, $"moov at {moov}, mdat at {mdat}");
    }

    /// <summary>The decoded pictures' checksums, one per frame: equal only if the pictures were not re-encoded.</summary>
    private static async Task<string> FramesAsync(string path)
    {
        var (code, stdout, err) = await VideoFixtures.RunAsync("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-f", "framemd5", "-"]);
        Assert.True(code == 0, err);
        return string.Join('\n', stdout.Split('\n').Where(l => !l.StartsWith('#')).Select(l => l.Split(',').Last().Trim()));
    }

    /// <summary>The video stream's packets (size and checksum each): equal only if the frames were copied, not re-encoded.</summary>
    private static async Task<string> PacketsAsync(string path)
    {
        var (code, stdout, err) = await VideoFixtures.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=size",
            "-show_data_hash", "sha256", "-of", "csv=p=0", path]);
        Assert.True(code == 0, err);
        return stdout;
    }
}
