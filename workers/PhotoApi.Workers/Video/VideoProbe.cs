using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PhotoApi.Workers.Video;

/// <summary>What the worker read from a video's container and streams (ffprobe).</summary>
/// <param name="DurationSeconds">The container's duration (else the video stream's).</param>
/// <param name="Width">Width as displayed, i.e. after <paramref name="Rotation"/>.</param>
/// <param name="Height">Height as displayed.</param>
/// <param name="Rotation">Clockwise degrees a player turns the stored frames by (0, 90, 180, 270): phones record portrait
/// video as landscape frames with a display matrix.</param>
/// <param name="FrameRate">Frames per second (average, else nominal).</param>
/// <param name="VideoCodec">ffmpeg's codec name of the first video stream: h264, hevc, vp9, av1, prores…</param>
/// <param name="PixelFormat">Its pixel format (browsers play 8-bit 4:2:0, yuv420p).</param>
/// <param name="AudioCodec">The first audio stream's codec (aac, opus…); null when there is no sound.</param>
/// <param name="IsMp4">An ISO MP4 file (not a QuickTime .mov, Matroska or WebM).</param>
/// <param name="TakenAt">When it was recorded: Apple's <c>com.apple.quicktime.creationdate</c> as local wall-clock time
/// (the offset dropped, like a photo's EXIF date), else the container's <c>creation_time</c> (UTC).</param>
/// <param name="Latitude">From the ISO 6709 location tag (<c>com.apple.quicktime.location.ISO6709</c>, <c>location</c>).</param>
/// <param name="CameraMake">Apple's <c>com.apple.quicktime.make</c> (else a <c>make</c> tag).</param>
/// <param name="StreamCount">Streams in the container.</param>
public sealed record VideoInfo(
    double? DurationSeconds, int Width, int Height, int Rotation, double? FrameRate, string VideoCodec, string? PixelFormat,
    string? AudioCodec, bool IsMp4, DateTime? TakenAt, double? Latitude, double? Longitude, string? CameraMake, string? CameraModel,
    int StreamCount)
{
    /// <summary>The stored frame's width and height (before rotation).</summary>
    public (int Width, int Height) CodedSize => Rotation is 90 or 270 ? (Height, Width) : (Width, Height);
}

/// <summary>
/// Reads a video with ffprobe (JSON output, a time limit, demuxers limited to the video containers the API accepts and
/// protocols to local files, so a playlist posing as a video cannot make the worker fetch URLs or read other files) and
/// refuses what the worker will not work on: no video stream, too many streams, absurd dimensions or durations.
/// </summary>
public sealed partial class VideoProbe(FfmpegRunner ffmpeg)
{
    /// <summary>The demuxers the worker opens (MP4/MOV/M4V/3GP, Matroska/WebM, AVI), as ffmpeg's input options.</summary>
    public static readonly string[] InputOptions = ["-protocol_whitelist", "file", "-format_whitelist", "mov,matroska,webm,avi"];

    private const int MaxJsonBytes = 4 * 1024 * 1024;

    /// <summary>The worker's video settings (limits, playback encoding).</summary>
    public VideoOptions Options => ffmpeg.Options;

    /// <exception cref="VideoRejectedException">Not a video the worker accepts; the message says why.</exception>
    public async Task<VideoInfo> ProbeAsync(string path, CancellationToken ct)
    {
        var o = ffmpeg.Options;
        var result = await ffmpeg.ProbeAsync(
            ["-v", "error", "-hide_banner", .. InputOptions, "-print_format", "json", "-show_format", "-show_streams", "-i", path],
            o.ProbeTimeout, MaxJsonBytes, ct);
        if (!result.Ok) throw new VideoRejectedException("This file could not be read as a video: " + Clip(result.LastError));
        JsonDocument json;
        try { json = JsonDocument.Parse(result.Stdout); }
        catch (JsonException e) { throw new VideoRejectedException("This file could not be read as a video.", e); }
        using (json) return Read(json.RootElement, o);
    }

    internal static VideoInfo Read(JsonElement root, VideoOptions o)
    {
        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [];
        var format = root.TryGetProperty("format", out var f) ? f : default;
        if (streams.Count > o.MaxStreams)
            throw new VideoRejectedException($"The file has {streams.Count} streams; at most {o.MaxStreams} are accepted.");
        // Cover art is a "video" stream of one picture in MP4 and Matroska: not the video.
        var video = streams.FirstOrDefault(x => Str(x, "codec_type") == "video" && !IsAttachedPicture(x));
        if (video.ValueKind != JsonValueKind.Object) throw new VideoRejectedException("The file has no video stream.");
        var audio = streams.FirstOrDefault(x => Str(x, "codec_type") == "audio");

        var codedWidth = Int(video, "width");
        var codedHeight = Int(video, "height");
        if (codedWidth <= 0 || codedHeight <= 0) throw new VideoRejectedException("The video has no picture size.");
        if ((long)codedWidth * codedHeight > o.MaxPixels)
            throw new VideoRejectedException($"The video's frames ({codedWidth}×{codedHeight}) are larger than the {o.MaxPixels:N0} pixels accepted.");

        var duration = Seconds(format, "duration") ?? Seconds(video, "duration");
        if (duration is { } d && (d > o.MaxDurationSeconds || double.IsNaN(d)))
            throw new VideoRejectedException($"The video says it lasts {d:0} s; at most {o.MaxDurationSeconds:0} s are accepted.");

        var rotation = Rotation(video);
        var (width, height) = rotation is 90 or 270 ? (codedHeight, codedWidth) : (codedWidth, codedHeight);
        var tags = Tags(format);
        var (lat, lon) = Iso6709(tags.GetValueOrDefault("com.apple.quicktime.location.iso6709") ?? tags.GetValueOrDefault("location"));
        var brand = tags.GetValueOrDefault("major_brand")?.Trim();
        var isMp4 = Str(format, "format_name")?.Split(',').Contains("mp4") == true && brand is not null && brand != "qt";

        return new VideoInfo(duration, width, height, rotation, FrameRate(video), Str(video, "codec_name") ?? "unknown", Str(video, "pix_fmt"),
            audio.ValueKind == JsonValueKind.Object ? Str(audio, "codec_name") : null, isMp4, TakenAt(tags),
            lat, lon, Text(tags.GetValueOrDefault("com.apple.quicktime.make") ?? tags.GetValueOrDefault("make")),
            Text(tags.GetValueOrDefault("com.apple.quicktime.model") ?? tags.GetValueOrDefault("model")), streams.Count);
    }

    private static bool IsAttachedPicture(JsonElement stream) =>
        stream.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var p) && p.ValueKind == JsonValueKind.Number && p.GetInt32() == 1;

    /// <summary>Clockwise display rotation: the display matrix's (counter-clockwise) rotation, else the legacy <c>rotate</c> tag.</summary>
    private static int Rotation(JsonElement video)
    {
        double? degrees = null;
        if (video.TryGetProperty("side_data_list", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var side in list.EnumerateArray())
                if (side.TryGetProperty("rotation", out var r) && r.ValueKind == JsonValueKind.Number)
                    degrees = -r.GetDouble();
        if (degrees is null && Tags(video).GetValueOrDefault("rotate") is { } tag && double.TryParse(tag, CultureInfo.InvariantCulture, out var t))
            degrees = t;
        var quarter = (int)Math.Round((degrees ?? 0) / 90.0);
        return ((quarter % 4) + 4) % 4 * 90;
    }

    private static double? FrameRate(JsonElement video)
    {
        foreach (var name in new[] { "avg_frame_rate", "r_frame_rate" })
        {
            var parts = Str(video, name)?.Split('/');
            if (parts is [var n, var dd] && double.TryParse(n, CultureInfo.InvariantCulture, out var num)
                && double.TryParse(dd, CultureInfo.InvariantCulture, out var den) && den > 0 && num > 0 && num / den < 10_000)
                return Math.Round(num / den, 3);
        }
        return null;
    }

    private static DateTime? TakenAt(Dictionary<string, string> tags)
    {
        // Apple writes the local time with its offset (2024-05-01T12:20:30+0200): keep the wall clock, like a photo's EXIF date.
        if (tags.GetValueOrDefault("com.apple.quicktime.creationdate") is { } local
            && LocalDate().Match(local) is { Success: true } m
            && DateTime.TryParseExact(m.Groups[1].Value, "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var wall))
            return DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        if (tags.GetValueOrDefault("creation_time") is { } utc
            && DateTimeOffset.TryParse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            && at.Year > 1970) // muxers write 1970-01-01 or 1904-01-01 for "unknown"
            return DateTime.SpecifyKind(at.UtcDateTime, DateTimeKind.Unspecified);
        return null;
    }

    /// <summary>ISO 6709 decimal degrees as Apple and Android write them: <c>+37.7858-122.4064+012.345/</c>.</summary>
    internal static (double? Latitude, double? Longitude) Iso6709(string? value)
    {
        if (value is null || Iso6709Pattern().Match(value) is not { Success: true } m) return (null, null);
        var lat = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var lon = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        return lat is >= -90 and <= 90 && lon is >= -180 and <= 180 && !(lat == 0 && lon == 0) ? (lat, lon) : (null, null);
    }

    private static Dictionary<string, string> Tags(JsonElement e)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Object)
            foreach (var p in t.EnumerateObject())
                if (p.Value.ValueKind == JsonValueKind.String) tags[p.Name] = p.Value.GetString()!;
        return tags;
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : 0;

    private static double? Seconds(JsonElement e, string name) =>
        Str(e, name) is { } text && double.TryParse(text, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim() is var t && t.Length > 200 ? t[..200] : value.Trim();

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200];

    [GeneratedRegex(@"^([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)")]
    private static partial Regex Iso6709Pattern();

    [GeneratedRegex(@"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})")]
    private static partial Regex LocalDate();
}
