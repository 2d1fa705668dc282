using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PhotoApi.Testing;
using PhotoApi.Workers.Jobs.Sweeper;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Tests.Video;

/// <summary>
/// The limits a hostile file meets in the worker's ffmpeg runs, on the real tools: a run that writes past
/// <see cref="VideoOptions.MaxOutputBytes"/> is stopped and the video refused with a reason; one that floods its output
/// is refused at once, not at its time limit; the worker does not start without prlimit; leftover work directories are
/// deleted when old, live-looking ones are kept.
/// </summary>
public sealed class FfmpegLimitsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("photoapi-limits-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static FfmpegRunner Runner(VideoOptions o) => new(Options.Create(o));

    [Fact]
    public async Task A_transcode_that_would_write_more_than_the_output_limit_is_stopped_and_the_video_refused()
    {
        var options = new VideoOptions { MaxOutputBytes = 8 * 1024 };
        var source = VideoFixtures.HevcMov();
        var info = await new VideoProbe(Runner(options)).ProbeAsync(source, CancellationToken.None);
        var output = Path.Combine(_dir, "playback.mp4");

        var e = await Assert.ThrowsAsync<VideoRejectedException>(() =>
            new PlaybackTranscoder(Runner(options)).WriteAsync(source, info, output, CancellationToken.None));

        Assert.Contains("larger than the worker writes", e.Message);
        // The kernel stopped the write at the limit: nothing larger is on disk.
        Assert.True(!File.Exists(output) || new FileInfo(output).Length <= options.MaxOutputBytes);
    }

    [Fact]
    public async Task The_same_transcode_within_the_limit_succeeds()
    {
        var options = new VideoOptions();
        var source = VideoFixtures.HevcMov();
        var info = await new VideoProbe(Runner(options)).ProbeAsync(source, CancellationToken.None);
        var output = Path.Combine(_dir, "playback.mp4");

        await new PlaybackTranscoder(Runner(options)).WriteAsync(source, info, output, CancellationToken.None);

        Assert.True(new FileInfo(output).Length > 8 * 1024); // what the limit above stops
    }

    [Fact]
    public async Task A_run_flooding_its_output_is_refused_at_once_not_when_its_time_limit_passes()
    {
        var runner = Runner(new VideoOptions());
        var clock = Stopwatch.StartNew();

        // Writes far past the bound, then keeps its log open for a minute (as a stuck ffprobe would).
        var e = await Assert.ThrowsAsync<VideoRejectedException>(() => runner.RunAsync("/bin/sh",
            ["-c", "head -c 1000000 /dev/zero; sleep 60"], TimeSpan.FromSeconds(60), 1024, CancellationToken.None));

        Assert.Contains("more than the worker reads", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"refused after {clock.Elapsed}");
    }

    [Fact]
    public async Task The_worker_refuses_to_start_without_prlimit()
    {
        var runner = Runner(new VideoOptions { PrlimitPath = Path.Combine(_dir, "no-prlimit") });

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => FfmpegStartupCheck.EnsureWorksAsync(runner, CancellationToken.None));

        Assert.Contains("prlimit", e.Message);
    }

    [Fact]
    public async Task The_startup_check_passes_on_debians_ffmpeg_with_prlimit_and_the_encoders_it_needs()
    {
        var version = await FfmpegStartupCheck.EnsureWorksAsync(Runner(new VideoOptions()), CancellationToken.None);

        Assert.StartsWith("5.", version);
    }

    [Fact]
    public void Leftover_work_directories_are_deleted_when_older_than_the_longest_run_and_younger_ones_kept()
    {
        var root = Directory.CreateTempSubdirectory("limits-root-").FullName;
        try
        {
            var old = Directory.CreateDirectory(Path.Combine(root, $"{WorkDirs.Prefix}playback-{Guid.NewGuid():N}"));
            File.WriteAllText(Path.Combine(old.FullName, "original"), "x");
            File.SetLastWriteTimeUtc(Path.Combine(old.FullName, "original"), DateTime.UtcNow.AddHours(-8));
            old.LastWriteTimeUtc = DateTime.UtcNow.AddHours(-8);
            // Created long ago, but a file in it is still being written: a live run.
            var live = Directory.CreateDirectory(Path.Combine(root, $"{WorkDirs.Prefix}clean-{Guid.NewGuid():N}"));
            File.WriteAllText(Path.Combine(live.FullName, "clean.mp4"), "x");
            live.LastWriteTimeUtc = DateTime.UtcNow.AddHours(-8);
            var young = Directory.CreateDirectory(Path.Combine(root, $"{WorkDirs.Prefix}request-{Guid.NewGuid():N}"));
            var other = Directory.CreateDirectory(Path.Combine(root, "someone-elses"));
            other.LastWriteTimeUtc = DateTime.UtcNow.AddHours(-8);

            var deleted = WorkDirs.DeleteLeftovers(TimeSpan.FromHours(7), NullLogger.Instance, root);

            Assert.Equal(1, deleted);
            Assert.False(Directory.Exists(old.FullName));
            Assert.True(Directory.Exists(live.FullName));
            Assert.True(Directory.Exists(young.FullName));
            Assert.True(Directory.Exists(other.FullName));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
