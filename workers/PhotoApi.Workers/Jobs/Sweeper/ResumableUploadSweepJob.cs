using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Workers.Jobs.Sweeper;

/// <summary>
/// Every 15 minutes: resumable uploads past their <c>expires_at</c> (unfinished ones with their staged bytes; finished ones
/// are only their row, their bytes became an asset) and those whose user, share or photo request no longer exists go.
/// </summary>
public sealed class ResumableUploadSweepJob(NpgsqlDataSource db, IBlobStore blobs, ILogger<ResumableUploadSweepJob> logger) : IResumableUploadSweepJob
{
    private const string SweepSql = """
        DELETE FROM resumable_uploads WHERE id_hash IN (
            SELECT u.id_hash FROM resumable_uploads u
            WHERE u.expires_at < now()
               OR u.owner_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users x WHERE x.id = u.owner_id)
               OR u.share_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM shares x WHERE x.id = u.share_id)
               OR u.request_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM photo_requests x WHERE x.id = u.request_id)
            LIMIT 1000
            FOR UPDATE SKIP LOCKED)
        RETURNING staging_key, completed_at IS NOT NULL AS completed
        """;

    public async Task SweepAsync(CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            List<(string StagingKey, bool Completed)> gone;
            await using (var conn = await db.OpenConnectionAsync(ct))
                gone = (await conn.QueryAsync<(string, bool)>(new CommandDefinition(SweepSql, cancellationToken: ct))).AsList();
            // The rows go first: an upload without its row is unreachable, so deleting its bytes next cannot race a PATCH.
            foreach (var (key, completed) in gone)
                if (!completed) await blobs.DeleteStagedAsync(key, ct);
            total += gone.Count;
            if (gone.Count < 1000) break;
        }
        if (total > 0) logger.LogInformation("Deleted {Count} expired resumable uploads", total);
    }
}
