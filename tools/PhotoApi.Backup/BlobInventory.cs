using Dapper;
using Npgsql;

namespace PhotoApi.Backup;

/// <summary>One blob the database references: its key, the size the database records (when it does) and the SHA-256 its
/// bytes must have (originals: the asset's checksum; clean copies: theirs), when the database knows it.</summary>
public sealed record ReferencedBlob(string Key, long? Size, byte[]? Sha256);

/// <summary>
/// Every blob key the database references, read in one snapshot: the whole set a backup copies and a restore puts back
/// (a ready export's two metadata files are named by its id, not by a column). Adding a column that names a blob means adding it here (BackupTests fails on a <c>*_key</c> column that is in neither
/// list below).
/// </summary>
public static class BlobInventory
{
    /// <summary>The columns whose values are keys of committed blobs.</summary>
    public static readonly string[] Columns =
    [
        "assets.blob_key", "assets.thumbnail_key", "assets.preview_key", "assets.playback_key",
        "clean_originals.blob_key", "video_playbacks.blob_key", "photo_request_uploads.raw_blob_key",
    ];

    /// <summary><c>*_key</c> columns that name no committed blob, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotBlobs = new Dictionary<string, string>
    {
        // An unfinished tus upload's staging object: not a committed blob. A restore drops unfinished uploads (their
        // clients start again); finished ones only keep their answer.
        ["resumable_uploads.staging_key"] = "staging object of an unfinished upload",
        ["shares.link_key"] = "a link's secret",
        ["photo_requests.link_key"] = "a link's secret",
        ["settings.media_signing_key"] = "the HMAC key",
    };

    // Clean copies and playback copies count once ready (their key is named when the worker starts, stored at the end).
    private const string Sql = """
        SELECT key, max(size) AS size, (array_agg(sha256) FILTER (WHERE sha256 IS NOT NULL))[1] AS sha256
        FROM (SELECT blob_key AS key, size_bytes AS size, checksum AS sha256 FROM assets
              UNION ALL SELECT thumbnail_key, NULL, NULL FROM assets WHERE thumbnail_key IS NOT NULL
              UNION ALL SELECT preview_key, NULL, NULL FROM assets WHERE preview_key IS NOT NULL
              UNION ALL SELECT playback_key, NULL, NULL FROM assets WHERE playback_key IS NOT NULL
              UNION ALL SELECT blob_key, size_bytes, clean_checksum FROM clean_originals WHERE status = 'ready'
              UNION ALL SELECT blob_key, size_bytes, NULL FROM video_playbacks WHERE status = 'ready'
              UNION ALL SELECT raw_blob_key, NULL, NULL FROM photo_request_uploads WHERE raw_blob_key IS NOT NULL
              -- A ready export's metadata files (BlobKeys.ExportFile: exports/<id as 32 hex digits>/<name>), which its download streams.
              UNION ALL SELECT 'exports/' || replace(e.id::text, '-', '') || '/' || f.name, NULL, NULL
                        FROM exports e CROSS JOIN (VALUES ('library.json'), ('library.csv')) AS f(name) WHERE e.status = 'ready') k
        GROUP BY key
        ORDER BY key
        """;

    public static async Task<List<ReferencedBlob>> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct) =>
        (await conn.QueryAsync<ReferencedBlob>(new CommandDefinition(Sql, transaction: tx, cancellationToken: ct))).AsList();

    /// <summary>A key as a relative path under a backup's blob folder (keys come from the database: still, never outside it).</summary>
    public static string PathUnder(string root, string key)
    {
        if (key.Length == 0 || key.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(key) || key.StartsWith('.'))
            throw new BackupException($"'{key}' is not a blob key.");
        return Path.Combine(root, key);
    }
}
