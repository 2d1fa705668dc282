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
/// (<c>+bitexact</c>), no H.264 SEI units (where encoders sign their work). H.264 in MP4 and VP8/VP9/AV1 in WebM have
/// their video copied as it is (nothing lost, seconds of work); a display matrix (how a phone says "portrait") is stream
/// side data, not a tag, and is kept, so the copy plays upright. The sound is <b>always</b> re-encoded (AAC in MP4, Opus
/// in WebM; cheap next to video): encoders leave their marks in audio bitstreams that no tag list shows — ffmpeg's AAC
/// names itself ("Lavc59.37.100") in its first frame, a Vorbis stream's comment header (Matroska's CodecPrivate, copied
/// byte for byte) holds a vendor string and any KEY=value comment, a LOCATION= too. Everything else — HEVC included, whose
/// hvcC box carries x265's name, version and full settings (which ffmpeg 5.1's <c>filter_units</c> cannot reach) and
/// whose SEI carry drones' telemetry — is transcoded to H.264/AAC in MP4 with the playback copies' encoding
/// (<see cref="PlaybackTranscoder.Encoding"/>), frames turned upright by ffmpeg's autorotation. What was encoded is then
/// copied once more, because ffmpeg names its own encoders in the streams it encodes.
/// </summary>
public sealed class VideoCleaner(FfmpegRunner ffmpeg, VideoProbe probe)
{
    /// <summary>Video copied into MP4. Not HEVC until the worker can rewrite its hvcC box (see the class summary).</summary>
    private static readonly string[] Mp4Video = ["h264"];
    private static readonly string[] WebmVideo = ["vp8", "vp9", "av1"];

    /// <summary>Cleans <paramref name="source"/> into a new file in <paramref name="workDirectory"/>; returns what it wrote and where.</summary>
    /// <exception cref="VideoRejectedException">ffprobe or ffmpeg refused the file, or it took too long; the message says why.</exception>
    public async Task<(string Path, CleanVideo Video)> CleanAsync(string source, string workDirectory, CancellationToken ct)
    {
        var info = await probe.ProbeAsync(source, ct);
        var o = ffmpeg.Options;
        var timeout = o.ProcessTimeout(info.DurationSeconds);
        // A file whose header lies about its length still cannot make ffmpeg write more than it said (or the maximum).
        var limit = Math.Min(o.MaxDurationSeconds, (info.DurationSeconds ?? o.MaxDurationSeconds) + 1);

        // Matroska (in ffmpeg 5.1) keeps no display matrix: a rotated VP9 is turned upright by transcoding instead.
        var format = WebmVideo.Contains(info.VideoCodec) && info.Rotation == 0 ? "webm" : "mp4";
        var remux = format == "webm" || Mp4Video.Contains(info.VideoCodec);
        string[] codecs = !remux ? PlaybackTranscoder.Encoding(o)
            : format == "webm" ? ["-c:v", "copy", "-c:a", "libopus", "-b:a", "128k"]
            : ["-c:v", "copy", "-c:a", "aac", "-b:a", o.PlaybackAudioBitrate];
        var encoded = Path.Combine(workDirectory, "encoded." + format);
        await RunAsync([.. PlaybackTranscoder.Input(source, o), .. Streams, .. Stripped, .. codecs, .. Bound(limit, o), "-f", format, encoded], timeout, ct);

        // Then copied once more: ffmpeg names the encoders it ran ("Lavc libx264", "Lavc libopus") in the streams' tags,
        // which only a copy leaves out. An H.264 encoder (x264 in cameras' and editors' files) writes its name, version
        // and settings into the stream as SEI units: they go, as they carry nothing a decoder needs.
        string[] units = format == "mp4" ? ["-bsf:v", "filter_units=remove_types=6"] : [];
        string[] muxer = format == "mp4" ? ["-movflags", "+faststart", "-f", "mp4"] : ["-f", "webm"];
        var output = Path.Combine(workDirectory, "clean." + format);
        try
        {
            await RunAsync([.. PlaybackTranscoder.Input(encoded, o), .. Streams, .. Stripped, "-c", "copy", .. units, .. Bound(limit, o), .. muxer, output],
                timeout, ct);
        }
        finally { File.Delete(encoded); }

        var written = await probe.ProbeAsync(output, ct);
        return (output, new CleanVideo(format, format == "mp4" ? "video/mp4" : "video/webm", written.VideoCodec, written.AudioCodec,
            written.DurationSeconds, written.Rotation, Remuxed: remux));
    }

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
