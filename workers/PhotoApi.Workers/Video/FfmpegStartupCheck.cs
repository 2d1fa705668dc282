using System.Text.RegularExpressions;

namespace PhotoApi.Workers.Video;

/// <summary>
/// The worker refuses to start without a usable ffmpeg (Debian's 5.1 has what it needs): better no worker than every
/// video failed. Checks that util-linux's prlimit is there (every run's limits are set with it: without it hostile files
/// would run unbounded), that ffmpeg and ffprobe run, the version is 5 or newer, and the encoders are there that playback
/// copies (H.264 by libx264, AAC) and the video cleaner (Opus by libopus, for WebM) need.
/// </summary>
public static partial class FfmpegStartupCheck
{
    /// <returns>The ffmpeg version, e.g. "5.1.9-0+deb12u1".</returns>
    public static async Task<string> EnsureWorksAsync(FfmpegRunner ffmpeg, CancellationToken ct)
    {
        if (!File.Exists(ffmpeg.Options.PrlimitPath))
            throw new InvalidOperationException(
                $"The worker runs ffmpeg under prlimit's memory and file-size limits and finds no {ffmpeg.Options.PrlimitPath}: install util-linux (Debian always has it).");
        var timeout = TimeSpan.FromSeconds(30);
        ToolResult version, encoders;
        try
        {
            version = await ffmpeg.FfmpegAsync(["-version"], timeout, ct);
            encoders = await ffmpeg.FfmpegAsync(["-encoders"], timeout, ct);
            var probe = await ffmpeg.ProbeAsync(["-version"], timeout, 64 * 1024, ct);
            if (!probe.Ok) throw new InvalidOperationException("ffprobe -version failed: " + probe.LastError);
        }
        catch (Exception e) when (e is InvalidOperationException or VideoRejectedException)
        {
            throw new InvalidOperationException("The worker needs Debian's ffmpeg and ffprobe (apt-get install ffmpeg; deploy/dev.sh does).", e);
        }
        var m = VersionPattern().Match(version.Stdout);
        if (!version.Ok || !m.Success) throw new InvalidOperationException("Could not read ffmpeg's version: " + version.LastError);
        if (int.Parse(m.Groups[2].Value) < 5) throw new InvalidOperationException($"ffmpeg {m.Groups[1].Value} is too old: the worker needs 5.0 or newer.");
        foreach (var encoder in new[] { "libx264", "aac", "libopus" })
            if (!Regex.IsMatch(encoders.Stdout, $@"^\s*\S+\s+{encoder}\s", RegexOptions.Multiline))
                throw new InvalidOperationException($"ffmpeg has no {encoder} encoder: install Debian's ffmpeg (its libavcodec has it).");
        return m.Groups[1].Value;
    }

    [GeneratedRegex(@"ffmpeg version n?((\d+)\.\S*)")]
    private static partial Regex VersionPattern();
}
