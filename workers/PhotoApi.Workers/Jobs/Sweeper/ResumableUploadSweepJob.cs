using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Workers.Jobs.Sweeper;

/// <summary>
/// Every 15 minutes: resumable uploads past their <c>expires_at</c> and those whose user, share or photo request no longer
/// exists go, with their staging objects (an unfinished upload's bytes; a finished one's normally went at completion, but
/// that delete may have been lost) and, for an unfinished photo-request upload, the guest's file a process that died
/// mid-completion may have stored for it (queued for the blob collector). Then staging objects that no upload names and that nobody wrote for
/// <see cref="StagingSafeAge"/> go too: what a process left that died between creating one and inserting its row.
/// </summary>
public sealed class ResumableUploadSweepJob(NpgsqlDataSource db, IBlobStore blobs, ILogger<ResumableUploadSweepJob> logger) : IResumableUploadSweepJob
{
    /// <summary>How long a staging object no row names is kept: far longer than an upload's creation takes from making it
    /// to inserting its row (milliseconds), so a creation in flight never loses its object.</summary>
    public static readonly TimeSpan StagingSafeAge = TimeSpan.FromHours(1);

    private const string SweepSql = """
        WITH gone AS (
            DELETE FROM resumable_uploads WHERE id_hash IN (
                SELECT u.id_hash FROM resumable_uploads u
                WHERE u.expires_at < now()
                   OR u.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users x WHERE x.id = u.owner_id)
                   OR u.share_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM shares x WHERE x.id = u.share_id)
                   OR u.request_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM photo_requests x WHERE x.id = u.request_id)
                LIMIT 1000
                FOR UPDATE SKIP LOCKED)
            RETURNING staging_key, kind, completed_at, result_id)
        SELECT staging_key AS StagingKey,
               CASE WHEN kind = 'request' AND completed_at IS NULL
                         AND NOT EXISTS (SELECT 1 FROM photo_request_uploads p WHERE p.id = gone.result_id)
                    THEN result_id END AS UnrecordedRequestUpload
        FROM gone
        """;
    private const string NamedSql = "SELECT staging_key FROM resumable_uploads WHERE staging_key = ANY(@keys)";

    private sealed record Gone(string StagingKey, Guid? UnrecordedRequestUpload);

    public Task SweepAsync(CancellationToken ct) => SweepAsync(StagingSafeAge, ct);

    /// <summary>The sweep, keeping row-less staging objects written within <paramref name="stagingSafeAge"/> (the drill, once
    /// its load has stopped, sweeps with zero: no creation is in flight then).</summary>
    public async Task SweepAsync(TimeSpan stagingSafeAge, CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            List<Gone> gone;
            await using (var conn = await db.OpenConnectionAsync(ct))
            await using (var tx = await conn.BeginTransactionAsync(ct))
            {
                gone = (await conn.QueryAsync<Gone>(new CommandDefinition(SweepSql, transaction: tx, cancellationToken: ct))).AsList();
                // A guest's file stored for an upload whose row is not there (never recorded, or deleted with its request
                // since — a backup's snapshot may still name it) goes through the blob collector, under the backup lock.
                await OrphanBlobs.QueueAsync(conn, tx, gone.Where(g => g.UnrecordedRequestUpload is not null)
                    .Select(g => BlobKeys.RequestUpload(g.UnrecordedRequestUpload!.Value)).ToList(), ct);
                await tx.CommitAsync(ct);
            }
            // The rows go first (skipping any a PATCH holds): an upload without its row is unreachable, so deleting its
            // staging bytes next cannot race a PATCH.
            foreach (var g in gone) await blobs.DeleteStagedAsync(g.StagingKey, ct);
            total += gone.Count;
            if (gone.Count < 1000) break;
        }
        if (total > 0) logger.LogInformation("Deleted {Count} expired resumable uploads", total);

        var unnamed = await SweepUnnamedStagingAsync(stagingSafeAge, ct);
        if (unnamed > 0) logger.LogInformation("Deleted {Count} resumable staging objects no upload names", unnamed);
    }

    private async Task<int> SweepUnnamedStagingAsync(TimeSpan safeAge, CancellationToken ct)
    {
        var before = DateTime.UtcNow - safeAge;
        var old = (await blobs.ListStagedAsync(ct)).Where(s => s.LastWrittenUtc < before).Select(s => s.Key).ToArray();
        if (old.Length == 0) return 0;
        HashSet<string> named;
        await using (var conn = await db.OpenConnectionAsync(ct))
            named = (await conn.QueryAsync<string>(new CommandDefinition(NamedSql, new { keys = old }, cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var key in old.Where(k => !named.Contains(k)))
        {
            await blobs.DeleteStagedAsync(key, ct);
            deleted++;
        }
        return deleted;
    }
}
