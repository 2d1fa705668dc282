using Dapper;
using Npgsql;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// Blobs named by an id (a guest's raw file, an export's metadata files) whose row is deleted: the deleting transaction
/// queues their keys here (a guest's waiting file: a trigger on its upload row), and the blob collector deletes the
/// bytes later, under <see cref="BackupLock"/>. Deleting them
/// at once would take bytes from a running backup whose snapshot still names them, and a process dying between the
/// commit and the deletion would leave them for ever.
/// </summary>
public static class OrphanBlobs
{
    private const string QueueSql = "INSERT INTO orphan_blobs (key) SELECT unnest(@keys) ON CONFLICT DO NOTHING";

    /// <summary>Queues <paramref name="keys"/> in <paramref name="tx"/>: their bytes go when the collector next runs (after the commit).</summary>
    public static async Task QueueAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        if (keys.Count == 0) return;
        await conn.ExecuteAsync(new CommandDefinition(QueueSql, new { keys = keys.ToArray() }, tx, cancellationToken: ct));
    }

    private const string BatchSql = "SELECT key FROM orphan_blobs ORDER BY queued_at LIMIT 500";
    private const string DoneSql = "DELETE FROM orphan_blobs WHERE key = @key";

    /// <summary>
    /// The collector's side: deletes the queued blobs, each with its queue row in one transaction that first checks no
    /// backup runs. Returns how many went, and false as the second value when a backup stopped it (the rest wait for the
    /// next run).
    /// </summary>
    public static async Task<(int Deleted, bool Finished)> CollectAsync(NpgsqlConnection conn, IBlobStore blobs, CancellationToken ct)
    {
        var deleted = 0;
        while (true)
        {
            var batch = (await conn.QueryAsync<string>(new CommandDefinition(BatchSql, cancellationToken: ct))).AsList();
            if (batch.Count == 0) return (deleted, true);
            foreach (var key in batch)
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                if (!await BackupLock.TryAllowDeletionAsync(conn, tx, ct)) return (deleted, false);
                await blobs.DeleteAsync(key, ct);
                await conn.ExecuteAsync(new CommandDefinition(DoneSql, new { key }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                deleted++;
            }
        }
    }
}
