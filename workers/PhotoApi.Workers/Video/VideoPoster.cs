using System.Globalization;

namespace PhotoApi.Workers.Video;

/// <summary>
/// Writes one frame of a video as a PNG, for libvips to make the thumbnail and preview from (the frame file carries no
/// metadata, so neither do they). The frame is taken at about 10% of the duration — past fades from black and the
/// shaky start — or the first frame of clips shorter than <see cref="ShortClipSeconds"/>, and again the first frame when
/// seeking gives nothing (a truncated file whose index promises more than it has). ffmpeg's CLI autorotates while
/// decoding (the display matrix is applied, then dropped), so the frame is upright; <c>-autorotate</c> is passed anyway
/// so that no default can change that.
/// </summary>
public sealed class VideoPoster(FfmpegRunner ffmpeg)
{
    public const double ShortClipSeconds = 2;

    /// <summary>Where in <paramref name="info"/>'s video the poster frame is taken (seconds).</summary>
    public static double PosterTime(VideoInfo info) =>
        info.DurationSeconds is { } d && d >= ShortClipSeconds ? Math.Round(d * 0.1, 3) : 0;

    /// <summary>ffmpeg's arguments for a PNG of the frame at <paramref name="seconds"/> of <paramref name="input"/>.</summary>
    public static List<string> Arguments(string input, string output, double seconds, int threads)
    {
        var args = new List<string>();
        if (seconds > 0) args.AddRange(["-ss", seconds.ToString("0.###", CultureInfo.InvariantCulture)]);
        args.AddRange([.. VideoProbe.InputOptions, "-autorotate", "1", "-threads", threads.ToString(CultureInfo.InvariantCulture), "-i", input,
            // V: video streams that are not attached pictures (cover art).
            "-map", "0:V:0", "-an", "-sn", "-dn", "-map_metadata", "-1", "-frames:v", "1",
            "-c:v", "png", "-compression_level", "1", "-f", "image2", "-y", output]);
        return args;
    }

    /// <summary>Writes the poster frame of the video at <paramref name="input"/> (described by <paramref name="info"/>) to <paramref name="output"/>.</summary>
    /// <exception cref="VideoRejectedException">No frame could be decoded, or ffmpeg ran out of time.</exception>
    public async Task WriteAsync(string input, VideoInfo info, string output, CancellationToken ct)
    {
        var o = ffmpeg.Options;
        var at = PosterTime(info);
        var result = await ffmpeg.FfmpegAsync(Arguments(input, output, at, o.Threads), o.PosterTimeout, ct);
        if (Written(result, output)) return;
        if (at > 0)
        {
            // Seeking found nothing (the file ends before its index says): the first frame, then.
            File.Delete(output);
            result = await ffmpeg.FfmpegAsync(Arguments(input, output, 0, o.Threads), o.PosterTimeout, ct);
            if (Written(result, output)) return;
        }
        throw new VideoRejectedException("No frame of this video could be decoded: " + Clip(result.LastError));
    }

    private static bool Written(ToolResult result, string output) => result.Ok && File.Exists(output) && new FileInfo(output).Length > 0;

    private static string Clip(string text) => text.Length <= 200 ? text : text[..200];
}
