using Microsoft.Extensions.Options;
using PhotoApi.Testing;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Tests.Video;

/// <summary>
/// The cleaner on real files made by ffmpeg (<see cref="VideoFixtureFiles"/>): what it writes has no metadata by exiftool
/// and ffprobe, decodes to the end, lasts as long, stays upright, and is a copy of the streams where they allow it.
/// </summary>
public sealed class VideoCleanerTests : IDisposable
{
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
        var source = await VideoFixtureFiles.H264Mp4();
        Assert.Contains("Secret chapter", await File.ReadAllTextAsync(source)); // the fixture does carry what must go

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "video/mp4", ".mp4", "h264", "aac", true), (clean.Format, clean.ContentType, clean.Extension, clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        await VideoFixtureFiles.AssertNoMetadataAsync(path);
        await VideoFixtureFiles.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        await AssertFaststartAsync(path);
        // Remuxed: the very same coded frames.
        Assert.Equal(await PacketsAsync(source), await PacketsAsync(path));
    }

    [Fact]
    public async Task A_rotated_iphone_hevc_mov_is_remuxed_to_mp4_upright_without_apple_tags()
    {
        var source = await VideoFixtureFiles.HevcMovRotated();
        var before = await VideoFixtureFiles.VideoOfAsync(source);
        Assert.NotEqual(0, before.Rotation);
        Assert.Contains("iPhone 15 Pro", await File.ReadAllTextAsync(source));

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "hevc", "aac", true, 270), (clean.Format, clean.VideoCodec, clean.AudioCodec, clean.Remuxed, clean.Rotation));
        await VideoFixtureFiles.AssertNoMetadataAsync(path);
        await VideoFixtureFiles.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        var after = await VideoFixtureFiles.VideoOfAsync(path);
        Assert.Equal(before.Rotation, after.Rotation);                 // the display matrix is kept: it still plays upright
        var tag = (await VideoFixtureFiles.ProbeAsync(path)).GetProperty("streams")[0].GetProperty("codec_tag_string").GetString();
        Assert.Equal("hvc1", tag);                                     // what Safari plays
        Assert.Equal(await PacketsAsync(source), await PacketsAsync(path));
    }

    [Fact]
    public async Task A_vp9_webm_stays_webm_without_its_tags_or_chapter()
    {
        var source = await VideoFixtureFiles.Vp9Webm();

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("webm", "video/webm", "vp9", "opus", true), (clean.Format, clean.ContentType, clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        Assert.Equal([0x1A, 0x45, 0xDF, 0xA3], (await File.ReadAllBytesAsync(path))[..4]);
        await VideoFixtureFiles.AssertNoMetadataAsync(path);
        await VideoFixtureFiles.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        Assert.Equal(await PacketsAsync(source), await PacketsAsync(path));
    }

    [Fact]
    public async Task An_mpeg4_avi_is_transcoded_to_h264_aac_mp4_without_its_tags_or_ffmpegs_encoder_name()
    {
        var source = await VideoFixtureFiles.Mpeg4Avi();

        var (path, clean) = await _cleaner.CleanAsync(source, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "h264", "aac", false), (clean.Format, clean.VideoCodec, clean.AudioCodec, clean.Remuxed));
        await VideoFixtureFiles.AssertNoMetadataAsync(path);
        await VideoFixtureFiles.AssertPlaysToTheEndAsync(path);
        await AssertSameDurationAsync(source, path);
        await AssertFaststartAsync(path);
        var video = await VideoFixtureFiles.VideoOfAsync(path);
        Assert.Equal((320, 240, 0), (video.Width, video.Height, video.Rotation));
    }

    [Fact]
    public async Task A_rotated_video_that_must_be_transcoded_has_its_frames_turned_upright()
    {
        // The iPhone MOV's HEVC, re-encoded as VP9 in MP4 with its display matrix: WebM keeps no matrix in ffmpeg 5.1, so
        // the cleaner transcodes and turns the frames themselves.
        var rotated = Path.Combine(_dir, "rotated-vp9.mp4");
        var (code, _, err) = await VideoFixtureFiles.RunAsync("ffmpeg", ["-v", "error", "-nostdin", "-y", "-noautorotate", "-i", await VideoFixtureFiles.HevcMovRotated(),
            "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "copy", rotated]);
        Assert.True(code == 0, err);
        var before = await VideoFixtureFiles.VideoOfAsync(rotated);
        Assert.Equal(("vp9", 320, 240), (before.Codec, before.Width, before.Height));
        Assert.NotEqual(0, before.Rotation);

        var (path, clean) = await _cleaner.CleanAsync(rotated, _dir, CancellationToken.None);

        Assert.Equal(("mp4", "h264", false, 0), (clean.Format, clean.VideoCodec, clean.Remuxed, clean.Rotation));
        var after = await VideoFixtureFiles.VideoOfAsync(path);
        Assert.Equal((240, 320, 0), (after.Width, after.Height, after.Rotation)); // portrait frames, no matrix
        await VideoFixtureFiles.AssertNoMetadataAsync(path);
    }

    [Fact]
    public async Task A_truncated_or_non_video_file_is_refused_with_a_reason()
    {
        var truncated = await Assert.ThrowsAsync<VideoRejectedException>(() =>
            _cleaner.CleanAsync(VideoFixtureFiles.TruncatedMp4().Result, _dir, CancellationToken.None));
        Assert.StartsWith("This file could not be read as a video", truncated.Message);

        var text = Path.Combine(_dir, "notes.mp4");
        await File.WriteAllTextAsync(text, "not a video at all");
        var refused = await Assert.ThrowsAsync<VideoRejectedException>(() => _cleaner.CleanAsync(text, _dir, CancellationToken.None));
        Assert.StartsWith("This file could not be read as a video", refused.Message);
    }

    private static async Task AssertSameDurationAsync(string source, string clean) =>
        Assert.Equal((await VideoFixtureFiles.VideoOfAsync(source)).Duration, (await VideoFixtureFiles.VideoOfAsync(clean)).Duration, 0.1);

    /// <summary>The moov box comes before mdat: a browser can start playing before the whole file has arrived.</summary>
    private static async Task AssertFaststartAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        var moov = bytes.AsSpan().IndexOf("moov"u8);
        var mdat = bytes.AsSpan().IndexOf("mdat"u8);
        Assert.True(moov > 0 && moov < mdat, $"moov at {moov}, mdat at {mdat}");
    }

    /// <summary>The video stream's packets (size and checksum each): equal only if the frames were copied, not re-encoded.</summary>
    private static async Task<string> PacketsAsync(string path)
    {
        var (code, stdout, err) = await VideoFixtureFiles.RunAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=size",
            "-show_data_hash", "sha256", "-of", "csv=p=0", path]);
        Assert.True(code == 0, err);
        return stdout;
    }
}
