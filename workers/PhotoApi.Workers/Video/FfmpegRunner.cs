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
/// shell), each run has a time limit after which its whole process tree is killed, its address space is capped with
/// <c>prlimit --as</c> (util-linux) so a crafted file cannot take the machine's memory, standard output is read up to a
/// bound, and only the tail of the log is kept. Thread-safe.
/// </summary>
public sealed class FfmpegRunner(IOptions<VideoOptions> options)
{
    private const string Prlimit = "/usr/bin/prlimit";
    private const int StderrTailBytes = 4096;

    public VideoOptions Options => options.Value;

    /// <summary>Runs ffprobe with <paramref name="args"/>.</summary>
    public Task<ToolResult> ProbeAsync(IReadOnlyList<string> args, TimeSpan timeout, int maxStdoutBytes, CancellationToken ct) =>
        RunAsync(Options.FfprobePath, args, timeout, maxStdoutBytes, ct);

    /// <summary>Runs ffmpeg with <paramref name="args"/> (logging at level error, never asking anything on stdin).</summary>
    public Task<ToolResult> FfmpegAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken ct) =>
        RunAsync(Options.FfmpegPath, ["-hide_banner", "-nostdin", "-loglevel", "error", .. args], timeout, 64 * 1024, ct);

    /// <exception cref="VideoRejectedException">The run took longer than <paramref name="timeout"/> or wrote more than
    /// <paramref name="maxStdoutBytes"/> to its output (it was killed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired (the process was killed).</exception>
    public async Task<ToolResult> RunAsync(string tool, IReadOnlyList<string> args, TimeSpan timeout, int maxStdoutBytes, CancellationToken ct)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (Options.MaxMemoryBytes > 0 && File.Exists(Prlimit))
        {
            start.FileName = Prlimit;
            start.ArgumentList.Add($"--as={Options.MaxMemoryBytes}");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(tool);
        }
        else start.FileName = tool;
        foreach (var a in args) start.ArgumentList.Add(a);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start {tool}: install Debian's ffmpeg (deploy/dev.sh does).", e);
        }
        process.StandardInput.Close();

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        var stdout = new BoundedBuffer(maxStdoutBytes);
        var stderr = new TailBuffer(StderrTailBytes);
        var reading = Task.WhenAll(
            CopyAsync(process.StandardOutput.BaseStream, stdout, timer.Token),
            CopyAsync(process.StandardError.BaseStream, stderr, timer.Token));
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
        return new ToolResult(process.ExitCode, stdout.Text, stderr.Text);
    }

    private static void Kill(Process process)
    {
        try { process.Kill(entireProcessTree: true); process.WaitForExit(5000); }
        catch (InvalidOperationException) { } // already exited
    }

    private static async Task CopyAsync(Stream from, ISink to, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await from.ReadAsync(buffer, ct)) > 0) to.Write(buffer.AsSpan(0, n));
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
