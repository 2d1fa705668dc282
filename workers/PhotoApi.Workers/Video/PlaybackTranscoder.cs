using System.Globalization;

namespace PhotoApi.Workers.Video;

/// <summary>
/// The web-playable copy of a video: H.264 (libx264, <see cref="VideoOptions.PlaybackPreset"/>/<see cref="VideoOptions.PlaybackCrf"/>,
/// yuv420p) scaled so the shorter side is at most <see cref="VideoOptions.PlaybackMaxHeight"/> (aspect kept, even
/// dimensions), AAC sound when the original has any, in MP4 with the index first (<c>+faststart</c>, so playback starts
/// before the whole file has arrived). Frames are turned upright while decoding and no display matrix is written, so
/// every player shows it the same way. No metadata at all: container and stream tags, chapters, encoder and handler
/// names are dropped (bitexact muxing and encoding), so the copy can be served to guests of links that hide metadata.
/// </summary>
public sealed class PlaybackTranscoder(FfmpegRunner ffmpeg)
{
    /// <summary>
    /// Whether browsers play the original as it is: H.264 with AAC sound (or none) in an MP4 file, 8-bit 4:2:0, shorter
    /// side at most <see cref="VideoOptions.PlaybackMaxHeight"/>. Everything else (HEVC, VP9, ProRes, QuickTime .mov,
    /// 10-bit, 4K) gets a copy.
    /// </summary>
    public static bool PlaysAsIs(VideoInfo info, VideoOptions o) =>
        info.VideoCodec == "h264" && info.AudioCodec is null or "aac" && info.IsMp4 && info.PixelFormat is "yuv420p" or "yuvj420p"
        && Math.Min(info.Width, info.Height) <= o.PlaybackMaxHeight;

    /// <summary>ffmpeg's arguments (after <c>-hide_banner -nostdin -loglevel error</c>) for the copy of <paramref name="input"/>.</summary>
    public static List<string> Arguments(string input, string output, VideoInfo info, VideoOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        List<string> args =
        [
            .. Input(input, o),
            "-map", "0:V:0", "-map", "0:a:0?", "-sn", "-dn",
            "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1", "-map_chapters", "-1",
            .. Encoding(o),
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
            "-movflags", "+faststart", "-f", "mp4",
        ];
        // A bound on what is written: the container's duration and a margin (a file lying about its length cannot make it run on).
        if (info.DurationSeconds is { } d) args.AddRange(["-t", (d + 2).ToString("0.###", inv)]);
        args.AddRange(["-y", output]);
        return args;
    }

    /// <summary>
    /// Opens <paramref name="path"/> with the worker's demuxers only, frames turned upright while decoding, and
    /// <c>-threads</c> as an <i>input</i> option: placed after <c>-i</c> it bounds only the encoder, and the decoder
    /// would start one thread per core (a big machine's count hits the process's memory cap).
    /// </summary>
    public static string[] Input(string path, VideoOptions o) =>
        [.. VideoProbe.InputOptions, "-autorotate", "1", "-threads", o.Threads.ToString(CultureInfo.InvariantCulture), "-i", path];

    /// <summary>
    /// The H.264/AAC encoding of every copy the worker makes (playback copies, and guests' videos the cleaner cannot
    /// copy): x264 High at the playback CRF and preset with <see cref="VideoOptions.Threads"/> threads, 8-bit 4:2:0, the
    /// shorter side at most <see cref="VideoOptions.PlaybackMaxHeight"/> (aspect kept, even sizes), x264's signature
    /// (its version and settings, an SEI message) dropped, stereo AAC at the playback bit rate. Frames arrive upright
    /// (<see cref="Input"/> autorotates), so the output has no display matrix.
    /// </summary>
    public static string[] Encoding(VideoOptions o)
    {
        var inv = CultureInfo.InvariantCulture;
        var max = o.PlaybackMaxHeight.ToString(inv);
        // After autorotation the frame is upright: the shorter of its sides is bounded, the other follows (-2: even, aspect kept).
        var scale = $"scale=w='if(gte(iw,ih),-2,min(iw,{max}))':h='if(gte(iw,ih),min(ih,{max}),-2)',"
                    + "scale=w='trunc(iw/2)*2':h='trunc(ih/2)*2',format=yuv420p";
        return
        [
            "-vf", scale,
            "-c:v", "libx264", "-preset", o.PlaybackPreset, "-crf", o.PlaybackCrf.ToString(inv), "-pix_fmt", "yuv420p",
            "-profile:v", "high", "-x264-params", $"threads={o.Threads.ToString(inv)}",
            "-bsf:v", "filter_units=remove_types=6",
            "-c:a", "aac", "-b:a", o.PlaybackAudioBitrate, "-ac", "2",
        ];
    }

    /// <summary>Writes the playback copy of <paramref name="input"/> to <paramref name="output"/>.</summary>
    /// <exception cref="VideoRejectedException">ffmpeg could not make it, or ran out of time.</exception>
    public async Task WriteAsync(string input, VideoInfo info, string output, CancellationToken ct)
    {
        var o = ffmpeg.Options;
        var result = await ffmpeg.FfmpegAsync(Arguments(input, output, info, o), o.ProcessTimeout(info.DurationSeconds), ct);
        if (!result.Ok || !File.Exists(output) || new FileInfo(output).Length == 0)
            throw new VideoRejectedException("No playable copy of this video could be made: " + Clip(result.LastError));
    }

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200];
}
