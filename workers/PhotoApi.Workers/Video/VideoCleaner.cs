using System.Globalization;

namespace PhotoApi.Workers.Video;

/// <summary>What <see cref="VideoCleaner"/> wrote.</summary>
/// <param name="Format">"mp4" or "webm": also the file name's extension.</param>
/// <param name="Remuxed">The video stream was copied as it was (not re-encoded).</param>
public sealed record CleanVideo(string Format, string ContentType, string VideoCodec, string? AudioCodec, double? DurationSeconds, int Rotation,
    bool Remuxed)
{
    public string Extension => "." + Format;
}

/// <summary>
/// Writes a <b>new</b> file from a guest's video with none of its metadata: no container or stream tags (title, location,
/// creation time, Apple's <c>com.apple.quicktime.*</c> keys, encoder and handler names), no chapters, no data, timecode or
/// subtitle streams (only the first video and first audio stream are kept), zero dates in the MP4 boxes
/// (<c>+bitexact</c>). Streams browsers and the library know (H.264/HEVC + AAC → MP4, VP8/VP9/AV1 + Opus/Vorbis →
/// WebM) are copied as they are, so nothing is lost and it takes seconds; a display matrix (how a phone says "portrait")
/// is stream side data, not a tag, and is kept, so the copy plays upright. Anything else is transcoded to H.264/AAC in
/// MP4 like the playback copies (<see cref="VideoOptions"/>' Playback settings), frames turned upright by ffmpeg's
/// autorotation — and then remuxed once more, because ffmpeg names its own encoder in the streams it encodes.
/// </summary>
public sealed class VideoCleaner(FfmpegRunner ffmpeg, VideoProbe probe)
{
    private static readonly string[] Mp4Video = ["h264", "hevc"];
    private static readonly string[] Mp4Audio = ["aac"];
    private static readonly string[] WebmVideo = ["vp8", "vp9", "av1"];
    private static readonly string[] WebmAudio = ["opus", "vorbis"];

    /// <summary>Cleans <paramref name="source"/> into a new file in <paramref name="workDirectory"/>; returns what it wrote and where.</summary>
    /// <exception cref="VideoRejectedException">ffprobe or ffmpeg refused the file, or it took too long; the message says why.</exception>
    public async Task<(string Path, CleanVideo Video)> CleanAsync(string source, string workDirectory, CancellationToken ct)
    {
        var info = await probe.ProbeAsync(source, ct);
        var o = ffmpeg.Options;
        var timeout = o.ProcessTimeout(info.DurationSeconds);
        // A file whose header lies about its length still cannot make ffmpeg write more than it said (or the maximum).
        var limit = Math.Min(o.MaxDurationSeconds, (info.DurationSeconds ?? o.MaxDurationSeconds) + 1);

        string format;
        string input = source;
        bool copyAudio;
        // Matroska (in ffmpeg 5.1) keeps no display matrix: a rotated VP9 is turned upright by transcoding instead.
        if (WebmVideo.Contains(info.VideoCodec) && info.Rotation == 0)
        {
            format = "webm";
            copyAudio = info.AudioCodec is null || WebmAudio.Contains(info.AudioCodec);
        }
        else if (Mp4Video.Contains(info.VideoCodec))
        {
            format = "mp4";
            copyAudio = info.AudioCodec is null || Mp4Audio.Contains(info.AudioCodec);
        }
        else
        {
            format = "mp4";
            input = Path.Combine(workDirectory, "encoded.mp4");
            await RunAsync([.. Open(source), .. Streams, .. Stripped, .. TranscodeArguments(o), .. Bound(limit, o), "-f", "mp4", input], timeout, ct);
            copyAudio = true;
        }

        var output = Path.Combine(workDirectory, "clean." + format);
        string[] audio = copyAudio ? [] : format == "webm" ? ["-c:a", "libopus", "-b:a", "128k"] : ["-c:a", "aac", "-b:a", o.PlaybackAudioBitrate];
        string[] muxer = format == "mp4"
            ? [.. (info.VideoCodec == "hevc" ? ["-tag:v", "hvc1"] : Array.Empty<string>()), "-movflags", "+faststart", "-f", "mp4"]
            : ["-f", "webm"];
        await RunAsync([.. Open(input), .. Streams, .. Stripped, "-c", "copy", .. audio, .. Bound(limit, o), .. muxer, output], timeout, ct);

        var written = await probe.ProbeAsync(output, ct);
        return (output, new CleanVideo(format, format == "mp4" ? "video/mp4" : "video/webm", written.VideoCodec, written.AudioCodec,
            written.DurationSeconds, written.Rotation, Remuxed: ReferenceEquals(input, source)));
    }

    /// <summary>
    /// The H.264/AAC encoding of a web-playable copy: x264 at the playback CRF and preset, 8-bit 4:2:0, the shorter side at
    /// most <see cref="VideoOptions.PlaybackMaxHeight"/> (even sizes), AAC at the playback bit rate. Frames arrive upright
    /// (ffmpeg autorotates while decoding), so the output has no display matrix.
    /// </summary>
    public static string[] TranscodeArguments(VideoOptions o)
    {
        var max = o.PlaybackMaxHeight.ToString(CultureInfo.InvariantCulture);
        var scale = $"scale=w='trunc(iw*min(1,{max}/min(iw,ih))/2)*2':h='trunc(ih*min(1,{max}/min(iw,ih))/2)*2'";
        return ["-vf", scale, "-c:v", "libx264", "-preset", o.PlaybackPreset, "-crf", o.PlaybackCrf.ToString(CultureInfo.InvariantCulture),
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", o.PlaybackAudioBitrate];
    }

    private static string[] Open(string path) => [.. VideoProbe.InputOptions, "-i", path];

    /// <summary>The first real video stream (not cover art: <c>V</c>) and the first audio stream if any; nothing else.</summary>
    private static readonly string[] Streams = ["-map", "0:V:0", "-map", "0:a:0?", "-dn", "-sn"];

    /// <summary>
    /// No global, stream or chapter metadata copied; no dates, versions or muxer names written (bitexact); the handler
    /// names the MP4 muxer would otherwise copy set to its own generic ones ("VideoHandler", "SoundHandler").
    /// </summary>
    private static readonly string[] Stripped =
    [
        "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
        "-metadata:s:v", "handler_name=", "-metadata:s:a", "handler_name=", "-metadata:s:v", "vendor_id=", "-metadata:s:a", "vendor_id=",
        "-disposition:v:0", "default", "-disposition:a:0", "default",
        "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
    ];

    private static string[] Bound(double seconds, VideoOptions o) =>
        ["-t", seconds.ToString("0.###", CultureInfo.InvariantCulture), "-threads", o.Threads.ToString(CultureInfo.InvariantCulture)];

    private async Task RunAsync(string[] args, TimeSpan timeout, CancellationToken ct)
    {
        var result = await ffmpeg.FfmpegAsync(["-y", .. args], timeout, ct);
        if (!result.Ok) throw new VideoRejectedException("This file could not be read as a video: " + Clip(result.LastError));
    }

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200];
}
