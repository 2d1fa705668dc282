using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using NetVips;
using PhotoApi.Testing;
using PhotoApi.Workers.Imaging;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Tests.Video;

/// <summary>
/// The worker's video tools on real files made by ffmpeg (<see cref="VideoFixtures"/>): what ffprobe reads, the poster
/// made into the thumbnail and preview as the job does (size, upright by the colour of its top rows), the playback copy
/// (ffprobe on it, its boxes, its tags), and hostile files refused within their time limits.
/// </summary>
public sealed class VideoToolsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("photoapi-video-").FullName;
    private readonly VipsImageProcessor _images = new(Options.Create(new ImagingOptions()));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FfmpegRunner Runner(VideoOptions? o = null) => new(Options.Create(o ?? new VideoOptions()));

    private static Task<VideoInfo> ProbeAsync(string path, VideoOptions? o = null) => new VideoProbe(Runner(o)).ProbeAsync(path, CancellationToken.None);

    [Fact]
    public async Task An_h264_mp4_is_read_with_its_date_and_place_and_plays_as_it_is()
    {
        var info = await ProbeAsync(VideoFixtures.H264Mp4());

        Assert.Equal(3.0, info.DurationSeconds!.Value, 1);
        Assert.Equal((640, 360, 0), (info.Width, info.Height, info.Rotation));
        Assert.Equal(25, info.FrameRate);
        Assert.Equal(("h264", "aac", "yuv420p", true), (info.VideoCodec, info.AudioCodec, info.PixelFormat, info.IsMp4));
        Assert.Equal(VideoFixtures.H264TakenAt, DateTime.SpecifyKind(info.TakenAt!.Value, DateTimeKind.Utc));
        Assert.Equal(VideoFixtures.H264Latitude, info.Latitude!.Value, 4);
        Assert.Equal(VideoFixtures.H264Longitude, info.Longitude!.Value, 4);
        Assert.True(PlaybackTranscoder.PlaysAsIs(info, new VideoOptions()));
    }

    [Fact]
    public async Task A_rotated_hevc_mov_is_read_as_displayed_with_apple_tags_and_needs_a_copy()
    {
        var info = await ProbeAsync(VideoFixtures.HevcMov());

        Assert.Equal(3.0, info.DurationSeconds!.Value, 1);
        Assert.Equal((360, 640), (info.Width, info.Height));      // stored 640x360, displayed portrait
        Assert.Equal(270, info.Rotation);
        Assert.Equal(("hevc", "aac", false), (info.VideoCodec, info.AudioCodec, info.IsMp4));
        Assert.Equal(VideoFixtures.HevcTakenAt, info.TakenAt);     // the wall clock, the +0200 offset dropped
        Assert.Equal((VideoFixtures.HevcLatitude, VideoFixtures.HevcLongitude), (info.Latitude, info.Longitude));
        Assert.Equal((VideoFixtures.HevcMake, VideoFixtures.HevcModel), (info.CameraMake, info.CameraModel));
        Assert.False(PlaybackTranscoder.PlaysAsIs(info, new VideoOptions()));
    }

    [Fact]
    public async Task A_vp9_webm_is_read_and_needs_a_copy()
    {
        var info = await ProbeAsync(VideoFixtures.Vp9Webm());

        Assert.Equal(3.0, info.DurationSeconds!.Value, 1);
        Assert.Equal((640, 360), (info.Width, info.Height));
        Assert.Equal(("vp9", "opus", false), (info.VideoCodec, info.AudioCodec, info.IsMp4));
        Assert.Null(info.TakenAt);
        Assert.False(PlaybackTranscoder.PlaysAsIs(info, new VideoOptions()));
    }

    [Theory]
    [InlineData("h264", 250, 141)]
    [InlineData("hevc", 141, 250)]
    [InlineData("vp9", 250, 141)]
    public async Task The_poster_becomes_an_upright_thumbnail_and_preview(string kind, int thumbWidth, int thumbHeight)
    {
        var path = kind switch { "h264" => VideoFixtures.H264Mp4(), "hevc" => VideoFixtures.HevcMov(), _ => VideoFixtures.Vp9Webm() };
        var runner = Runner();
        var info = await new VideoProbe(runner).ProbeAsync(path, CancellationToken.None);
        var frame = Path.Combine(_dir, kind + ".png");
        await new VideoPoster(runner).WriteAsync(path, info, frame, CancellationToken.None);
        var (thumbnail, preview) = (Path.Combine(_dir, kind + ".webp"), Path.Combine(_dir, kind + ".jpg"));
        _images.MakeDerivatives(frame, thumbnail, preview);

        using var thumb = Image.NewFromFile(thumbnail);
        Assert.Equal((thumbWidth, thumbHeight), (thumb.Width, thumb.Height));
        using var big = Image.NewFromFile(preview);
        Assert.Equal(kind == "hevc" ? (360, 640) : (640, 360), (big.Width, big.Height));   // never enlarged
        AssertColour(VideoFixtures.Top, thumb.Getpoint(thumb.Width / 2, 2));
        AssertColour(VideoFixtures.Bottom, thumb.Getpoint(thumb.Width / 2, thumb.Height - 3));
        Assert.Equal([], thumb.GetFields().Where(f => f is "exif-data" or "xmp-data" or "icc-profile-data"));
    }

    [Fact]
    public void The_poster_is_taken_at_a_tenth_of_a_video_and_at_the_start_of_a_short_clip()
    {
        VideoInfo Lasting(double? d) => new(d, 2, 2, 0, 25, "h264", "yuv420p", null, true, null, null, null, null, null, 1);
        Assert.Equal(3.0, VideoPoster.PosterTime(Lasting(30)));
        Assert.Equal(0, VideoPoster.PosterTime(Lasting(1.5)));
        Assert.Equal(0, VideoPoster.PosterTime(Lasting(null)));
    }

    [Theory]
    [InlineData("hevc")]
    [InlineData("vp9")]
    public async Task The_playback_copy_is_upright_h264_aac_with_its_index_first_and_no_metadata(string kind)
    {
        var path = kind == "hevc" ? VideoFixtures.HevcMov() : VideoFixtures.Vp9Webm();
        var runner = Runner();
        var info = await new VideoProbe(runner).ProbeAsync(path, CancellationToken.None);
        var copy = Path.Combine(_dir, kind + ".mp4");
        await new PlaybackTranscoder(runner).WriteAsync(path, info, copy, CancellationToken.None);

        var boxes = VideoFixtures.TopLevelBoxes(File.ReadAllBytes(copy));
        Assert.True(boxes.IndexOf("moov") >= 0 && boxes.IndexOf("moov") < boxes.IndexOf("mdat"), string.Join(",", boxes));
        using var probe = VideoFixtures.Probe(copy);
        var streams = probe.RootElement.GetProperty("streams").EnumerateArray().ToList();
        var video = streams.Single(s => s.GetProperty("codec_type").GetString() == "video");
        var audio = streams.Single(s => s.GetProperty("codec_type").GetString() == "audio");
        Assert.Equal(("h264", "yuv420p"), (video.GetProperty("codec_name").GetString(), video.GetProperty("pix_fmt").GetString()));
        Assert.Equal("aac", audio.GetProperty("codec_name").GetString());
        Assert.Equal(kind == "hevc" ? (360, 640) : (640, 360), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.False(video.TryGetProperty("side_data_list", out _), "a display matrix was left");
        var copied = await new VideoProbe(runner).ProbeAsync(copy, CancellationToken.None);
        Assert.Equal(0, copied.Rotation);
        Assert.True(PlaybackTranscoder.PlaysAsIs(copied, new VideoOptions()));
        Assert.Equal(3.0, copied.DurationSeconds!.Value, 0);

        // Exactly the tags that bitexact muxing leaves: the file's brand, generic handler names, the codec's name.
        Assert.Equal(["compatible_brands=isomiso2avc1mp41", "major_brand=isom", "minor_version=512"], Tags(probe.RootElement.GetProperty("format")));
        Assert.Equal(["encoder=Lavc libx264", "handler_name=VideoHandler", "language=und", "vendor_id=[0][0][0][0]"], Tags(video));
        Assert.Equal(["handler_name=SoundHandler", "language=und", "vendor_id=[0][0][0][0]"], Tags(audio));
        var bytes = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(copy));
        foreach (var leak in new[] { "x264 - core", "Lavf", "iPhone", "Apple", "+37.78", "2024-05-01", "comment" })
            Assert.DoesNotContain(leak, bytes);

        // Frames upright: the first frame's top is the fixture's top colour.
        var frame = Path.Combine(_dir, kind + "-copy.png");
        VideoFixtures.Ffmpeg(_dir, ["-i", copy, "-frames:v", "1", frame]);
        using var image = Image.NewFromFile(frame);
        AssertColour(VideoFixtures.Top, image.Getpoint(image.Width / 2, 4));
        AssertColour(VideoFixtures.Bottom, image.Getpoint(image.Width / 2, image.Height - 5));
    }

    [Fact]
    public void The_playback_copy_is_at_most_1080p_on_its_shorter_side_with_even_dimensions()
    {
        var o = new VideoOptions();
        var info = new VideoInfo(20, 3840, 2160, 0, 30, "hevc", "yuv420p10le", "aac", false, null, null, null, null, null, 2);
        var args = PlaybackTranscoder.Arguments("in.mov", "out.mp4", info, o);
        var filter = args[args.IndexOf("-vf") + 1];
        Assert.Contains("min(ih,1080)", filter);
        Assert.Contains("trunc(iw/2)*2", filter);
        Assert.Equal("22", args[args.IndexOf("-t") + 1]);
        Assert.Equal(o.Threads.ToString(), args[args.IndexOf("-threads") + 1]);
        Assert.Equal(["-protocol_whitelist", "file", "-format_whitelist", "mov,matroska,webm,avi"], args.Take(4));
    }

    [Fact]
    public async Task A_large_portrait_source_is_scaled_to_1080_wide_with_even_dimensions()
    {
        // 4K frames would be long to encode: a 1201x2000 portrait frame (odd width) is enough to cross the bound.
        var source = Path.Combine(_dir, "tall.mp4");
        VideoFixtures.Ffmpeg(_dir, ["-f", "lavfi", "-i", "color=red:s=1201x2000:d=0.5:r=10", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", source]);
        var runner = Runner();
        var info = await new VideoProbe(runner).ProbeAsync(source, CancellationToken.None);
        Assert.False(PlaybackTranscoder.PlaysAsIs(info, new VideoOptions()));   // 4:4:4 and wider than 1080
        var copy = Path.Combine(_dir, "tall-copy.mp4");
        await new PlaybackTranscoder(runner).WriteAsync(source, info, copy, CancellationToken.None);
        var copied = await new VideoProbe(runner).ProbeAsync(copy, CancellationToken.None);
        Assert.Equal((1080, 1800, "yuv420p", (string?)null), (copied.Width, copied.Height, copied.PixelFormat, copied.AudioCodec));
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { "empty", "could not be read as a video" },
        { "truncated", "could not be read as a video" },
        { "many-streams", "999 streams" },
        { "lying-duration", "says it lasts 4294967 s" },
        { "playlist", "could not be read as a video" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_file_is_refused_with_a_reason_quickly(string kind, string reason)
    {
        var path = kind switch
        {
            "empty" => VideoFixtures.Empty(),
            "truncated" => VideoFixtures.TruncatedMp4(),
            "many-streams" => VideoFixtures.ManyStreams(),
            "lying-duration" => VideoFixtures.LyingDuration(),
            _ => VideoFixtures.PlaylistAsMp4(),
        };
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => ProbeAsync(path, new VideoOptions { ProbeTimeout = TimeSpan.FromSeconds(10) }));
        Assert.Contains(reason, e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task A_file_that_never_ends_is_killed_at_the_time_limit_and_the_next_file_is_read()
    {
        // A fifo nobody writes to: ffprobe blocks on it for ever, as on a device or a network mount that hangs.
        var fifo = Path.Combine(_dir, "hang.mp4");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
        var o = new VideoOptions { ProbeTimeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => ProbeAsync(fifo, o));
        Assert.Contains("took longer than 2 s", e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.9, 8);
        Assert.DoesNotContain(Process.GetProcessesByName("ffprobe"), p => Cmdline(p).Contains(fifo));
        Assert.Equal("h264", (await ProbeAsync(VideoFixtures.H264Mp4(), o)).VideoCodec);
    }

    [Fact]
    public async Task A_transcode_past_its_time_limit_is_killed_and_refused()
    {
        var runner = Runner(new VideoOptions { MinProcessTimeout = TimeSpan.FromMilliseconds(300), ProcessTimeoutPerSecond = 0.0001 });
        var source = Path.Combine(_dir, "slow.mp4");
        VideoFixtures.Ffmpeg(_dir, ["-f", "lavfi", "-i", "testsrc2=s=1280x720:d=20:r=30", "-c:v", "libx264", "-preset", "ultrafast", source]);
        var info = await new VideoProbe(runner).ProbeAsync(source, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => new PlaybackTranscoder(runner).WriteAsync(source, info, Path.Combine(_dir, "slow-copy.mp4"), CancellationToken.None));
        Assert.Contains("took longer than", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), clock.Elapsed.ToString());
    }

    private static string Cmdline(Process p)
    {
        try { return File.ReadAllText($"/proc/{p.Id}/cmdline"); }
        catch (IOException) { return ""; }
    }

    private static List<string> Tags(JsonElement e) =>
        e.TryGetProperty("tags", out var t) ? t.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Order(StringComparer.Ordinal).ToList() : [];

    private static void AssertColour((int R, int G, int B) expected, double[] actual)
    {
        Assert.True(Math.Abs(actual[0] - expected.R) < 40 && Math.Abs(actual[1] - expected.G) < 40 && Math.Abs(actual[2] - expected.B) < 40,
            $"expected {expected}, got ({string.Join(", ", actual.Select(v => Math.Round(v)))})");
    }
}
