using System.Collections.Concurrent;
using System.Diagnostics;

namespace PhotoApi.Testing;

/// <summary>
/// Real video files made by ffmpeg (Debian's 5.1, which the project's setup installs) into a temporary folder, once per
/// test process and kind (and <c>seed</c>: a different seed gives different bytes, i.e. another checksum). Every picture
/// is two halves of known colours, so that a test can tell from a thumbnail's top rows whether it is upright: the top
/// half as displayed is <see cref="Top"/> red, the bottom <see cref="Bottom"/> blue.
/// </summary>
public static class VideoFixtures
{
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
            "-metadata", "com.apple.quicktime.creationdate=2024-05-01T12:20:30+0200", "-metadata", $"comment={seed}", "-f", "mov", path]);
        File.Delete(encoded);
    });

    /// <summary>VP9 + Opus in WebM, 640×360, 3 s.</summary>
    public static string Vp9Webm(string seed = "") => Make("vp9.webm", seed, (dir, path) =>
        Ffmpeg(dir, [.. Halves(640, 360, vertical: true, 3), .. Sine(3), "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
            "-b:v", "300k", "-c:a", "libopus", "-metadata", $"comment={seed}", "-shortest", path]));

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
        var start = new ProcessStartInfo("ffmpeg") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. args]) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start (apt-get install ffmpeg).");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {stderr.Result}");
    }

    /// <summary>Runs ffprobe's JSON output of <paramref name="path"/> (format and streams).</summary>
    public static System.Text.Json.JsonDocument Probe(string path, params string[] extra)
    {
        var start = new ProcessStartInfo("ffprobe") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in (string[])["-v", "error", "-print_format", "json", "-show_format", "-show_streams", .. extra, path]) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException("ffprobe failed: " + stderr);
        return System.Text.Json.JsonDocument.Parse(stdout.Result);
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
        var d = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ["-f", "lavfi", "-i", $"color={first}:s={w}x{h}:d={d}:r=25[a];color={second}:s={w}x{h}:d={d}:r=25[b];[a][b]{(vertical ? "vstack" : "hstack")}"];
    }

    private static string[] Sine(double seconds) =>
        ["-f", "lavfi", "-i", $"sine=frequency=440:duration={seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}"];

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
