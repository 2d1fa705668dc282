using System.Buffers;
using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace PhotoApi.Persistence.Blobs;

public sealed class S3BlobStoreOptions
{
    /// <summary>The endpoint of an S3-compatible server (MinIO, Ceph RGW, Swift's s3api, R2, B2…); empty for AWS itself.</summary>
    public string? ServiceUrl { get; set; }

    public string Region { get; set; } = "us-east-1";

    public string Bucket { get; set; } = "";

    /// <summary>Bucket in the path (<c>host/bucket/key</c>) rather than the host name: what most self-hosted servers want.</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>With <see cref="SecretKey"/>; when unset, the standard AWS chain (environment, profile, instance role) applies.</summary>
    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Prepended to every key (e.g. <c>photoapi/</c>), to share a bucket with something else.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>
    /// Size of the one part buffer each upload holds (MiB, at least 5: S3's smallest part but the last). It bounds an upload's
    /// memory whatever the file's size, and with S3's 10,000 parts the largest file (16 MiB: 156 GiB).
    /// </summary>
    public int PartSizeMiB { get; set; } = 16;
}

/// <summary>
/// The store on an S3-compatible object store, for several API and worker nodes. Keys are the content-addressed keys of
/// <see cref="BlobKeys"/> under <see cref="S3BlobStoreOptions.Prefix"/>; everything in flight lives under <c>.staging/</c>.
/// </summary>
/// <remarks>
/// <para><b>Uploads</b> stream through one part buffer of fixed size (hashed on the way): a file that fits in it is one
/// PutObject straight to its final key at commit (most photos and every thumbnail: no copy at all); a larger one is a
/// multipart upload to a staging key, completed at commit and then copied server side to its final key (CopyObject up to
/// 5 GiB, UploadPartCopy ranges above) and the staging object deleted. The final key is a hash known only once the last
/// byte is in, hence the staging key. An upload disposed without commit aborts its multipart upload; whatever a crash left
/// is swept by <see cref="PurgeStaleUploadsAsync"/> (stale staging objects, and multipart uploads never completed).</para>
/// <para><b>Resumable staging objects</b> (tus) are held as <i>segments</i>: each saved append is an object of its own,
/// <c>.staging/resumable/{key}/{offset:D19}</c>, named by the offset it starts at (a multipart upload of its own while
/// it streams, so an append of any size is constant memory too). Why not one multipart upload per staged object, each
/// append a part: S3 refuses parts under 5 MiB but the last, tus clients send chunks of any size (and a cut connection
/// ends a chunk anywhere), and a multipart upload cannot drop a part's tail, which a resumed append needs. A segment
/// holds the bytes from its offset up to the next segment's offset (or its own end): an append at the acknowledged
/// offset writes the segment of that name (replacing one an unacknowledged append may have left there) and, once
/// saved, deletes the segments beyond it, so what an append never saved is never read. Commit concatenates the first
/// <c>length</c> bytes server side into the final key: segments of 5 MiB or more become UploadPartCopy parts; smaller
/// ones (and the tops-ups that bring a part to 5 MiB) are read into one buffer of at most 5 MiB and uploaded as a part.
/// The segments stay until <see cref="DeleteStagedAsync"/> (the caller's record of the upload says when).
/// An empty marker segment at offset 0 is what <see cref="CreateStagedAsync"/> makes, so the object exists before its
/// first byte.</para>
/// <para>Against Swift's s3api (and other servers that do not speak S3's newer flexible checksums) the client sends and
/// checks checksums only where an operation requires one, sends plain (not aws-chunked) bodies, and adds the Content-MD5
/// that DeleteObjects requires (the SDK sends a CRC32 there, which AWS accepts and Swift does not).</para>
/// </remarks>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    internal const int MinPart = 5 * 1024 * 1024;
    private const long MaxCopyPart = 5L * 1024 * 1024 * 1024;
    private const int DeleteBatch = 1000;

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly int _partSize;

    public S3BlobStore(S3BlobStoreOptions options) : this(CreateClient(options), options) { }

    public S3BlobStore(IAmazonS3 client, S3BlobStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Bucket)) throw new InvalidOperationException("The S3 bucket is not set (Blobs:S3:Bucket).");
        if (options.PartSizeMiB is < 5 or > 1024) throw new InvalidOperationException("Blobs:S3:PartSizeMiB must be between 5 and 1024.");
        _s3 = client;
        _bucket = options.Bucket;
        _prefix = options.Prefix ?? "";
        _partSize = options.PartSizeMiB * 1024 * 1024;
    }

    /// <summary>A client configured for S3-compatible servers (see the remarks of <see cref="S3BlobStore"/>).</summary>
    public static AmazonS3Client CreateClient(S3BlobStoreOptions options)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            HttpClientFactory = new ContentMd5HttpClientFactory(),
            AuthenticationRegion = options.Region,
        };
        if (!string.IsNullOrWhiteSpace(options.ServiceUrl)) config.ServiceURL = options.ServiceUrl;
        else config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(options.Region);
        return string.IsNullOrEmpty(options.AccessKey)
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public void Dispose() => _s3.Dispose();

    // ---------------------------------------------------------------- keys

    private string ObjectKey(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Contains("..", StringComparison.Ordinal) || key.StartsWith('/') || key.StartsWith(".staging", StringComparison.Ordinal))
            throw new ArgumentException($"Not a blob key: {key}", nameof(key));
        return _prefix + key;
    }

    private string UploadsPrefix => _prefix + ".staging/uploads/";

    private string SegmentsPrefix(string stagingKey) =>
        stagingKey.Length == 32 && stagingKey.All(char.IsAsciiHexDigitLower) ? $"{_prefix}.staging/resumable/{stagingKey}/"
            : throw new ArgumentException($"Not a staging key: {stagingKey}", nameof(stagingKey));

    private static string SegmentName(long offset) => offset.ToString("D19", CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- committed blobs

    public Task<IBlobUpload> BeginUploadAsync(CancellationToken ct) =>
        Task.FromResult<IBlobUpload>(new S3Upload(this, UploadsPrefix + Guid.NewGuid().ToString("N")));

    public async Task<Stream> OpenReadAsync(string key, CancellationToken ct)
    {
        var objectKey = ObjectKey(key);
        var length = await LengthAsync(objectKey, ct) ?? throw new FileNotFoundException($"No blob {key}.", key);
        return new S3ReadStream(_s3, _bucket, objectKey, length);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct) => await LengthAsync(ObjectKey(key), ct) is not null;

    public Task DeleteAsync(string key, CancellationToken ct) =>
        _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = ObjectKey(key) }, ct);

    public string? LocalPath(string key) => null;

    private async Task<long?> LengthAsync(string objectKey, CancellationToken ct)
    {
        try
        {
            var head = await _s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _bucket, Key = objectKey }, ct);
            return head.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Staging objects of plain uploads older than <paramref name="age"/>, and multipart uploads (plain uploads, appends
    /// of resumable ones) started before it and never completed: what crashed processes left. Segments of resumable
    /// uploads stay: their rows decide when they go.
    /// </summary>
    public async Task<int> PurgeStaleUploadsAsync(TimeSpan age, CancellationToken ct)
    {
        var before = DateTime.UtcNow - age;
        var stale = new List<string>();
        await foreach (var o in ListAsync(UploadsPrefix, ct))
            if (o.LastModified is { } modified && modified.ToUniversalTime() < before) stale.Add(o.Key);
        await DeleteManyAsync(stale, ct);
        var aborted = 0;
        foreach (var (key, uploadId) in await MultipartUploadsAsync(_prefix + ".staging/", before, ct))
        {
            await AbortQuietlyAsync(key, uploadId);
            aborted++;
        }
        return stale.Count + aborted;
    }

    private async Task<List<(string Key, string UploadId)>> MultipartUploadsAsync(string prefix, DateTime? startedBefore, CancellationToken ct)
    {
        var found = new List<(string, string)>();
        var request = new ListMultipartUploadsRequest { BucketName = _bucket, Prefix = prefix };
        while (true)
        {
            var page = await _s3.ListMultipartUploadsAsync(request, ct);
            foreach (var u in page.MultipartUploads ?? [])
                if (startedBefore is null || u.Initiated is { } initiated && initiated.ToUniversalTime() < startedBefore) found.Add((u.Key, u.UploadId));
            if (page.IsTruncated != true) return found;
            request.KeyMarker = page.NextKeyMarker;
            request.UploadIdMarker = page.NextUploadIdMarker;
        }
    }

    private async IAsyncEnumerable<S3Object> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var request = new ListObjectsV2Request { BucketName = _bucket, Prefix = prefix };
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, ct);
            foreach (var o in page.S3Objects ?? []) yield return o;
            if (page.IsTruncated != true) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <summary>Deletes objects a thousand per request (DeleteObjects), not one request each.</summary>
    internal async Task DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken ct)
    {
        for (var i = 0; i < keys.Count; i += DeleteBatch)
        {
            var batch = keys.Skip(i).Take(DeleteBatch).Select(k => new KeyVersion { Key = k }).ToList();
            var response = await _s3.DeleteObjectsAsync(new DeleteObjectsRequest { BucketName = _bucket, Objects = batch, Quiet = true }, ct);
            if (response.DeleteErrors is { Count: > 0 } errors)
                throw new IOException($"S3 refused to delete {errors.Count} objects, e.g. {errors[0].Key}: {errors[0].Code} {errors[0].Message}");
        }
    }

    private async Task AbortQuietlyAsync(string objectKey, string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = objectKey, UploadId = uploadId }, CancellationToken.None);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Already gone (completed or aborted by another process).
        }
    }

    /// <summary>Copies an object server side (no byte passes through this process); UploadPartCopy ranges above 5 GiB.</summary>
    private async Task CopyAsync(string from, long length, string to, CancellationToken ct)
    {
        if (length <= MaxCopyPart)
        {
            await _s3.CopyObjectAsync(new CopyObjectRequest { SourceBucket = _bucket, SourceKey = from, DestinationBucket = _bucket, DestinationKey = to }, ct);
            return;
        }
        var composer = new Composer(this, to);
        try
        {
            await composer.AddRangeAsync(from, 0, length, ct);
            await composer.CompleteAsync(ct);
        }
        finally
        {
            await composer.DisposeAsync();
        }
    }

    // ---------------------------------------------------------------- resumable staging objects

    public async Task<string> CreateStagedAsync(CancellationToken ct)
    {
        var key = Guid.NewGuid().ToString("N");
        await _s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = _bucket, Key = SegmentsPrefix(key) + SegmentName(0), InputStream = new MemoryStream([], false), UseChunkEncoding = false,
        }, ct);
        return key;
    }

    public async Task<IStagedAppend> AppendStagedAsync(string stagingKey, long offset, CancellationToken ct)
    {
        var segments = await SegmentsAsync(stagingKey, ct);
        if (segments.Count == 0) throw new FileNotFoundException($"No staged object {stagingKey}.", stagingKey);
        var held = Contiguous(segments.Where(s => s.Offset < offset).ToList(), long.MaxValue).Sum(r => r.Length);
        if (held < offset) throw new InvalidOperationException($"Staged object {stagingKey} holds {held} bytes, fewer than the {offset} acknowledged.");
        return new S3Append(this, stagingKey, offset);
    }

    public async Task<Stream> OpenStagedReadAsync(string stagingKey, CancellationToken ct)
    {
        var segments = await SegmentsAsync(stagingKey, ct);
        if (segments.Count == 0) throw new FileNotFoundException($"No staged object {stagingKey}.", stagingKey);
        return new ConcatenatedReadStream(_s3, _bucket, Contiguous(segments, long.MaxValue).Select(r => (r.Key, r.From, r.Length)).ToList());
    }

    public async Task CommitStagedAsync(string stagingKey, long length, string key, CancellationToken ct)
    {
        var segments = await SegmentsAsync(stagingKey, ct);
        if (segments.Count == 0) throw new FileNotFoundException($"No staged object {stagingKey}.", stagingKey);
        var ranges = Contiguous(segments, length);
        var held = ranges.Sum(r => r.Length);
        if (held < length) throw new InvalidOperationException($"Staged object {stagingKey} holds {held} bytes, fewer than the {length} to commit.");
        var target = ObjectKey(key);
        if (ranges is [var only] && only.From == 0 && only.Length == only.Size)
            await CopyAsync(only.Key, only.Length, target, ct);
        else
        {
            var composer = new Composer(this, target);
            try
            {
                foreach (var r in ranges) await composer.AddRangeAsync(r.Key, r.From, r.Length, ct);
                await composer.CompleteAsync(ct);
            }
            finally
            {
                await composer.DisposeAsync();
            }
        }
        // The segments stay (the target is a copy): DeleteStagedAsync takes them once the upload is recorded complete.
    }

    public async Task DeleteStagedAsync(string stagingKey, CancellationToken ct)
    {
        var prefix = SegmentsPrefix(stagingKey);
        foreach (var (objectKey, uploadId) in await MultipartUploadsAsync(prefix, null, ct)) await AbortQuietlyAsync(objectKey, uploadId);
        await DeleteManyAsync(await ListAsync(prefix, ct).Select(o => o.Key).ToListAsync(ct), ct);
    }

    public async Task<IReadOnlyList<StagedObject>> ListStagedAsync(CancellationToken ct)
    {
        // A staging object is its segments: written last when its newest segment was.
        var prefix = _prefix + ".staging/resumable/";
        var newest = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        await foreach (var o in ListAsync(prefix, ct))
        {
            var slash = o.Key.IndexOf('/', prefix.Length);
            if (slash < 0 || o.LastModified is not { } modified) continue;
            var key = o.Key[prefix.Length..slash];
            var at = modified.ToUniversalTime();
            newest[key] = newest.TryGetValue(key, out var seen) && seen > at ? seen : at;
        }
        return newest.Select(n => new StagedObject(n.Key, n.Value)).ToList();
    }

    private sealed record Segment(string Key, long Offset, long Size);

    /// <summary>A byte range of one object: <paramref name="Length"/> bytes from <paramref name="From"/> of an object of <paramref name="Size"/>.</summary>
    private sealed record ObjectRange(string Key, long From, long Length, long Size);

    private async Task<List<Segment>> SegmentsAsync(string stagingKey, CancellationToken ct)
    {
        var prefix = SegmentsPrefix(stagingKey);
        var segments = new List<Segment>();
        await foreach (var o in ListAsync(prefix, ct))
            if (long.TryParse(o.Key.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                segments.Add(new Segment(o.Key, offset, o.Size ?? 0));
        segments.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        return segments;
    }

    /// <summary>
    /// The staged bytes as ranges of segments, up to <paramref name="limit"/> bytes: each segment from its offset up to the
    /// next one's (a later append replaced what follows), stopping at a gap (bytes no saved append holds).
    /// </summary>
    private static List<ObjectRange> Contiguous(List<Segment> segments, long limit)
    {
        var ranges = new List<ObjectRange>();
        long at = 0;
        for (var i = 0; i < segments.Count && at < limit; i++)
        {
            var s = segments[i];
            if (s.Offset > at) break;
            var end = Math.Min(s.Offset + s.Size, limit);
            if (i + 1 < segments.Count) end = Math.Min(end, segments[i + 1].Offset);
            if (end > at) ranges.Add(new ObjectRange(s.Key, at - s.Offset, end - at, s.Size));
            at = Math.Max(at, end);
        }
        return ranges;
    }

    // ---------------------------------------------------------------- writers

    /// <summary>
    /// A write-only stream through one part buffer: nothing is sent until the buffer is full (then a multipart upload
    /// starts at <c>multipartKey</c>, one part per buffer) or <see cref="FinishAsync"/>.
    /// </summary>
    private sealed class PartWriter(S3BlobStore store, string multipartKey) : Stream
    {
        private byte[]? _buffer;
        private int _filled;
        private long _length;
        private string? _uploadId;
        private readonly List<PartETag> _parts = [];

        public bool Multipart => _uploadId is not null;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
        {
            _buffer ??= ArrayPool<byte>.Shared.Rent(store._partSize);
            while (data.Length > 0)
            {
                var n = Math.Min(data.Length, store._partSize - _filled);
                data[..n].CopyTo(_buffer.AsMemory(_filled));
                _filled += n;
                _length += n;
                data = data[n..];
                if (_filled == store._partSize) await SendPartAsync(ct);
            }
        }

        private async Task SendPartAsync(CancellationToken ct)
        {
            _uploadId ??= (await store._s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = store._bucket, Key = multipartKey }, ct)).UploadId;
            var number = _parts.Count + 1;
            var response = await store._s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = store._bucket, Key = multipartKey, UploadId = _uploadId, PartNumber = number, PartSize = _filled,
                InputStream = new MemoryStream(_buffer!, 0, _filled, writable: false), UseChunkEncoding = false,
            }, ct);
            _parts.Add(new PartETag(number, response.ETag));
            _filled = 0;
        }

        /// <summary>
        /// Writes what was written as one object: at <paramref name="smallKey"/> with one PutObject when it never filled the
        /// buffer (returns true), else at the multipart key by completing the multipart upload (returns false).
        /// </summary>
        public async Task<bool> FinishAsync(string smallKey, CancellationToken ct)
        {
            if (_uploadId is null)
            {
                await store._s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = store._bucket, Key = smallKey, UseChunkEncoding = false,
                    InputStream = new MemoryStream(_buffer ?? [], 0, _filled, writable: false),
                }, ct);
                return true;
            }
            if (_filled > 0) await SendPartAsync(ct);
            await store._s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = store._bucket, Key = multipartKey, UploadId = _uploadId, PartETags = _parts,
            }, ct);
            _uploadId = null;
            return false;
        }

        /// <summary>Takes back the parts sent (nothing was committed); a failure here is left to the purge.</summary>
        public async Task AbortAsync()
        {
            if (_uploadId is { } id)
            {
                _uploadId = null;
                try
                {
                    await store.AbortQuietlyAsync(multipartKey, id);
                }
                catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException)
                {
                    // PurgeStaleUploadsAsync aborts it later.
                }
            }
        }

        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && _buffer is { } b)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(b);
            }
            base.Dispose(disposing);
        }
    }

    private sealed class S3Upload(S3BlobStore store, string stagingKey) : IBlobUpload
    {
        private readonly PartWriter _writer = new(store, stagingKey);
        private HashingStream? _content;
        private bool _committed;
        private bool _staged;

        public Stream Content => _content ??= new HashingStream(_writer);
        public long Length => _writer.Length;
        public byte[] Sha256() => ((HashingStream)Content).Hash();

        public async Task CommitAsync(string key, CancellationToken ct)
        {
            var target = store.ObjectKey(key);
            if (!await _writer.FinishAsync(target, ct))
            {
                _staged = true;
                await store.CopyAsync(stagingKey, _writer.Length, target, ct);
                await store._s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = store._bucket, Key = stagingKey }, ct);
                _staged = false;
            }
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_committed) await _writer.AbortAsync();
            if (_staged)
            {
                try
                {
                    await store._s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = store._bucket, Key = stagingKey }, CancellationToken.None);
                }
                catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException)
                {
                    // A staging object: PurgeStaleUploadsAsync deletes it later.
                }
            }
            await _writer.DisposeAsync();
        }
    }

    private sealed class S3Append(S3BlobStore store, string stagingKey, long offset) : IStagedAppend
    {
        private readonly string _segment = store.SegmentsPrefix(stagingKey) + SegmentName(offset);
        private readonly PartWriter _writer = new(store, store.SegmentsPrefix(stagingKey) + SegmentName(offset));
        private bool _saved;

        public Stream Content => _writer;
        public long Written => _writer.Length;

        public async Task SaveAsync(CancellationToken ct)
        {
            if (_writer.Length > 0)
            {
                await _writer.FinishAsync(_segment, ct);
                // Segments past this one hold bytes of appends never acknowledged: this append replaced them.
                var beyond = (await store.SegmentsAsync(stagingKey, ct)).Where(s => s.Offset > offset).Select(s => s.Key).ToList();
                await store.DeleteManyAsync(beyond, ct);
            }
            _saved = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_saved) await _writer.AbortAsync();
            await _writer.DisposeAsync();
        }
    }

    /// <summary>
    /// Builds one object from ranges of others with a multipart upload: ranges of 5 MiB or more are UploadPartCopy parts
    /// (split at 5 GiB); shorter ones are read into one buffer, flushed as a part once it holds 5 MiB, so no part but the
    /// last is under S3's minimum and memory stays at that one buffer.
    /// </summary>
    private sealed class Composer(S3BlobStore store, string target) : IAsyncDisposable
    {
        private readonly byte[] _buffer = ArrayPool<byte>.Shared.Rent(MinPart);
        private int _filled;
        private string? _uploadId;
        private readonly List<PartETag> _parts = [];

        public async Task AddRangeAsync(string key, long from, long length, CancellationToken ct)
        {
            while (length > 0)
            {
                if (_filled == 0 && length >= MinPart)
                {
                    var parts = (int)((length + MaxCopyPart - 1) / MaxCopyPart);
                    var each = (length + parts - 1) / parts;
                    for (var i = 0; i < parts; i++)
                    {
                        var n = Math.Min(each, length);
                        await CopyPartAsync(key, from, n, ct);
                        from += n;
                        length -= n;
                    }
                    return;
                }
                var take = (int)Math.Min(length, MinPart - _filled);
                await ReadIntoBufferAsync(key, from, take, ct);
                from += take;
                length -= take;
                if (_filled == MinPart) await SendBufferAsync(ct);
            }
        }

        public async Task CompleteAsync(CancellationToken ct)
        {
            if (_uploadId is null)
            {
                await store._s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = store._bucket, Key = target, UseChunkEncoding = false, InputStream = new MemoryStream(_buffer, 0, _filled, writable: false),
                }, ct);
                return;
            }
            if (_filled > 0) await SendBufferAsync(ct);
            await store._s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = store._bucket, Key = target, UploadId = _uploadId, PartETags = _parts }, ct);
            _uploadId = null;
        }

        private async Task<string> UploadIdAsync(CancellationToken ct) =>
            _uploadId ??= (await store._s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = store._bucket, Key = target }, ct)).UploadId;

        private async Task CopyPartAsync(string key, long from, long length, CancellationToken ct)
        {
            var uploadId = await UploadIdAsync(ct);
            var number = _parts.Count + 1;
            var response = await store._s3.CopyPartAsync(new CopyPartRequest
            {
                SourceBucket = store._bucket, SourceKey = key, DestinationBucket = store._bucket, DestinationKey = target,
                UploadId = uploadId, PartNumber = number, FirstByte = from, LastByte = from + length - 1,
            }, ct);
            _parts.Add(new PartETag(number, response.ETag));
        }

        private async Task ReadIntoBufferAsync(string key, long from, int length, CancellationToken ct)
        {
            using var response = await store._s3.GetObjectAsync(new GetObjectRequest { BucketName = store._bucket, Key = key, ByteRange = new ByteRange(from, from + length - 1) }, ct);
            await response.ResponseStream.ReadExactlyAsync(_buffer.AsMemory(_filled, length), ct);
            _filled += length;
        }

        private async Task SendBufferAsync(CancellationToken ct)
        {
            var uploadId = await UploadIdAsync(ct);
            var number = _parts.Count + 1;
            var response = await store._s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = store._bucket, Key = target, UploadId = uploadId, PartNumber = number, PartSize = _filled,
                InputStream = new MemoryStream(_buffer, 0, _filled, writable: false), UseChunkEncoding = false,
            }, ct);
            _parts.Add(new PartETag(number, response.ETag));
            _filled = 0;
        }

        public async ValueTask DisposeAsync()
        {
            if (_uploadId is { } id)
            {
                _uploadId = null;
                await store.AbortQuietlyAsync(target, id);
            }
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
