using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;

namespace PhotoApi.Workers.Video;

/// <summary>What one ffmpeg/ffprobe run gave back: its exit code, its standard output (bounded) and the end of its log.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string StderrTail)
{
    public bool Ok => ExitCode == 0;

    /// <summary>The last line of the tool's log: what a failure reason quotes.</summary>
    public string LastError => StderrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {ExitCode}";
}

/// <summary>
/// Runs ffmpeg and ffprobe on uploaded files, which are hostile input: arguments are passed as a list (never through a
/// shell), each run has a time limit after which its whole process tree is killed, its address space and the size of
/// any file it writes are capped with <c>prlimit --as --fsize</c> (util-linux; the startup check requires it) so a
/// crafted file can take neither the machine's memory nor its disk, standard output is read up to a bound (the process
/// is killed the moment it passes it), and only the tail of the log is kept. Thread-safe.
/// </summary>
public sealed class FfmpegRunner(IOptions<VideoOptions> options)
{
    private const int StderrTailBytes = 4096;

    /// <summary>How .NET reports a process the kernel stopped with SIGXFSZ (signal 25) for writing past <c>--fsize</c>.</summary>
    private const int KilledForFileSize = 128 + 25;

    public VideoOptions Options => options.Value;

    /// <summary>Runs ffprobe with <paramref name="args"/>.</summary>
    public Task<ToolResult> ProbeAsync(IReadOnlyList<string> args, TimeSpan timeout, int maxStdoutBytes, CancellationToken ct) =>
        RunAsync(Options.FfprobePath, args, timeout, maxStdoutBytes, ct);

    /// <summary>Runs ffmpeg with <paramref name="args"/> (logging at level error, never asking anything on stdin).</summary>
    public Task<ToolResult> FfmpegAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken ct) =>
        RunAsync(Options.FfmpegPath, ["-hide_banner", "-nostdin", "-loglevel", "error", .. args], timeout, 64 * 1024, ct);

    /// <exception cref="VideoRejectedException">The run took longer than <paramref name="timeout"/>, wrote more than
    /// <paramref name="maxStdoutBytes"/> to its output, or a file larger than <see cref="VideoOptions.MaxOutputBytes"/>
    /// (it was killed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired (the process was killed).</exception>
    public async Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> args, TimeSpan timeout, int maxStdoutBytes, CancellationToken ct)
    {
        var start = new ProcessStartInfo
        {
            FileName = Options.PrlimitPath,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // prlimit sets the limits and executes the tool in its own process: the limits hold for the tool alone.
        if (Options.MaxMemoryBytes > 0) start.ArgumentList.Add($"--as={Options.MaxMemoryBytes}");
        if (Options.MaxOutputBytes > 0) start.ArgumentList.Add($"--fsize={Options.MaxOutputBytes}");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(tool);
        foreach (var a in args) start.ArgumentList.Add(a);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start {tool} under {Options.PrlimitPath}: install Debian's ffmpeg and util-linux (deploy/dev.sh does).", e);
        }
        process.StandardInput.Close();

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        var stdout = new BoundedBuffer(maxStdoutBytes);
        var stderr = new TailBuffer(StderrTailBytes);
        var reading = Task.WhenAll(
            CopyAsync(process, process.StandardOutput.BaseStream, stdout, timer.Token),
            CopyAsync(process, process.StandardError.BaseStream, stderr, timer.Token));
        try
        {
            await reading;
            await process.WaitForExitAsync(timer.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or OutputTooLargeException)
        {
            Kill(process);
            ct.ThrowIfCancellationRequested();
            throw new VideoRejectedException(e is OutputTooLargeException
                ? "The file describes more than the worker reads (too many streams or tags)."
                : $"Reading the video took longer than {timeout.TotalSeconds:0} s.");
        }
        if (process.ExitCode == KilledForFileSize)
            throw new VideoRejectedException($"The video would make a file larger than the worker writes ({Options.MaxOutputBytes / (1024.0 * 1024 * 1024):0.##} GiB).");
        return new ToolResult(process.ExitCode, stdout.Text, stderr.Text);
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); process.WaitForExit(5000); }
        catch (InvalidOperationException) { } // already exited
    }

    /// <summary>
    /// Copies one of the process's outputs; when the bound trips, kills the process at once, so that the other reader
    /// ends too (its pipe closes) and the run is refused now rather than when its time limit passes.
    /// </summary>
    private static async Task CopyAsync(Process process, Stream from, ISink to, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        int n;
        try
        {
            while ((n = await from.ReadAsync(buffer, ct)) > 0) to.Write(buffer.AsSpan(0, n));
        }
        catch (OutputTooLargeException)
        {
            Kill(process);
            throw;
        }
    }

    private interface ISink { void Write(ReadOnlySpan<byte> bytes); }

    private sealed class OutputTooLargeException : Exception;

    private sealed class BoundedBuffer(int max) : ISink
    {
        private readonly List<byte> _bytes = [];
        public void Write(ReadOnlySpan<byte> bytes)
        {
            if (_bytes.Count + bytes.Length > max) throw new OutputTooLargeException();
            _bytes.AddRange(bytes);
        }
        public string Text => Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_bytes));
    }

    private sealed class TailBuffer(int max) : ISink
    {
        private byte[] _tail = [];
        public void Write(ReadOnlySpan<byte> bytes)
        {
            var joined = new byte[Math.Min(max, _tail.Length + bytes.Length)];
            var fromBytes = Math.Min(bytes.Length, joined.Length);
            var fromTail = joined.Length - fromBytes;
            _tail.AsSpan(_tail.Length - fromTail).CopyTo(joined);
            bytes[^fromBytes..].CopyTo(joined.AsSpan(fromTail));
            _tail = joined;
        }
        public string Text => Encoding.UTF8.GetString(_tail);
    }
}
