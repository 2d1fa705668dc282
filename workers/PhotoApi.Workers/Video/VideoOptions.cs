namespace PhotoApi.Workers.Video;

/// <summary>
/// Limits and settings of the worker's video tools (configuration section "Video"). Uploaded videos are hostile input to
/// ffmpeg: every run has a time limit, a thread count and an address-space limit, and files past these limits are
/// failed with a reason instead of being worked on.
/// </summary>
public sealed class VideoOptions
{
    public string FfmpegPath { get; set; } = "ffmpeg";
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>How long ffprobe may read a file's headers.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long ffmpeg may take to write one poster frame.</summary>
    public TimeSpan PosterTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A transcode or remux may take this many times the video's duration (at least <see cref="MinProcessTimeout"/>, at most
    /// <see cref="MaxProcessTimeout"/>): a 2-core machine transcodes 1080p at about real time, so 10× leaves room for load.
    /// </summary>
    public double ProcessTimeoutPerSecond { get; set; } = 10;
    public TimeSpan MinProcessTimeout { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan MaxProcessTimeout { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Threads each ffmpeg run may use (<c>-threads</c>; also the x264 encoder's).</summary>
    public int Threads { get; set; } = 2;

    /// <summary>The address space an ffmpeg or ffprobe process may reserve (prlimit --as); 0 for no limit.</summary>
    public long MaxMemoryBytes { get; set; } = 3L * 1024 * 1024 * 1024;

    /// <summary>
    /// The largest file an ffmpeg run may write (<c>prlimit --fsize</c>: past it the kernel stops the process with
    /// SIGXFSZ and the run fails, instead of a disk filled by a crafted file that expands). 64 GiB, the API's default
    /// largest upload (<c>Uploads:MaxBytes</c>): a remux is about as large as its original, and a 1080p playback copy of
    /// the longest video taken (<see cref="MaxDurationSeconds"/>, 6 h at some 8 Mbit/s) is about 22 GB.
    /// </summary>
    public long MaxOutputBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>
    /// util-linux's prlimit, which applies the limits above to each run (always installed on Debian): the worker refuses
    /// to start without it (<see cref="FfmpegStartupCheck"/>) rather than run hostile files without limits.
    /// </summary>
    public string PrlimitPath { get; set; } = "/usr/bin/prlimit";

    /// <summary>Longer videos (as the container says) are refused.</summary>
    public double MaxDurationSeconds { get; set; } = 6 * 3600;

    /// <summary>Frames larger than this (width × height) are refused: 8K UHD is 33 million.</summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>Containers with more streams than this are refused (real cameras write 2 to 6).</summary>
    public int MaxStreams { get; set; } = 32;

    /// <summary>The playback copy's longest side is at most this many pixels of its shorter side (1080p).</summary>
    public int PlaybackMaxHeight { get; set; } = 1080;

    /// <summary>x264's constant rate factor for playback copies (lower is better and larger).</summary>
    public int PlaybackCrf { get; set; } = 23;

    /// <summary>x264's preset for playback copies: <c>veryfast</c> keeps a 2-core machine near real time.</summary>
    public string PlaybackPreset { get; set; } = "veryfast";

    /// <summary>The AAC bit rate of playback copies.</summary>
    public string PlaybackAudioBitrate { get; set; } = "160k";

    /// <summary>The time limit of a run that processes <paramref name="durationSeconds"/> of video.</summary>
    public TimeSpan ProcessTimeout(double? durationSeconds)
    {
        var scaled = TimeSpan.FromSeconds(Math.Min((durationSeconds ?? 0) * ProcessTimeoutPerSecond, MaxProcessTimeout.TotalSeconds));
        return scaled < MinProcessTimeout ? MinProcessTimeout : scaled;
    }
}

/// <summary>The file is not a video the worker accepts; <see cref="Exception.Message"/> is a short reason fit to show the uploader.</summary>
public sealed class VideoRejectedException(string reason, Exception? inner = null) : Exception(reason, inner);
