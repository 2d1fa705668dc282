using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit;

namespace PhotoApi.Testing;

/// <summary>
/// Real video files made by ffmpeg (Debian's 5.1, which the project's setup installs) into a temporary folder deleted
/// when the test process ends, once per kind and <c>seed</c>: a different seed gives different bytes, i.e. another
/// checksum, so test classes that store the same kind of file (and its clean copy) each pass their own. Every picture
/// is two halves of known colours, so that a test can tell from a thumbnail's top rows whether it is upright: the top
/// half as displayed is <see cref="Top"/> red, the bottom <see cref="Bottom"/> blue. The <c>Tagged…</c> files carry the
/// metadata a guest's phone or editor leaves (dates, places, encoder and handler names, titles, chapters, all marked
/// <see cref="Secret"/>), and the checks below (<see cref="AssertNoMetadataAsync"/>) say a cleaned file has none of it.
/// </summary>
public static class VideoFixtures
{
    public const string Place = "+48.8584+002.2945/";
    public const string Secret = "Secret";

    /// <summary>The colour of the top half of every fixture's picture as a player displays it (RGB).</summary>
    public static readonly (int R, int G, int B) Top = (255, 0, 0);
    public static readonly (int R, int G, int B) Bottom = (0, 0, 255);

    /// <summary>The creation_time of <see cref="H264Mp4"/> (UTC).</summary>
    public static readonly DateTime H264TakenAt = new(2024, 5, 1, 10, 20, 30, DateTimeKind.Utc);
    public const double H264Latitude = 48.8584, H264Longitude = 2.2945;

    /// <summary>The wall-clock time of <see cref="HevcMov"/>'s Apple creationdate (2024-05-01T12:20:30+0200, offset dropped).</summary>
    public static readonly DateTime HevcTakenAt = new(2024, 5, 1, 12, 20, 30);
    public const double HevcLatitude = 37.7858, HevcLongitude = -122.4064;
    public const string HevcMake = "Apple", HevcModel = "iPhone 15 Pro";

    private static readonly string Folder = Path.Combine(Path.GetTempPath(), $"photoapi-video-fixtures-{Environment.ProcessId}-{Guid.NewGuid():N}"[..60]);
    private static readonly ConcurrentDictionary<string, Lazy<string>> Made = new();

    static VideoFixtures() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try { if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true); }
        catch (IOException) { } // a file still open: the temp folder's own cleaning takes it
    };

    /// <summary>H.264 + AAC in MP4 (index first), 640×360, 3 s at 25 fps, with creation_time and a location (ISO 6709): plays as it is.</summary>
    public static string H264Mp4(string seed = "") => Make("h264.mp4", seed, (dir, path) =>
        Ffmpeg(dir, [.. Halves(640, 360, vertical: true, 3), .. Sine(3), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-metadata", "creation_time=2024-05-01T10:20:30Z", "-metadata", "location=+48.8584+002.2945/",
            "-metadata", $"comment={seed}", "-movflags", "+faststart", "-shortest", path]));

    /// <summary>
    /// HEVC + AAC in QuickTime .mov as an iPhone records portrait video: 640×360 frames with a display matrix that turns
    /// them to 360×640 (the remux's <c>rotate=90</c> tag, which ffmpeg 5.1 turns into a matrix it applies
    /// counter-clockwise: ffprobe's clockwise rotation reads 270), and Apple's mdta keys: make, model, location and a
    /// creation date with its zone offset.
    /// </summary>
    public static string HevcMov(string seed = "") => Make("hevc.mov", seed, (dir, path) =>
    {
        var encoded = Path.Combine(dir, "hevc-unrotated.mov");
        // Stored frame: left half blue, right half red; turned a quarter counter-clockwise, red is on top.
        Ffmpeg(dir, [.. Halves(640, 360, vertical: false, 3, first: "blue", second: "red"), .. Sine(3), "-c:v", "libx265", "-preset", "ultrafast",
            "-x265-params", "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-f", "mov", encoded]);
        Ffmpeg(dir, ["-i", encoded, "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=90", "-movflags", "use_metadata_tags",
            "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 15 Pro",
            "-metadata", "com.apple.quicktime.location.ISO6709=+37.7858-122.4064+012.345/",
            "-metadata", "com.apple.quicktime.creationdate=2024-05-01T12:20:30+0200", "-metadata", "creation_time=2024-05-01T10:20:30Z",
            "-metadata", $"comment={seed}", "-f", "mov", path]);
        File.Delete(encoded);
    });

    /// <summary>VP9 + Opus in WebM, 640×360, 3 s.</summary>
    public static string Vp9Webm(string seed = "") => Make("vp9.webm", seed, (dir, path) =>
        Ffmpeg(dir, [.. Halves(640, 360, vertical: true, 3), .. Sine(3), "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
            "-b:v", "300k", "-c:a", "libopus", "-metadata", $"comment={seed}", "-shortest", path]));

    /// <summary>
    /// H.264 + AAC in MP4, 320×240, 2 s, with everything an editor leaves: creation_time, a location, an encoder tag,
    /// handler names, a title and a chapter (a QuickTime text track), in mdta keys; ffmpeg's AAC names itself
    /// ("Lavc59…") in its first frame.
    /// </summary>
    public static string TaggedH264Mp4(string seed = "") => Make("tagged.mp4", seed, (dir, path) =>
        Ffmpeg(dir, [.. Halves(320, 240, vertical: true, 2), .. Sine(2), "-i", Chapters(path), "-map", "0", "-map", "1",
            "-map_metadata", "2", "-map_chapters", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            .. Tags(seed), "-metadata", $"encoder={Secret}Encoder", "-metadata:s:v", $"handler_name={Secret}VideoHandler",
            "-metadata:s:a", $"handler_name={Secret}AudioHandler", "-movflags", "use_metadata_tags", path]));

    /// <summary>VP9 + Opus in WebM, 320×240, 2 s, with a title, date, location, stream title and handler name, and a chapter.</summary>
    public static string TaggedVp9Webm(string seed = "") => Make("tagged.webm", seed, (dir, path) =>
        Ffmpeg(dir, [.. Halves(320, 240, vertical: true, 2), .. Sine(2), "-i", Chapters(path), "-map", "0", "-map", "1",
            "-map_chapters", "2", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-c:a", "libopus",
            .. Tags(seed), "-metadata:s:v", $"title={Secret}StreamTitle", "-metadata:s:v", $"handler_name={Secret}VideoHandler", path]));

    /// <summary>
    /// VP9 + Vorbis in WebM, 320×240, 2 s, whose Vorbis comment header (Matroska's CodecPrivate, which neither ffprobe
    /// nor exiftool show) holds <c>LOCATION=+48.8584…</c> besides libvorbis' vendor string ("Xiph.Org libVorbis…"):
    /// ffmpeg writes only its own <c>encoder=Lavc…</c> comment there, which is overwritten in place (same length, so
    /// every size field stays right; no CRC-32 elements to break).
    /// </summary>
    public static string VorbisWebm(string seed = "") => Make("vorbis.webm", seed, (dir, path) =>
    {
        Ffmpeg(dir, [.. Halves(320, 240, vertical: true, 2), .. Sine(2), "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
            "-b:v", "300k", "-c:a", "libvorbis", "-metadata", $"comment={seed}", "-write_crc32", "0", "-shortest", path]);
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf("encoder=Lavc"u8);
        if (at < 4) throw new InvalidOperationException("No encoder comment in the Vorbis header.");
        var length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at - 4, 4));
        var comment = ("LOCATION=" + Place).PadRight(length, '0')[..length];
        System.Text.Encoding.ASCII.GetBytes(comment).CopyTo(bytes, at);
        File.WriteAllBytes(path, bytes);
    });

    /// <summary>MPEG-4 part 2 video and MP3 in AVI, 320×240, 2 s, with a title and an artist: codecs that must be transcoded.</summary>
    public static string Mpeg4Avi(string seed = "") => Make("old.avi", seed, (dir, path) =>
        Ffmpeg(dir, [.. Halves(320, 240, vertical: true, 2), .. Sine(2), "-c:v", "mpeg4", "-c:a", "mp3",
            "-metadata", $"title={Secret} title", "-metadata", $"artist={Secret}Artist", "-metadata", $"comment={seed}", "-shortest", path]));

    private static string[] Tags(string seed) =>
        ["-metadata", $"title={Secret} title", "-metadata", "creation_time=2021-06-05T10:20:30Z", "-metadata", $"location={Place}",
            "-metadata", $"comment={seed}"];

    /// <summary>An ffmetadata file of a title and one chapter, next to the fixture <paramref name="fixture"/> it is for.</summary>
    private static string Chapters(string fixture)
    {
        var path = fixture + ".chapters.txt";
        File.WriteAllText(path, $";FFMETADATA1\ntitle={Secret} title\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1000\ntitle={Secret} chapter\n");
        return path;
    }

    /// <summary>An H.264 MP4 whose index (moov, written last) was cut off with the second half of the file: no video can be read.</summary>
    public static string TruncatedMp4(string seed = "") => Make("truncated.mp4", seed, (dir, path) =>
    {
        var whole = Path.Combine(dir, "whole.mp4");
        Ffmpeg(dir, [.. Halves(640, 360, vertical: true, 3), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-metadata", $"comment={seed}", whole]);
        var bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        File.Delete(whole);
    });

    /// <summary>A zero-length file.</summary>
    public static string Empty() => Make("empty.mp4", "", (_, path) => File.WriteAllBytes(path, []));

    /// <summary>A Matroska file of 999 streams (one video, 998 silent PCM tracks): ffmpeg's own limit is 1000.</summary>
    public static string ManyStreams(string seed = "") => Make("many-streams.mkv", seed, (dir, path) =>
    {
        List<string> args = ["-f", "lavfi", "-i", "color=red:s=64x64:d=0.2:r=10", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "0.2", "-map", "0:v"];
        for (var i = 0; i < 998; i++) args.AddRange(["-map", "1:a"]);
        Ffmpeg(dir, [.. args, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "pcm_s16le", "-metadata", $"comment={seed}", "-f", "matroska", path]);
    });

    /// <summary>
    /// <see cref="H264Mp4"/> whose container says it lasts 4,294,967 s (about 50 days: the movie header's duration field
    /// set to 0xFFFFFFF0) while its 3 s of frames say otherwise.
    /// </summary>
    public static string LyingDuration(string seed = "") => Make("lying-duration.mp4", seed, (_, path) =>
    {
        var bytes = File.ReadAllBytes(H264Mp4("lie" + seed));
        var mvhd = bytes.AsSpan().IndexOf("mvhd"u8);
        if (mvhd < 0 || bytes[mvhd + 4] != 0) throw new InvalidOperationException("No version 0 mvhd box in the MP4.");
        bytes.AsSpan(mvhd + 20, 4).Fill(0xFF);
        bytes[mvhd + 23] = 0xF0;
        File.WriteAllBytes(path, bytes);
    });

    /// <summary>An HLS playlist named .mp4: it names segments on another host and a local file, which must never be read.</summary>
    public static string PlaylistAsMp4(string seed = "") => Make("playlist.mp4", seed, (_, path) =>
        File.WriteAllText(path, $"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://192.0.2.1/{seed}segment.ts\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"));

    /// <summary>Runs ffmpeg in <paramref name="dir"/> (throws with its log on failure).</summary>
    public static void Ffmpeg(string dir, IEnumerable<string> args)
    {
        string[] all = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. args];
        var (code, _, err) = Run("ffmpeg", all, dir);
        if (code != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', all)} failed: {err}");
    }

    /// <summary>Runs ffprobe's JSON output of <paramref name="path"/> (format and streams).</summary>
    public static JsonDocument Probe(string path, params string[] extra)
    {
        var (code, json, err) = Run("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", .. extra, path]);
        if (code != 0) throw new InvalidOperationException($"ffprobe could not read {path}: {err}");
        return JsonDocument.Parse(json);
    }

    /// <summary>Runs <paramref name="tool"/> to its end; its exit code and what it wrote.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, IEnumerable<string> args, string? dir = null)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (dir is not null) start.WorkingDirectory = dir;
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start (apt-get install ffmpeg).");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string tool, string[] args) => Task.Run(() => Run(tool, args));

    /// <summary>ffprobe's JSON (format, streams, chapters) of a file.</summary>
    public static async Task<JsonElement> ProbeAsync(string path)
    {
        using var json = await Task.Run(() => Probe(path, "-show_chapters"));
        return json.RootElement.Clone();
    }

    /// <summary>exiftool's every tag, as "Group:Tag" → value text.</summary>
    public static async Task<Dictionary<string, string>> ExiftoolAsync(string path)
    {
        var (code, json, err) = await RunAsync("exiftool", ["-j", "-a", "-G1", "-ee", path]);
        Assert.True(code == 0, $"exiftool failed: {err}");
        return JsonDocument.Parse(json).RootElement[0].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
    }

    /// <summary>
    /// The tags ffmpeg's muxers write on their own in bitexact mode, which say nothing about the guest or the file's
    /// origin: MP4's brands, handler and vendor fields, Matroska's durations, the muxer's name ("Lavf", no version).
    /// </summary>
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

    /// <summary>The top-level boxes of an MP4 file, in order (ftyp, moov, mdat…).</summary>
    public static List<string> TopLevelBoxes(byte[] mp4)
    {
        var boxes = new List<string>();
        long at = 0;
        while (at + 8 <= mp4.Length)
        {
            long size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(mp4.AsSpan((int)at, 4));
            boxes.Add(System.Text.Encoding.ASCII.GetString(mp4, (int)at + 4, 4));
            if (size == 1) size = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(mp4.AsSpan((int)at + 8, 8));
            else if (size == 0) break;
            if (size < 8) throw new InvalidOperationException("Bad box size.");
            at += size;
        }
        return boxes;
    }

    private static string[] Halves(int width, int height, bool vertical, double seconds, string first = "red", string second = "blue")
    {
        var (w, h) = vertical ? (width, height / 2) : (width / 2, height);
        var d = seconds.ToString(CultureInfo.InvariantCulture);
        return ["-f", "lavfi", "-i", $"color={first}:s={w}x{h}:d={d}:r=25[a];color={second}:s={w}x{h}:d={d}:r=25[b];[a][b]{(vertical ? "vstack" : "hstack")}"];
    }

    private static string[] Sine(double seconds) =>
        ["-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds.ToString(CultureInfo.InvariantCulture)}"];

    private static string Make(string name, string seed, Action<string, string> make) =>
        Made.GetOrAdd(seed + "/" + name, _ => new Lazy<string>(() =>
        {
            var dir = Path.Combine(Folder, seed.Length == 0 ? "_" : seed);
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, name);
            make(dir, path);
            return path;
        })).Value;
}
