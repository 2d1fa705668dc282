using System.Security.Cryptography;

namespace PhotoApi.Persistence.Blobs;

/// <summary>
/// Where file bytes live. Keys are chosen by PhotoApi (content hashes and ids, never a user-supplied name). Writes go to a
/// staging area first and become visible under their key only when committed, so a reader never sees half a file.
/// The local-folder store is the default; an S3-compatible store implements the same interface for several nodes.
/// </summary>
public interface IBlobStore
{
    /// <summary>Starts a write. Bytes written to <see cref="IBlobUpload.Content"/> are hashed as they stream through.</summary>
    Task<IBlobUpload> BeginUploadAsync(CancellationToken ct);

    /// <summary>Opens a committed blob for reading (seekable), or throws <see cref="FileNotFoundException"/>.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken ct);

    Task<bool> ExistsAsync(string key, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>A local file path for tools that want one (libvips); null when the store is remote.</summary>
    string? LocalPath(string key);

    /// <summary>Deletes staged writes older than <paramref name="age"/> that a crashed process left behind.</summary>
    Task<int> PurgeStaleUploadsAsync(TimeSpan age, CancellationToken ct);
}

/// <summary>A staged write. Disposing it without <see cref="CommitAsync"/> deletes what was written.</summary>
public interface IBlobUpload : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>Bytes written so far.</summary>
    long Length { get; }

    /// <summary>SHA-256 of everything written; valid once writing is done.</summary>
    byte[] Sha256();

    /// <summary>Makes the bytes visible under <paramref name="key"/>, replacing what was there (same key, same bytes).</summary>
    Task CommitAsync(string key, CancellationToken ct);
}

public static class BlobKeys
{
    /// <summary>Originals are content-addressed: identical files share one blob, copies cost nothing.</summary>
    public static string Original(byte[] sha256) => Fanned("originals", Convert.ToHexStringLower(sha256));

    public static string Thumbnail(byte[] sha256) => Fanned("thumbnails", Convert.ToHexStringLower(sha256)) + ".webp";

    public static string Preview(byte[] sha256) => Fanned("previews", Convert.ToHexStringLower(sha256)) + ".jpg";

    /// <summary>A guest's file sent to a photo request, kept (never served) until its clean copy is stored.</summary>
    public static string RequestUpload(Guid uploadId) => $"request-uploads/{uploadId:N}";

    private static string Fanned(string area, string hex) => $"{area}/{hex[..2]}/{hex[2..4]}/{hex}";
}

public sealed class LocalBlobStoreOptions
{
    /// <summary>The folder holding every blob (PHOTOAPI_BLOB_ROOT or Blobs:Root); created when missing.</summary>
    public string Root { get; set; } = "";
}

/// <summary>The local-folder store: blobs are files under the root; staging files live in root/.staging on the same
/// file system, so commit is an atomic rename.</summary>
public sealed class LocalBlobStore : IBlobStore
{
    private readonly string _root;
    private readonly string _staging;

    public LocalBlobStore(LocalBlobStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Root)) throw new InvalidOperationException("The blob store root is not set (Blobs:Root or PHOTOAPI_BLOB_ROOT).");
        _root = Path.GetFullPath(options.Root);
        _staging = Path.Combine(_root, ".staging");
        Directory.CreateDirectory(_staging);
    }

    public Task<IBlobUpload> BeginUploadAsync(CancellationToken ct)
    {
        var path = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        return Task.FromResult<IBlobUpload>(new LocalUpload(this, path));
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct) =>
        Task.FromResult<Stream>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.SequentialScan));

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(key)));

    public Task DeleteAsync(string key, CancellationToken ct)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    public string? LocalPath(string key) => PathOf(key);

    public Task<int> PurgeStaleUploadsAsync(TimeSpan age, CancellationToken ct)
    {
        var count = 0;
        foreach (var file in new DirectoryInfo(_staging).EnumerateFiles())
        {
            if (file.LastWriteTimeUtc >= DateTime.UtcNow - age) continue;
            try
            {
                file.Delete();
                count++;
            }
            catch (IOException)
            {
                // Still being written by a live process after all; next time.
            }
        }
        return Task.FromResult(count);
    }

    private string PathOf(string key)
    {
        if (key.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(key)) throw new ArgumentException($"Not a blob key: {key}", nameof(key));
        return Path.Combine(_root, key);
    }

    private sealed class LocalUpload(LocalBlobStore store, string stagingPath) : IBlobUpload
    {
        private readonly HashingStream _content = new(new FileStream(stagingPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 128 * 1024, FileOptions.Asynchronous));
        private bool _committed;

        public Stream Content => _content;
        public long Length => _content.Length;
        public byte[] Sha256() => _content.Hash();

        public async Task CommitAsync(string key, CancellationToken ct)
        {
            await _content.FlushAsync(ct);
            await _content.DisposeAsync();
            var target = store.PathOf(key);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(stagingPath, target, overwrite: true);
            _committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            await _content.DisposeAsync();
            if (!_committed) File.Delete(stagingPath);
        }
    }
}

/// <summary>A write-only stream that hashes (SHA-256) and counts what passes through to the inner stream.</summary>
public sealed class HashingStream(Stream inner) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _length;
    private byte[]? _final;

    public byte[] Hash() => _final ??= _hash.GetHashAndReset();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _length;
    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _length += buffer.Length;
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        _length += buffer.Length;
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        _hash.Dispose();
        await base.DisposeAsync();
    }
}
