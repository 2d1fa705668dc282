using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhotoApi.Backup;

/// <summary>
/// What one backup holds (<c>TARGET/&lt;time&gt;/manifest.json</c>, written last: a folder without it is no backup). Its
/// blobs are in <c>TARGET/blobs/&lt;key&gt;</c>, shared by every backup of the target; a file there is never replaced by
/// other bytes (an earlier backup's manifest names it): other bytes under the same key (a copy made again) go beside it,
/// in <c>&lt;key&gt;~&lt;their SHA-256&gt;</c>, which the blob's <see cref="ManifestBlob.File"/> names.
/// </summary>
public sealed record Manifest
{
    public const string FileName = "manifest.json";
    public const string DumpFileName = "database.dump";
    /// <summary>1: every blob at its key; 2: some blobs at another file (<see cref="ManifestBlob.File"/>), which a tool
    /// that reads format 1 would not look for.</summary>
    public const int CurrentFormat = 2;

    public int Format { get; init; } = CurrentFormat;
    public required string Tool { get; init; }
    /// <summary>When the database snapshot was taken: the backup holds the instance as of this moment.</summary>
    public required DateTimeOffset SnapshotAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }
    /// <summary>The highest migration applied in the snapshot; a restore refuses a version newer than its code's.</summary>
    public required int SchemaVersion { get; init; }
    public required string ServerVersion { get; init; }
    /// <summary>Where the blobs came from: local or s3.</summary>
    public required string Source { get; init; }
    public string Dump { get; init; } = DumpFileName;
    public required long DumpBytes { get; init; }
    public required ManifestCounts Counts { get; init; }
    /// <summary>Blobs this run copied (the others were in the target already, from an earlier backup).</summary>
    public required ManifestCopied Copied { get; init; }
    public required List<ManifestBlob> Blobs { get; init; }
    /// <summary>Keys the snapshot references that the store no longer held (deleters defer while a backup runs: a store
    /// that lost them, or files deleted by hand).</summary>
    public List<string> Missing { get; init; } = [];

    public static string ToolVersion =>
        "PhotoApi.Backup " + (typeof(Manifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<Manifest> ReadAsync(string path, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<Manifest>(file, Json, ct) ?? throw new BackupException($"{path} is empty.");
    }

    public async Task WriteAsync(string path, CancellationToken ct)
    {
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            await JsonSerializer.SerializeAsync(file, this, Json, ct);
            file.Flush(flushToDisk: true);
        }
    }
}

public sealed record ManifestCounts(long Users, long Assets, long Blobs, long Bytes);

public sealed record ManifestCopied(long Blobs, long Bytes);

/// <summary>A blob: its key, size and SHA-256 (hex), and the file under the target's blobs holding it when that is not its key.</summary>
public sealed record ManifestBlob(string Key, long Size, string Sha256, string? File = null)
{
    /// <summary>The file holding this blob's bytes under a target's <c>blobs</c> folder.</summary>
    public string PathIn(string blobRoot) => BlobInventory.PathUnder(blobRoot, File ?? Key);

    /// <summary>The file beside <paramref name="key"/>'s for other bytes under the same key.</summary>
    public static string VariantOf(string key, string sha256) => $"{key}~{sha256}";
}
