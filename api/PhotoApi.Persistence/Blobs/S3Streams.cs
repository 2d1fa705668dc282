using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace PhotoApi.Persistence.Blobs;

/// <summary>
/// A seekable read of one S3 object by Range GETs: a read at the position the open response is at goes on reading it; a
/// seek drops it, and the next read opens <c>bytes=position-</c>. ASP.NET's range processing seeks, then reads what it
/// needs, so serving a range fetches that range, never the whole object.
/// </summary>
internal sealed class S3ReadStream(IAmazonS3 s3, string bucket, string key, long length) : Stream
{
    private GetObjectResponse? _response;
    private long _responseAt = -1;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_position >= length || buffer.Length == 0) return 0;
        if (_response is null || _responseAt != _position)
        {
            Close(ref _response);
            _response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(_position, length - 1) }, ct);
            _responseAt = _position;
        }
        var read = await _response.ResponseStream.ReadAsync(buffer, ct);
        if (read == 0) throw new IOException($"S3 object {key} ended at {_position} of {length} bytes.");
        _position += read;
        _responseAt += read;
        return read;
    }

    private static void Close(ref GetObjectResponse? response)
    {
        response?.Dispose();
        response = null;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Close(ref _response);
        base.Dispose(disposing);
    }
}

/// <summary>Reads byte ranges of several objects one after another (a resumable upload's segments), forward only.</summary>
internal sealed class ConcatenatedReadStream(IAmazonS3 s3, string bucket, IReadOnlyList<(string Key, long From, long Length)> ranges) : Stream
{
    private int _next;
    private GetObjectResponse? _response;
    private long _left;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return 0;
        while (_left == 0)
        {
            _response?.Dispose();
            _response = null;
            if (_next == ranges.Count) return 0;
            var (key, from, length) = ranges[_next++];
            if (length == 0) continue;
            _response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(from, from + length - 1) }, ct);
            _left = length;
        }
        var read = await _response!.ResponseStream.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], ct);
        if (read == 0) throw new IOException("A staged segment ended before its length.");
        _left -= read;
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _response?.Dispose();
            _response = null;
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// The SDK's HTTP client with one addition: a Content-MD5 on DeleteObjects (<c>POST ?delete</c>). S3 requires an integrity
/// header there; SDK 4 sends a CRC32 (x-amz-checksum-crc32), which AWS takes but servers that predate flexible checksums
/// (Swift's s3api, older Ceph, ECS) refuse, and DeleteObjectsRequest has no member to set one. The header is not signed,
/// which SigV4 allows for it.
/// </summary>
internal sealed class ContentMd5HttpClientFactory : HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new ContentMd5Handler(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }))
        {
            Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(5),
        };

    private sealed class ContentMd5Handler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.Method == HttpMethod.Post && request.Content is { } content && content.Headers.ContentMD5 is null && IsDeleteObjects(request.RequestUri))
#pragma warning disable CA5351 // An integrity check S3 prescribes for this request, not a security measure.
                content.Headers.ContentMD5 = MD5.HashData(await content.ReadAsByteArrayAsync(ct));
#pragma warning restore CA5351
            return await base.SendAsync(request, ct);
        }

        private static bool IsDeleteObjects(Uri? uri) =>
            uri is not null && uri.Query.TrimStart('?').Split('&').Any(p => p == "delete" || p.StartsWith("delete=", StringComparison.Ordinal));
    }
}
