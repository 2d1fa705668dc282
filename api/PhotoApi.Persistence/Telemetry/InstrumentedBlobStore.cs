using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Persistence.Telemetry;

/// <summary>
/// Counts the blob store's failures by operation (<c>photoapi.blob.errors</c>): an S3 endpoint that starts refusing or
/// timing out shows up as a rate before it shows up as failed uploads. A missing blob (<see cref="FileNotFoundException"/>)
/// and a cancelled call are answers, not errors. The store itself is unchanged; every call goes straight through.
/// </summary>
public sealed class InstrumentedBlobStore(IBlobStore inner) : IBlobStore, IDisposable
{
    public IBlobStore Inner => inner;

    internal static async Task<T> Count<T>(string operation, Func<Task<T>> call)
    {
        try { return await call(); }
        catch (Exception e) when (IsError(e)) { PhotoTelemetry.BlobError(operation); throw; }
    }

    internal static async Task Count(string operation, Func<Task> call)
    {
        try { await call(); }
        catch (Exception e) when (IsError(e)) { PhotoTelemetry.BlobError(operation); throw; }
    }

    private static bool IsError(Exception e) => e is not (FileNotFoundException or OperationCanceledException);

    public async Task<IBlobUpload> BeginUploadAsync(CancellationToken ct) =>
        new Upload(await Count("begin_upload", () => inner.BeginUploadAsync(ct)));

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct) => Count("open_read", () => inner.OpenReadAsync(key, ct));

    public Task<bool> ExistsAsync(string key, CancellationToken ct) => Count("exists", () => inner.ExistsAsync(key, ct));

    public Task DeleteAsync(string key, CancellationToken ct) => Count("delete", () => inner.DeleteAsync(key, ct));

    public string? LocalPath(string key) => inner.LocalPath(key);

    public Task<int> PurgeStaleUploadsAsync(TimeSpan age, CancellationToken ct) => Count("purge", () => inner.PurgeStaleUploadsAsync(age, ct));

    public Task<string> CreateStagedAsync(CancellationToken ct) => Count("create_staged", () => inner.CreateStagedAsync(ct));

    public async Task<IStagedAppend> AppendStagedAsync(string stagingKey, long offset, CancellationToken ct) =>
        new Append(await Count("append_staged", () => inner.AppendStagedAsync(stagingKey, offset, ct)));

    public Task<Stream> OpenStagedReadAsync(string stagingKey, CancellationToken ct) =>
        Count("open_staged_read", () => inner.OpenStagedReadAsync(stagingKey, ct));

    public Task CommitStagedAsync(string stagingKey, long length, string key, CancellationToken ct) =>
        Count("commit_staged", () => inner.CommitStagedAsync(stagingKey, length, key, ct));

    public Task DeleteStagedAsync(string stagingKey, CancellationToken ct) => Count("delete_staged", () => inner.DeleteStagedAsync(stagingKey, ct));

    public Task<IReadOnlyList<StagedObject>> ListStagedAsync(CancellationToken ct) => Count("list_staged", () => inner.ListStagedAsync(ct));

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private sealed class Upload(IBlobUpload inner) : IBlobUpload
    {
        public Stream Content => inner.Content;
        public long Length => inner.Length;
        public byte[] Sha256() => inner.Sha256();
        public Task CommitAsync(string key, CancellationToken ct) => Count("commit", () => inner.CommitAsync(key, ct));
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class Append(IStagedAppend inner) : IStagedAppend
    {
        public Stream Content => inner.Content;
        public long Written => inner.Written;
        public Task SaveAsync(CancellationToken ct) => Count("save_staged", () => inner.SaveAsync(ct));
        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
