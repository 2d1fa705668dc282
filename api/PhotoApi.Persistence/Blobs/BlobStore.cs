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

    /// <summary>Deletes a blob; one that does not exist is already deleted (no error), as S3's DeleteObject says.</summary>
    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>A local file path for tools that want one (libvips); null when the store is remote.</summary>
    string? LocalPath(string key);

    /// <summary>Deletes staged writes older than <paramref name="age"/> that a crashed process left behind.</summary>
    Task<int> PurgeStaleUploadsAsync(TimeSpan age, CancellationToken ct);

    // ---- resumable staging objects (tus uploads) ----
    // An object written in appends, by any process, over any time: its key is the store's (S3: a multipart upload, each
    // append a part); the caller keeps the key and the length acknowledged so far (in PostgreSQL), and appends at exactly
    // that length. It is invisible to readers of committed blobs until committed under a key.

    /// <summary>Creates an empty resumable staging object and returns its key.</summary>
    Task<string> CreateStagedAsync(CancellationToken ct);

    /// <summary>
    /// Starts an append at <paramref name="offset"/> (the length acknowledged so far; anything the store holds beyond it —
    /// an append never saved — is dropped). Nothing is acknowledged until <see cref="IStagedAppend.SaveAsync"/>.
    /// </summary>
    Task<IStagedAppend> AppendStagedAsync(string stagingKey, long offset, CancellationToken ct);

    /// <summary>Reads the staged bytes from the start (to hash them again after another process wrote them).</summary>
    Task<Stream> OpenStagedReadAsync(string stagingKey, CancellationToken ct);

    /// <summary>
    /// Makes the first <paramref name="length"/> staged bytes the blob <paramref name="key"/> (replacing what was there:
    /// same key, same bytes). The staging object stays, readable and appendable as before, until
    /// <see cref="DeleteStagedAsync"/>: the caller deletes it only once its own record says the upload is complete, so a
    /// process that dies in between leaves an upload that can still be completed (committing again is harmless). Later
    /// appends never change the committed blob. No staging object: <see cref="FileNotFoundException"/>.
    /// </summary>
    Task CommitStagedAsync(string stagingKey, long length, string key, CancellationToken ct);

    /// <summary>Deletes a staging object (none there: nothing to do).</summary>
    Task DeleteStagedAsync(string stagingKey, CancellationToken ct);

    /// <summary>Every resumable staging object with the time it was last written (created or appended to), so a sweep can
    /// delete those no upload names any more once they are old enough that no process is still about to name them.</summary>
    Task<IReadOnlyList<StagedObject>> ListStagedAsync(CancellationToken ct);
}

/// <summary>A resumable staging object: its key and when it was last written (UTC).</summary>
public sealed record StagedObject(string Key, DateTime LastWrittenUtc);

/// <summary>One append to a resumable staging object. Disposing it without <see cref="SaveAsync"/> takes back what was written.</summary>
public interface IStagedAppend : IAsyncDisposable
{
    Stream Content { get; }

    /// <summary>Bytes written by this append so far.</summary>
    long Written { get; }

    /// <summary>Makes what was written durable (the local store: flushed and fsynced; S3: the part uploaded); only then may
    /// its new length be acknowledged.</summary>
    Task SaveAsync(CancellationToken ct);
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

    /// <summary>
    /// A video's web-playable copy (H.264/AAC MP4, no metadata) made by the worker when the original is not one; one per
    /// original, like the other derivatives.
    /// </summary>
    public static string Playback(byte[] sha256) => Fanned("playbacks", Convert.ToHexStringLower(sha256)) + ".mp4";

    /// <summary>A guest's file sent to a photo request, kept (never served) until its clean copy is stored.</summary>
    public static string RequestUpload(Guid uploadId) => $"request-uploads/{uploadId:N}";

    /// <summary>
    /// The metadata files of a library export (<c>library.json</c>, <c>library.csv</c>): made from the export's id, so whatever
    /// deletes the export's row can delete them, written or not.
    /// </summary>
    public static string ExportFile(Guid exportId, string fileName) => $"exports/{exportId:N}/{fileName}";

    private static string Fanned(string area, string hex) => $"{area}/{hex[..2]}/{hex[2..4]}/{hex}";
}

public sealed class LocalBlobStoreOptions
{
    /// <summary>The folder holding every blob (PHOTOAPI_BLOB_ROOT or Blobs:Root); created when missing.</summary>
    public string Root { get; set; } = "";
}

/// <summary>The local-folder store: blobs are files under the root; staging files live in root/.staging on the same
/// file system, so commit is an atomic rename. Resumable staging objects are files in root/.staging/resumable (which the
/// purge of crashed writes does not touch: their rows decide when they go); committing one hard-links it into place (a
/// copy where the file system has no hard links), so it stays until deleted, and an append to a file that shares its
/// bytes with a committed blob first makes a copy of its own (the committed blob never changes).</summary>
public sealed class LocalBlobStore : IBlobStore
{
    private readonly string _root;
    private readonly string _staging;
    private readonly string _resumable;

    public LocalBlobStore(LocalBlobStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Root)) throw new InvalidOperationException("The blob store root is not set (Blobs:Root or PHOTOAPI_BLOB_ROOT).");
        _root = Path.GetFullPath(options.Root);
        _staging = Path.Combine(_root, ".staging");
        Directory.CreateDirectory(_staging);
        _resumable = Path.Combine(_staging, "resumable");
        Directory.CreateDirectory(_resumable);
    }

    /// <summary>The folder holding every blob (full path).</summary>
    public string Root => _root;

    public Task<IBlobUpload> BeginUploadAsync(CancellationToken ct)
    {
        var path = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        return Task.FromResult<IBlobUpload>(new LocalUpload(this, path));
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct) =>
        Task.FromResult<Stream>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024,
            FileOptions.Asynchronous | FileOptions.SequentialScan));

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Task.FromResult(File.Exists(PathOf(key)));

    /// <summary>Deletes the blob; one that is not there (nor its folder: no blob of that kind was ever stored) is nothing to do, as on S3.</summary>
    public Task DeleteAsync(string key, CancellationToken ct)
    {
        // File.Delete ignores a missing file but not a missing folder: a photo's playback key (the collector deletes
        // every derived key of a checksum) is under a folder no video made.
        try
        {
            File.Delete(PathOf(key));
        }
        catch (DirectoryNotFoundException)
        {
        }
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

    public Task<string> CreateStagedAsync(CancellationToken ct)
    {
        var key = Guid.NewGuid().ToString("N");
        using (new FileStream(StagedPath(key), FileMode.CreateNew, FileAccess.Write)) { }
        return Task.FromResult(key);
    }

    public Task<IStagedAppend> AppendStagedAsync(string stagingKey, long offset, CancellationToken ct)
    {
        var path = StagedPath(stagingKey);
        OwnBytes(path, offset);
        var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, 128 * 1024, FileOptions.Asynchronous);
        try
        {
            if (file.Length < offset) throw new InvalidOperationException($"Staged object {stagingKey} holds {file.Length} bytes, fewer than the {offset} acknowledged.");
            file.SetLength(offset); // an append that was never saved (a crash between write and answer) is not kept
            file.Position = offset;
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return Task.FromResult<IStagedAppend>(new LocalAppend(file, offset));
    }

    public Task<Stream> OpenStagedReadAsync(string stagingKey, CancellationToken ct) =>
        Task.FromResult<Stream>(new FileStream(StagedPath(stagingKey), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 128 * 1024,
            FileOptions.Asynchronous | FileOptions.SequentialScan));

    public Task CommitStagedAsync(string stagingKey, long length, string key, CancellationToken ct)
    {
        var path = StagedPath(stagingKey);
        if (new FileInfo(path) is { Exists: true } info && info.Length > length) OwnBytes(path, length); // bytes beyond go: not in a committed blob's file
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            if (file.Length < length) throw new InvalidOperationException($"Staged object {stagingKey} holds {file.Length} bytes, fewer than the {length} to commit.");
            if (file.Length > length) file.SetLength(length);
            file.Flush(flushToDisk: true);
        }
        var target = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // A second name for the staged file under .staging (swept there if this process dies now), renamed over the target.
        var temp = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        if (!HardLinks.TryCreate(path, temp)) CopyDurably(path, temp, length);
        File.Move(temp, target, overwrite: true);
        File.Delete(temp); // the target was this very file already (committed before): rename(2) then leaves both names
        return Task.CompletedTask;
    }

    public Task DeleteStagedAsync(string stagingKey, CancellationToken ct)
    {
        File.Delete(StagedPath(stagingKey));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StagedObject>> ListStagedAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<StagedObject>>(new DirectoryInfo(_resumable).EnumerateFiles()
            .Where(f => IsStagingKey(f.Name)).Select(f => new StagedObject(f.Name, f.LastWriteTimeUtc)).ToList());

    /// <summary>
    /// Before the staged file at <paramref name="path"/> is written: if it is also a committed blob (a hard link made by
    /// <see cref="CommitStagedAsync"/>, then an upload that was not recorded complete and takes its last chunk again), its
    /// first <paramref name="keep"/> bytes become a file of its own, so the write cannot change the committed blob.
    /// </summary>
    private void OwnBytes(string path, long keep)
    {
        if (HardLinks.Count(path) is 0 or 1) return; // one name (or none: nothing to protect); unknown counts as shared
        var copy = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        CopyDurably(path, copy, Math.Min(keep, new FileInfo(path).Length));
        File.Move(copy, path, overwrite: true);
    }

    private static void CopyDurably(string from, string to, long length)
    {
        using var source = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 128 * 1024, FileOptions.SequentialScan);
        using var target = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 128 * 1024);
        var buffer = new byte[128 * 1024];
        for (long left = length; left > 0;)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) break;
            target.Write(buffer, 0, read);
            left -= read;
        }
        target.Flush(flushToDisk: true);
    }

    private static bool IsStagingKey(string name) => name.Length == 32 && name.All(char.IsAsciiHexDigitLower);

    private string StagedPath(string stagingKey) =>
        IsStagingKey(stagingKey) ? Path.Combine(_resumable, stagingKey)
            : throw new ArgumentException($"Not a staging key: {stagingKey}", nameof(stagingKey));

    private sealed class LocalAppend(FileStream file, long offset) : IStagedAppend
    {
        private bool _saved;

        public Stream Content => file;
        public long Written => file.Position - offset;

        public async Task SaveAsync(CancellationToken ct)
        {
            await file.FlushAsync(ct);
            file.Flush(flushToDisk: true);
            _saved = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_saved)
            {
                try
                {
                    file.SetLength(offset);
                }
                catch (IOException)
                {
                    // The next append truncates to the acknowledged length anyway.
                }
            }
            await file.DisposeAsync();
        }
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
