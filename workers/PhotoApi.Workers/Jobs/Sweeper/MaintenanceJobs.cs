using Dapper;
using Hangfire;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Workers.Jobs.Sweeper;

/// <summary>
/// Every few minutes: enqueues assets whose processing never finished (an enqueue lost after the upload committed, a
/// worker that died mid-job), deletes staged uploads a crashed process left behind, and starts the blob collector when
/// there is garbage; likewise for photo-request uploads. Safe to run on several workers: a doubly enqueued asset is processed once (the job claims it).
/// </summary>
public sealed class StuckAssetSweeperJob(NpgsqlDataSource db, IBlobStore blobs, IBackgroundJobClient jobs, ILogger<StuckAssetSweeperJob> logger)
    : IStuckAssetSweeperJob
{
    private static readonly string StuckSql = $"""
        SELECT id FROM assets
        WHERE trashed_at IS NULL
          AND (status = 'pending' AND created_at < now() - interval '2 minutes'
               OR {ProcessingClaims.PresumedDead("assets")}
               -- processing without a claim time: no job ever claimed it (copies made before copies got jobs of their own)
               OR status = 'processing' AND processing_since IS NULL AND created_at < now() - interval '2 minutes')
        ORDER BY created_at
        LIMIT 1000
        """;
    // Playback copies whose job was lost or whose run died (its claim silent), an hour after they were last enqueued or
    // claimed (the video queue may be long: a job waiting its turn is not lost); each is enqueued again with one of its
    // videos and marked, so that it waits another hour before being enqueued again.
    private static readonly string StuckPlaybacksSql = $"""
        UPDATE video_playbacks vp SET updated_at = now()
        FROM (SELECT DISTINCT ON (p.checksum) p.checksum, a.id
              FROM video_playbacks p JOIN assets a ON a.checksum = p.checksum AND a.media_type = 'video' AND a.trashed_at IS NULL
              WHERE (p.status = 'pending' OR {ProcessingClaims.PresumedDead("p")}) AND p.updated_at < now() - interval '1 hour'
              ORDER BY p.checksum, a.created_at
              LIMIT 1000) s
        WHERE vp.checksum = s.checksum
        RETURNING s.id
        """;

    // A video copied (or uploaded again) in the instant its playback copy was committed can miss it: set it now.
    private const string MissedPlaybacksSql = """
        UPDATE assets a SET playback_key = vp.blob_key, updated_at = now()
        FROM video_playbacks vp
        WHERE vp.status = 'ready' AND vp.updated_at > now() - interval '1 day'
          AND a.checksum = vp.checksum AND a.media_type = 'video' AND a.status = 'ready' AND a.playback_key IS NULL
        """;

    private const string OrphansSql = "SELECT EXISTS (SELECT 1 FROM orphan_checksums) OR EXISTS (SELECT 1 FROM orphan_blobs)";

    // Photo-request uploads never finished, or finished with the guest's bytes still stored (a crash between commit and delete).
    private static readonly string StuckRequestUploadsSql = $"""
        SELECT id, media_type FROM photo_request_uploads
        WHERE status = 'pending' AND created_at < now() - interval '2 minutes'
           OR {ProcessingClaims.PresumedDead("photo_request_uploads")}
           OR status IN ('ready', 'failed') AND raw_blob_key IS NOT NULL AND updated_at < now() - interval '2 minutes'
        ORDER BY created_at
        LIMIT 1000
        """;

    public async Task SweepAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var stuck = (await conn.QueryAsync<Guid>(new CommandDefinition(StuckSql, cancellationToken: ct))).AsList();
        foreach (var id in stuck) jobs.Enqueue<IProcessAssetJob>(Queues.Media, j => j.ProcessAsync(id, CancellationToken.None));
        var uploads = (await conn.QueryAsync<(Guid Id, string MediaType)>(new CommandDefinition(StuckRequestUploadsSql, cancellationToken: ct))).AsList();
        // On the queue the API put it on: a video's clean may transcode for hours, never on the queue photos wait in.
        foreach (var (id, mediaType) in uploads)
            jobs.Enqueue<IProcessRequestUploadJob>(mediaType == "video" ? Queues.Video : Queues.Media, j => j.ProcessAsync(id, CancellationToken.None));
        var playbacks = (await conn.QueryAsync<Guid>(new CommandDefinition(StuckPlaybacksSql, cancellationToken: ct))).AsList();
        foreach (var id in playbacks) jobs.Enqueue<IVideoPlaybackJob>(Queues.Video, j => j.TranscodeAsync(id, CancellationToken.None));
        await conn.ExecuteAsync(new CommandDefinition(MissedPlaybacksSql, cancellationToken: ct));
        var staged = await blobs.PurgeStaleUploadsAsync(TimeSpan.FromDays(1), ct);
        if (await conn.ExecuteScalarAsync<bool>(new CommandDefinition(OrphansSql, cancellationToken: ct)))
            jobs.Enqueue<IBlobCollectorJob>(Queues.Maintenance, j => j.CollectAsync(CancellationToken.None));
        if (stuck.Count > 0 || uploads.Count > 0 || playbacks.Count > 0 || staged > 0)
            logger.LogInformation("Re-enqueued {Stuck} assets, {Uploads} photo-request uploads and {Playbacks} playback copies, deleted {Staged} stale staged uploads",
                stuck.Count, uploads.Count, playbacks.Count, staged);
    }
}

public sealed class BlobCollectorJob(NpgsqlDataSource db, IBlobStore blobs, ILogger<BlobCollectorJob> logger) : IBlobCollectorJob
{
    private const string BatchSql = "SELECT checksum FROM orphan_checksums ORDER BY queued_at LIMIT 500";
    private const string InUseSql = "SELECT EXISTS (SELECT 1 FROM assets WHERE checksum = @checksum)";
    private const string DoneSql = "DELETE FROM orphan_checksums WHERE checksum = @checksum";
    // The copy without metadata made for link guests (see CleanOriginalJob) and a video's playback copy (VideoPlaybackJob)
    // go with the original.
    private static readonly string[] CopiesSql =
    [
        "DELETE FROM clean_originals WHERE checksum = @checksum RETURNING blob_key",
        "DELETE FROM video_playbacks WHERE checksum = @checksum RETURNING blob_key",
    ];

    public async Task CollectAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var deleted = 0;
        while (true)
        {
            var batch = (await conn.QueryAsync<byte[]>(new CommandDefinition(BatchSql, cancellationToken: ct))).AsList();
            if (batch.Count == 0) break;
            foreach (var checksum in batch)
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                // A running backup's snapshot may still reference these bytes: leave them (and the queue) for the next
                // run, which the sweeper starts while orphans remain.
                if (!await BackupLock.TryAllowDeletionAsync(conn, tx, ct))
                {
                    logger.LogInformation("A backup is running: unused files are deleted after it ({Deleted} deleted so far)", deleted);
                    return;
                }
                // The upload endpoint commits new bytes under this same lock: bytes being re-uploaded are never deleted.
                await BlobLocks.HoldAsync(conn, tx, checksum, ct);
                if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(InUseSql, new { checksum }, tx, cancellationToken: ct)))
                {
                    foreach (var key in new[] { BlobKeys.Original(checksum), BlobKeys.Thumbnail(checksum), BlobKeys.Preview(checksum), BlobKeys.Playback(checksum) })
                        await blobs.DeleteAsync(key, ct);
                    foreach (var sql in CopiesSql)
                    foreach (var key in await conn.QueryAsync<string?>(new CommandDefinition(sql, new { checksum }, tx, cancellationToken: ct)))
                        if (key is not null && await blobs.ExistsAsync(key, ct)) await blobs.DeleteAsync(key, ct);
                    deleted++;
                }
                await conn.ExecuteAsync(new CommandDefinition(DoneSql, new { checksum }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
            }
        }
        if (deleted > 0) logger.LogInformation("Deleted the bytes of {Count} unused files", deleted);

        // Blobs named by ids whose rows went (guests' raw files, exports' files): same lock, nothing else to check.
        var (orphans, finished) = await OrphanBlobs.CollectAsync(conn, blobs, ct);
        if (orphans > 0) logger.LogInformation("Deleted {Count} files whose rows were deleted", orphans);
        if (!finished) logger.LogInformation("A backup is running: the other files whose rows were deleted go after it");
    }
}
