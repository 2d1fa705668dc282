using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Infrastructure.Errors;

/// <summary>
/// Kestrel refuses some requests before the app sees them — a <c>%00</c> in the path, a malformed request line or header,
/// headers too large or too slow — and answers them itself: a bare status, <c>Content-Length: 0</c>, <c>Connection: close</c>.
/// This connection middleware gives those answers the API's problem+json body. It watches what is written on each
/// connection: an answer written while no request of the app is in progress, shaped exactly like Kestrel's own, is
/// Kestrel's refusal and is rewritten; everything else passes through untouched. (With TLS terminated by Kestrel itself,
/// the bytes seen here are encrypted and nothing is rewritten.)
/// </summary>
public static class RejectedRequests
{
    public static void UseProblemRejections(this KestrelServerOptions kestrel) =>
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
        {
            var requests = new RequestsInProgress();
            connection.Features.Set(requests);
            connection.Transport = new Duplex(connection.Transport.Input, new RejectionWriter(connection.Transport.Output, requests));
            return next(connection);
        }));

    /// <summary>Marks the request as in progress on its connection until its response is complete (the app's first middleware).</summary>
    public static void Track(HttpContext ctx)
    {
        if (ctx.Features.Get<RequestsInProgress>() is not { } requests) return;
        requests.Begin();
        ctx.Response.OnCompleted(() =>
        {
            requests.End();
            return Task.CompletedTask;
        });
    }

    /// <summary>Kestrel's own answer to a refused request, as problem+json; null when <paramref name="written"/> is anything else.</summary>
    internal static byte[]? Rewrite(ReadOnlySpan<byte> written)
    {
        if (written.Length > 1024 || !(written.StartsWith("HTTP/1.1 "u8) || written.StartsWith("HTTP/1.0 "u8)) || !written.EndsWith("\r\n\r\n"u8))
            return null;
        var head = Encoding.ASCII.GetString(written[..^4]);
        var lines = head.Split("\r\n");
        if (lines[0].Length < 12 || !int.TryParse(lines[0].AsSpan(9, 3), out var status) || status is < 400 or > 599 ||
            !lines.Contains("Content-Length: 0") || !lines.Contains("Connection: close") || lines.Any(l => l.Length == 0))
            return null;
        var (code, detail) = status switch
        {
            413 or 414 or 431 => (ErrorCodes.RequestTooLarge, "The request line, its headers or its body are larger than this server accepts."),
            _ => (ErrorCodes.MalformedRequest,
                "The request is not valid HTTP for this server (for example a %00 or another invalid character in the path or a header)."),
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(ApiProblem.Create(status, code, detail), ProblemJson.Options);
        var answer = new StringBuilder();
        foreach (var line in lines.Where(l => l != "Content-Length: 0")) answer.Append(line).Append("\r\n");
        answer.Append("Content-Type: ").Append(ApiProblem.ContentType).Append("\r\n")
            .Append("X-Content-Type-Options: nosniff\r\n")
            .Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(answer.ToString()), .. body];
    }

    internal sealed class RequestsInProgress
    {
        private int _count;
        public bool None => Volatile.Read(ref _count) == 0;
        public void Begin() => Interlocked.Increment(ref _count);
        public void End() => Interlocked.Decrement(ref _count);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>Passes writes through while a request is in progress; between requests, holds them until flushed and rewrites a refusal.</summary>
    private sealed class RejectionWriter(PipeWriter inner, RequestsInProgress requests) : PipeWriter
    {
        private readonly ArrayBufferWriter<byte> _held = new(256);
        private bool _holding;

        private bool Hold() => _holding = _held.WrittenCount > 0 || requests.None;

        public override Memory<byte> GetMemory(int sizeHint = 0) => Hold() ? _held.GetMemory(sizeHint) : inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Hold() ? _held.GetSpan(sizeHint) : inner.GetSpan(sizeHint);

        public override void Advance(int bytes)
        {
            if (_holding) _held.Advance(bytes);
            else inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Release();
            return inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Release();
            inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            Release();
            return inner.CompleteAsync(exception);
        }

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes + _held.WrittenCount;

        private void Release()
        {
            if (_held.WrittenCount == 0) return;
            var written = _held.WrittenSpan;
            inner.Write(Rewrite(written) ?? written);
            _held.ResetWrittenCount();
        }
    }
}
