using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Workers.Jobs;

/// <summary>Moving blobs to and from local files, for libvips (which wants paths).</summary>
public static class BlobFiles
{
    /// <summary>The blob itself on the local store, else a copy in <paramref name="work"/>.</summary>
    public static async Task<string> LocalPathAsync(this IBlobStore blobs, string key, string work, CancellationToken ct)
    {
        if (blobs.LocalPath(key) is { } local && File.Exists(local)) return local;
        var copy = Path.Combine(work, "source");
        await using var from = await blobs.OpenReadAsync(key, ct);
        await using var to = File.Create(copy);
        await from.CopyToAsync(to, ct);
        return copy;
    }

    /// <summary>Stores a local file under <paramref name="key"/> (staged, then committed).</summary>
    public static async Task StoreFileAsync(this IBlobStore blobs, string path, string key, CancellationToken ct)
    {
        await using var upload = await blobs.BeginUploadAsync(ct);
        await using (var file = File.OpenRead(path)) await file.CopyToAsync(upload.Content, ct);
        await upload.CommitAsync(key, ct);
    }
}
