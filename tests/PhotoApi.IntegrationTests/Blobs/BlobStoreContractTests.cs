using System.Security.Cryptography;
using PhotoApi.Persistence.Blobs;
using Xunit.Abstractions;

namespace PhotoApi.IntegrationTests.Blobs;

/// <summary>
/// What every <see cref="IBlobStore"/> must do, run against each store (the local folder, and S3 on a real Swift server):
/// the same test methods, two subclasses. Leftovers are asked of the store's medium itself (files in the folder; objects
/// and multipart uploads the S3 server lists), not of the store.
/// </summary>
/// <remarks>In a collection of its own that runs alone: the memory test counts every allocation of the process.</remarks>
[Collection(BlobStoreCollection.Name)]
public abstract class BlobStoreContractTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    protected abstract IBlobStore Store { get; }

    /// <summary>Everything in the staging area: staged files or objects, and (S3) multipart uploads never completed.</summary>
    protected abstract Task<string[]> StagingLeftoversAsync();

    /// <summary>A staged write a crashed process left behind (a finished staging object nobody committed).</summary>
    protected abstract Task PlantCrashedStagingAsync();

    public virtual Task InitializeAsync() => Task.CompletedTask;
    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static string KeyOf(byte[] bytes) => BlobKeys.Original(SHA256.HashData(bytes));

    private async Task<string> WriteAsync(byte[] bytes, bool isNew = true)
    {
        await using var upload = await Store.BeginUploadAsync(default);
        // Odd-sized writes, as a request body arrives.
        for (var at = 0; at < bytes.Length; at += 100_003)
            await upload.Content.WriteAsync(bytes.AsMemory(at, Math.Min(100_003, bytes.Length - at)));
        Assert.Equal(bytes.Length, upload.Length);
        Assert.Equal(SHA256.HashData(bytes), upload.Sha256());
        var key = KeyOf(bytes);
        Assert.Equal(!isNew, await Store.ExistsAsync(key, default)); // nothing new is visible before the commit
        await upload.CommitAsync(key, default);
        return key;
    }

    private async Task<byte[]> ReadAllAsync(string key)
    {
        await using var read = await Store.OpenReadAsync(key, default);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData(1000)]            // one buffer: one request straight to the key
    [InlineData(20 * MiB + 7)]    // past the part buffer: a multipart upload, then a server-side copy
    public async Task A_committed_blob_reads_back_whole_and_by_seeking(int size)
    {
        var bytes = RandomBytes(size);
        var key = await WriteAsync(bytes);

        Assert.True(await Store.ExistsAsync(key, default));
        Assert.Equal(bytes, await ReadAllAsync(key));
        await using (var read = await Store.OpenReadAsync(key, default))
        {
            Assert.True(read.CanSeek);
            Assert.Equal(size, read.Length);
            foreach (var at in new long[] { size / 2, 3, size - 10 }) // backwards too, as range requests come
            {
                read.Seek(at, SeekOrigin.Begin);
                var part = new byte[Math.Min(10, size - at)];
                await read.ReadExactlyAsync(part);
                Assert.Equal(bytes.AsSpan((int)at, part.Length).ToArray(), part);
            }
        }
        Assert.Empty(await StagingLeftoversAsync());

        await Store.DeleteAsync(key, default);
        Assert.False(await Store.ExistsAsync(key, default));
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(key, default));
    }

    [Fact]
    public async Task Deleting_a_blob_that_was_never_written_is_no_error()
    {
        var key = BlobKeys.Playback(RandomNumberGenerator.GetBytes(32)); // a photo's: under a folder nothing made
        await Store.DeleteAsync(key, default);
        Assert.False(await Store.ExistsAsync(key, default));
    }

    [Fact]
    public async Task Committing_the_same_bytes_again_keeps_one_blob()
    {
        var bytes = RandomBytes(3 * MiB);
        var key = await WriteAsync(bytes);
        Assert.Equal(key, await WriteAsync(bytes, isNew: false));
        Assert.Equal(bytes, await ReadAllAsync(key));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(40 * MiB)]        // parts already sent: disposing must abort the multipart upload
    public async Task An_upload_disposed_without_commit_leaves_nothing(int size)
    {
        var bytes = RandomBytes(size);
        await using (var upload = await Store.BeginUploadAsync(default))
            await upload.Content.WriteAsync(bytes);
        Assert.False(await Store.ExistsAsync(KeyOf(bytes), default));
        Assert.Empty(await StagingLeftoversAsync());
    }

    [Fact]
    public async Task A_large_upload_streams_in_bounded_memory()
    {
        const int size = 128 * MiB;
        var chunk = RandomBytes(MiB);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        string key;
        await using (var upload = await Store.BeginUploadAsync(default))
        {
            for (var written = 0; written < size; written += chunk.Length)
            {
                chunk[0]++;
                hash.AppendData(chunk);
                await upload.Content.WriteAsync(chunk);
            }
            key = BlobKeys.Original(upload.Sha256());
            await upload.CommitAsync(key, default);
        }
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"{GetType().Name}: {size / MiB} MiB streamed with {allocated / (double)MiB:F1} MiB allocated");
        Assert.Equal(hash.GetHashAndReset(), Convert.FromHexString(key[^64..]));
        // A store that held the file would allocate at least its size; one part buffer (16 MiB) and request plumbing is far less.
        Assert.True(allocated < 48L * MiB, $"{allocated / MiB} MiB allocated to stream {size / MiB} MiB");
        await using (var read = await Store.OpenReadAsync(key, default)) Assert.Equal(size, read.Length);
        Assert.Empty(await StagingLeftoversAsync());
        await Store.DeleteAsync(key, default);
    }

    private async Task<long> AppendAsync(string staging, long offset, byte[] bytes, bool save = true)
    {
        await using var append = await Store.AppendStagedAsync(staging, offset, default);
        for (var at = 0; at < bytes.Length; at += 64 * 1024)
            await append.Content.WriteAsync(bytes.AsMemory(at, Math.Min(64 * 1024, bytes.Length - at)));
        Assert.Equal(bytes.Length, append.Written);
        if (save) await append.SaveAsync(default);
        return offset + (save ? bytes.Length : 0);
    }

    private async Task<byte[]> ReadStagedAsync(string staging, long length)
    {
        await using var read = await Store.OpenStagedReadAsync(staging, default);
        var bytes = new byte[length];
        await read.ReadExactlyAsync(bytes);
        return bytes;
    }

    [Fact]
    public async Task A_resumable_object_appends_at_the_acknowledged_offset_and_commits()
    {
        var staging = await Store.CreateStagedAsync(default);
        var expected = new MemoryStream();
        var a = RandomBytes(100 * 1024);             // small chunks: under S3's 5 MiB part minimum
        var b = RandomBytes(6 * MiB + 5);            // one that is not
        var c = RandomBytes(300 * 1024);
        long offset = 0;
        offset = await AppendAsync(staging, offset, a); expected.Write(a);
        offset = await AppendAsync(staging, offset, b); expected.Write(b);

        // An append never saved (the connection died) is taken back.
        await AppendAsync(staging, offset, RandomBytes(2 * MiB), save: false);
        // An append saved but never acknowledged (the process died before its answer): the next one at the acknowledged
        // offset replaces it.
        await AppendAsync(staging, offset, RandomBytes(9 * MiB));
        offset = await AppendAsync(staging, offset, c); expected.Write(c);

        // Appending past what the object holds is refused.
        await Assert.ThrowsAnyAsync<InvalidOperationException>(async () => await (await Store.AppendStagedAsync(staging, offset + 1, default)).DisposeAsync());

        Assert.Equal(expected.ToArray(), await ReadStagedAsync(staging, offset));
        var key = KeyOf(expected.ToArray());
        Assert.False(await Store.ExistsAsync(key, default));
        await Store.CommitStagedAsync(staging, offset, key, default);
        Assert.Equal(expected.ToArray(), await ReadAllAsync(key));
        Assert.NotEmpty(await StagingLeftoversAsync()); // kept until its upload is recorded complete
        await Store.DeleteStagedAsync(staging, default);
        Assert.Empty(await StagingLeftoversAsync());
        Assert.Equal(expected.ToArray(), await ReadAllAsync(key));
        await Store.DeleteStagedAsync(staging, default); // already gone: nothing to do
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.CommitStagedAsync(staging, offset, key, default));
    }

    [Fact]
    public async Task A_resumable_object_of_many_small_chunks_commits_and_goes()
    {
        var staging = await Store.CreateStagedAsync(default);
        var expected = new MemoryStream();
        long offset = 0;
        for (var i = 0; i < 40; i++)
        {
            var chunk = RandomBytes(1000 + i);
            offset = await AppendAsync(staging, offset, chunk);
            expected.Write(chunk);
        }
        var key = KeyOf(expected.ToArray());
        await Store.CommitStagedAsync(staging, offset, key, default);
        Assert.Equal(expected.ToArray(), await ReadAllAsync(key));
        await Store.DeleteStagedAsync(staging, default);
        Assert.Empty(await StagingLeftoversAsync()); // forty segments deleted (S3: one DeleteObjects)
    }

    [Theory]
    [InlineData(300 * 1024)]      // S3: one segment, committed by a copy
    [InlineData(6 * MiB + 5)]     // S3: two segments, one of them a part copy
    public async Task A_committed_resumable_object_stays_until_deleted_and_appending_again_leaves_the_blob_alone(int size)
    {
        // A process commits the staged bytes, then dies before its upload's row says complete: the retry must still find
        // every byte staged, commit again harmlessly, and no append of the retry may change what was committed.
        var staging = await Store.CreateStagedAsync(default);
        var file = RandomBytes(size);
        var cut = size - 1000;
        await AppendAsync(staging, 0, file[..cut]);
        await AppendAsync(staging, cut, file[cut..]);
        var key = KeyOf(file);
        await Store.CommitStagedAsync(staging, size, key, default);
        Assert.Equal(file, await ReadAllAsync(key));
        Assert.Equal(file, await ReadStagedAsync(staging, size));
        await Store.CommitStagedAsync(staging, size, key, default); // again: the same blob
        Assert.Equal(file, await ReadAllAsync(key));

        // The last chunk again, with other bytes (a client may send anything): the staged object changes, the blob does not.
        var other = RandomBytes(1000);
        await AppendAsync(staging, cut, other);
        byte[] retried = [.. file[..cut], .. other];
        Assert.Equal(retried, await ReadStagedAsync(staging, size));
        Assert.Equal(file, await ReadAllAsync(key));
        // An append never saved is taken back without touching the blob either.
        await AppendAsync(staging, cut, RandomBytes(500), save: false);
        Assert.Equal(file, await ReadAllAsync(key));

        await Store.DeleteStagedAsync(staging, default);
        Assert.Empty(await StagingLeftoversAsync());
        Assert.Equal(file, await ReadAllAsync(key));
        await Store.DeleteAsync(key, default);
    }

    [Fact]
    public async Task Staged_objects_are_listed_with_when_they_were_last_written()
    {
        var first = await Store.CreateStagedAsync(default);
        await AppendAsync(first, 0, RandomBytes(1000));
        await Task.Delay(1100);                           // object stores date to the second
        var second = await Store.CreateStagedAsync(default);
        var listed = (await Store.ListStagedAsync(default)).ToDictionary(s => s.Key, s => s.LastWrittenUtc);
        Assert.Equal(2, listed.Count);
        Assert.True(listed[first] < listed[second], $"{listed[first]:O} is not before {listed[second]:O}");
        Assert.InRange(listed[second], DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));

        // Written again: it is as young as the last write.
        await Task.Delay(1100);
        await AppendAsync(first, 1000, RandomBytes(1000));
        listed = (await Store.ListStagedAsync(default)).ToDictionary(s => s.Key, s => s.LastWrittenUtc);
        Assert.True(listed[first] > listed[second], $"{listed[first]:O} is not after {listed[second]:O}");

        await Store.DeleteStagedAsync(first, default);
        Assert.Equal([second], (await Store.ListStagedAsync(default)).Select(s => s.Key));
        await Store.DeleteStagedAsync(second, default);
        Assert.Empty(await Store.ListStagedAsync(default));
    }

    [Fact]
    public async Task Deleting_a_resumable_object_takes_its_bytes_and_an_append_in_flight()
    {
        var staging = await Store.CreateStagedAsync(default);
        var offset = await AppendAsync(staging, 0, RandomBytes(7 * MiB));
        for (var i = 0; i < 5; i++) offset = await AppendAsync(staging, offset, RandomBytes(10_000));
        var inFlight = await Store.AppendStagedAsync(staging, offset, default);
        await inFlight.Content.WriteAsync(RandomBytes(40 * MiB)); // parts already sent

        await Store.DeleteStagedAsync(staging, default);
        Assert.Empty(await StagingLeftoversAsync());
        await inFlight.DisposeAsync();
        Assert.Empty(await StagingLeftoversAsync());
        await Store.DeleteStagedAsync(staging, default);
    }

    [Fact]
    public async Task The_purge_removes_what_crashed_writes_left_and_keeps_resumable_objects()
    {
        var resumable = await Store.CreateStagedAsync(default);
        var kept = await AppendAsync(resumable, 0, RandomBytes(1000));
        await PlantCrashedStagingAsync();
        var crashed = await Store.BeginUploadAsync(default); // a process that died mid-upload: never disposed
        await crashed.Content.WriteAsync(RandomBytes(40 * MiB));

        Assert.Equal(0, await Store.PurgeStaleUploadsAsync(TimeSpan.FromHours(1), default)); // all fresh: kept
        await Task.Delay(1100);                           // object stores date to the second
        Assert.True(await Store.PurgeStaleUploadsAsync(TimeSpan.Zero, default) >= 2);

        Assert.Equal(1000, (await ReadStagedAsync(resumable, kept)).Length);
        await Store.DeleteStagedAsync(resumable, default);
        Assert.Empty(await StagingLeftoversAsync());
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BlobStoreCollection
{
    public const string Name = "blob stores";
}

public sealed class LocalBlobStoreContractTests(ITestOutputHelper output) : BlobStoreContractTests(output), IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "photoapi-blob-contract-" + Guid.NewGuid().ToString("N"));
    private LocalBlobStore? _store;

    protected override IBlobStore Store => _store ??= new LocalBlobStore(new LocalBlobStoreOptions { Root = _root });

    protected override Task<string[]> StagingLeftoversAsync() =>
        Task.FromResult(Directory.GetFiles(Path.Combine(_root, ".staging"), "*", SearchOption.AllDirectories));

    protected override Task PlantCrashedStagingAsync()
    {
        _ = Store;
        var path = Path.Combine(_root, ".staging", Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(-5));
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}

public sealed class S3BlobStoreContractTests(ITestOutputHelper output) : BlobStoreContractTests(output), IDisposable
{
    private readonly string _prefix = TestS3.NewPrefix();
    private S3BlobStore? _store;

    protected override IBlobStore Store => _store ??= new S3BlobStore(TestS3.Options(_prefix));

    protected override async Task<string[]> StagingLeftoversAsync() =>
        (await TestS3.ListAsync(_prefix)).Where(k => k.Contains(".staging/", StringComparison.Ordinal)).ToArray();

    protected override Task PlantCrashedStagingAsync() => TestS3.PutAsync(_prefix, $".staging/uploads/{Guid.NewGuid():N}", [1, 2, 3]);

    public void Dispose() => _store?.Dispose();
}
