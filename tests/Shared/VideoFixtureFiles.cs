using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit;

namespace PhotoApi.Testing;

/// <summary>
/// Small videos made by the machine's ffmpeg for the metadata-removal tests, each carrying the metadata a guest's phone
/// or editor would leave (dates, places, device, encoder and handler names, titles, chapters), and the checks that
/// say a cleaned file has none of it left: exiftool (<c>-j -a -G1 -ee</c>) and ffprobe on the bytes, and ffmpeg
/// decoding it to the end. Files are made once per test process, in a temporary folder.
/// </summary>
public static class VideoFixtureFiles
{
    public const string Place = "+48.8584+002.2945/";
    public const string ApplePlace = "+37.7858-122.4064+012.345/";
    public const string Secret = "Secret";

    private static readonly Lazy<string> Dir = new(() => Directory.CreateTempSubdirectory("photoapi-video-fixtures-").FullName);
    private static readonly SemaphoreSlim Gate = new(1, 1);

    private const string Picture = "testsrc2=size=320x240:rate=25:duration=2";
    private const string Sound = "sine=frequency=440:duration=2";

    /// <summary>H.264/AAC MP4 with creation_time, a location, an encoder tag, handler names, a title and a chapter.</summary>
    public static Task<string> H264Mp4() => MakeAsync("tagged.mp4", async path =>
    {
        var chapters = await ChaptersAsync();
        await FfmpegAsync(["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Sound, "-i", chapters, "-map", "0", "-map", "1",
            "-map_metadata", "2", "-map_chapters", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-metadata", "creation_time=2021-06-05T10:20:30Z", "-metadata", $"location={Place}", "-metadata", $"encoder={Secret}Encoder",
            "-metadata", $"title={Secret} title", "-metadata:s:v", $"handler_name={Secret}VideoHandler",
            "-metadata:s:a", $"handler_name={Secret}AudioHandler", "-movflags", "use_metadata_tags", path]);
    });

    /// <summary>
    /// HEVC MOV as an iPhone writes it: rotated 90° by a display matrix, Apple's mdta make, model, location and creation
    /// date. (ffmpeg 5.1 only writes the matrix when remuxing, so it is encoded first, then remuxed with the tags.)
    /// </summary>
    public static Task<string> HevcMovRotated() => MakeAsync("iphone.mov", async path =>
    {
        var plain = Path.Combine(Dir.Value, "iphone-plain.mov");
        await FfmpegAsync(["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Sound, "-c:v", "libx265", "-x265-params", "log-level=error",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", plain]);
        await FfmpegAsync(["-i", plain, "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=90",
            "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 15 Pro",
            "-metadata", $"com.apple.quicktime.location.ISO6709={ApplePlace}", "-metadata", "com.apple.quicktime.creationdate=2024-05-01T12:20:30+0200",
            "-metadata", "creation_time=2024-05-01T10:20:30Z", "-movflags", "use_metadata_tags", path]);
    });

    /// <summary>VP9/Opus WebM with a title, date, location, stream title and handler name, and a chapter.</summary>
    public static Task<string> Vp9Webm() => MakeAsync("tagged.webm", async path =>
    {
        var chapters = await ChaptersAsync();
        await FfmpegAsync(["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Sound, "-i", chapters, "-map", "0", "-map", "1",
            "-map_chapters", "2", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus",
            "-metadata", $"title={Secret} title", "-metadata", "creation_time=2021-06-05T10:20:30Z", "-metadata", $"location={Place}",
            "-metadata:s:v", $"title={Secret}StreamTitle", "-metadata:s:v", $"handler_name={Secret}VideoHandler", path]);
    });

    /// <summary>MPEG-4 part 2 video and MP3 in AVI, with a title and an artist: codecs that must be transcoded.</summary>
    public static Task<string> Mpeg4Avi() => MakeAsync("old.avi", path =>
        FfmpegAsync(["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Sound, "-c:v", "mpeg4", "-c:a", "mp3",
            "-metadata", $"title={Secret} title", "-metadata", $"artist={Secret}Artist", path]));

    /// <summary>The first 40% of <see cref="H264Mp4"/>'s bytes (its moov is at the end: unreadable).</summary>
    public static Task<string> TruncatedMp4() => MakeAsync("truncated.mp4", async path =>
    {
        var whole = await File.ReadAllBytesAsync(await H264Mp4());
        await File.WriteAllBytesAsync(path, whole[..(whole.Length * 2 / 5)]);
    });

    private static Task<string> ChaptersAsync() => MakeAsync("chapters.txt", path => File.WriteAllTextAsync(path,
        $";FFMETADATA1\ntitle={Secret} title\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle={Secret} chapter\n"));

    private static async Task<string> MakeAsync(string name, Func<string, Task> make)
    {
        var path = Path.Combine(Dir.Value, name);
        if (File.Exists(path)) return path;
        // Chapters are made inside another fixture's turn: only the outermost call takes the gate.
        var mine = name != "chapters.txt" && await Gate.WaitAsync(TimeSpan.FromMinutes(2));
        try
        {
            if (!File.Exists(path))
            {
                var partial = path + ".part" + Path.GetExtension(name);
                await make(partial);
                File.Move(partial, path);
            }
            return path;
        }
        finally
        {
            if (mine) Gate.Release();
        }
    }

    private static async Task FfmpegAsync(string[] args)
    {
        var (code, _, err) = await RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. args]);
        if (code != 0) throw new InvalidOperationException($"ffmpeg could not make a fixture: {err}");
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, string[] args)
    {
        var start = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>ffprobe's JSON (format, streams, chapters) of a file.</summary>
    public static async Task<JsonElement> ProbeAsync(string path)
    {
        var (code, json, err) = await RunAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", "-show_chapters", path]);
        Assert.True(code == 0, $"ffprobe could not read {path}: {err}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>exiftool's every tag, as "Group:Tag" → value text.</summary>
    public static async Task<Dictionary<string, string>> ExiftoolAsync(string path)
    {
        var (code, json, err) = await RunAsync("exiftool", ["-j", "-a", "-G1", "-ee", path]);
        Assert.True(code == 0, $"exiftool failed: {err}");
        return JsonDocument.Parse(json).RootElement[0].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
    }

    /// <summary>The tags ffmpeg's muxers write on their own in bitexact mode, which say nothing about the guest or the file's origin.</summary>
    private static readonly string[] AllowedFormatTags = ["major_brand", "minor_version", "compatible_brands", "encoder=Lavf"];
    private static readonly string[] AllowedStreamTags = ["language=und", "handler_name=VideoHandler", "handler_name=SoundHandler", "vendor_id=[0][0][0][0]", "DURATION"];

    /// <summary>
    /// Asserts a file has no metadata left: by ffprobe, no chapters and no tags beyond the allow-list (the muxers' own);
    /// by exiftool, no GPS or location, no date but zero, no make/model/software, no title or chapter, no encoder or
    /// handler names but the muxers' generic ones, and nothing of <see cref="Secret"/> anywhere.
    /// </summary>
    public static async Task AssertNoMetadataAsync(string path)
    {
        var probe = await ProbeAsync(path);
        Assert.Equal(0, probe.GetProperty("chapters").GetArrayLength());
        AssertTags(probe.GetProperty("format"), AllowedFormatTags, "format");
        foreach (var stream in probe.GetProperty("streams").EnumerateArray()) AssertTags(stream, AllowedStreamTags, "stream");
        Assert.True(probe.GetProperty("streams").GetArrayLength() <= 2, "only one video and one audio stream are kept");

        var tags = await ExiftoolAsync(path);
        foreach (var (name, value) in tags)
        {
            var tag = name[(name.IndexOf(':') + 1)..];
            Assert.DoesNotContain(Secret, value, StringComparison.OrdinalIgnoreCase);
            Assert.False(tag.StartsWith("GPS", StringComparison.Ordinal) || tag.Contains("Location", StringComparison.Ordinal), $"{name} = {value}");
            Assert.False(tag is "Make" or "Model" or "Software" or "Title" or "Artist" or "Encoder" or "CompressorName" or "ChapterList" or "Text"
                or "CreationTime" or "CreationDate", $"{name} = {value}");
            if (tag.Contains("Date", StringComparison.Ordinal) && !name.StartsWith("System:", StringComparison.Ordinal))
                Assert.True(value == "0000:00:00 00:00:00", $"{name} = {value}");
            if (tag == "HandlerDescription") Assert.Contains(value, new[] { "VideoHandler", "SoundHandler" });
            Assert.False(name.StartsWith("Keys:", StringComparison.Ordinal) || name.StartsWith("UserData:", StringComparison.Ordinal)
                || name.StartsWith("ItemList:", StringComparison.Ordinal), $"{name} = {value}");
        }
    }

    private static void AssertTags(JsonElement element, string[] allowed, string where)
    {
        if (!element.TryGetProperty("tags", out var tags)) return;
        foreach (var tag in tags.EnumerateObject())
            Assert.True(allowed.Contains(tag.Name) || allowed.Contains($"{tag.Name}={tag.Value.GetString()}"),
                $"{where} tag {tag.Name}={tag.Value.GetString()} survived");
    }

    /// <summary>ffmpeg decodes the whole file without an error.</summary>
    public static async Task AssertPlaysToTheEndAsync(string path)
    {
        var (code, _, err) = await RunAsync("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-f", "null", "-"]);
        Assert.True(code == 0 && err.Trim().Length == 0, $"decoding failed: {err}");
    }

    /// <summary>The first video stream's codec, displayed rotation (ffprobe's display matrix degrees, 0 if none) and size.</summary>
    public static async Task<(string Codec, int Rotation, int Width, int Height, double Duration)> VideoOfAsync(string path)
    {
        var probe = await ProbeAsync(path);
        var video = probe.GetProperty("streams").EnumerateArray().First(s => s.GetProperty("codec_type").GetString() == "video");
        var rotation = 0;
        if (video.TryGetProperty("side_data_list", out var side))
            foreach (var d in side.EnumerateArray())
                if (d.TryGetProperty("rotation", out var r)) rotation = r.GetInt32();
        var duration = double.Parse(probe.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
        return (video.GetProperty("codec_name").GetString()!, rotation, video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32(), duration);
    }
}
