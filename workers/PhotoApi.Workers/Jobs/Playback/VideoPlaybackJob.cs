using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Jobs.Playback;

/// <summary>
/// Makes a video's web-playable copy (<see cref="PlaybackTranscoder"/>: H.264/AAC MP4, index first, at most 1080p,
/// upright, no metadata) on the video queue, one per original checksum, stored under <see cref="BlobKeys.Playback"/>
/// and recorded in <c>video_playbacks</c>; then every video asset with those bytes plays from it. A video ffmpeg cannot
/// transcode (or not within its time limit) ends as <c>failed</c> with the reason and the asset stays ready without a
/// playback URL (its original still downloads); anything else hands the claim back and is thrown so Hangfire retries.
/// </summary>
/// <remarks>
/// Idempotent like <see cref="CleanOriginal.CleanOriginalJob"/>: only a pending row (or one whose run was presumed dead)
/// is claimed, the key is the same for every run, and the copy is committed under the blob collector's per-checksum lock
/// and only while an asset still uses the checksum. Assets copied or uploaded again while it ran get the copy from the
/// final UPDATE (they have the checksum), from their own processing (which reads the ready row), or from the sweeper.
/// </remarks>
public sealed class VideoPlaybackJob(NpgsqlDataSource db, IBlobStore blobs, VideoProbe probe, PlaybackTranscoder transcoder,
    ILogger<VideoPlaybackJob> logger) : IVideoPlaybackJob
{
    public const int MaxAttempts = 5;

    private const string SourceSql = "SELECT checksum, blob_key FROM assets WHERE id = @id AND media_type = 'video'";

    private static readonly string ClaimSql = $"""
        UPDATE video_playbacks SET {ProcessingClaims.Claim}
        WHERE checksum = @checksum AND {ProcessingClaims.Claimable("video_playbacks")}
        RETURNING attempts
        """;


    private const string ReadySql = """
        UPDATE video_playbacks SET status = 'ready', blob_key = @key, size_bytes = @size, processing_since = NULL,
            failure_reason = NULL, updated_at = now()
        WHERE checksum = @checksum AND status = 'processing';
        UPDATE assets SET playback_key = @key, updated_at = now()
        WHERE checksum = @checksum AND media_type = 'video' AND playback_key IS DISTINCT FROM @key;
        """;

    private const string ReleaseSql = """
        UPDATE video_playbacks SET status = 'pending', processing_since = NULL, updated_at = now()
        WHERE checksum = @checksum AND status = 'processing'
        """;

    private sealed record Source(byte[] Checksum, string BlobKey);

    public async Task TranscodeAsync(Guid assetId, CancellationToken ct)
    {
        Source? source;
        int? attempts;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            source = await conn.QuerySingleOrDefaultAsync<Source>(new CommandDefinition(SourceSql, new { id = assetId }, cancellationToken: ct));
            if (source is null) return; // deleted meanwhile: the sweeper enqueues again with an asset that exists, if any
            attempts = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(ClaimSql, new { checksum = source.Checksum }, cancellationToken: ct));
        }
        if (attempts is null)
        {
            logger.LogInformation("The playback copy of video {AssetId} needs no work (made, failed or being made)", assetId);
            return;
        }
        if (attempts > MaxAttempts)
        {
            await FailAsync(source.Checksum, "Transcoding kept failing.", ct);
            return;
        }

        var work = Sweeper.WorkDirs.Create("playback", assetId);
        try
        {
            var original = await blobs.LocalPathAsync(source.BlobKey, work, ct);
            var copy = Path.Combine(work, "playback.mp4");
            // A transcode may run for hours (and storing a large copy take minutes): the claim is renewed meanwhile, or
            // it would look dead and be taken over.
            await using var heartbeat = ProcessingClaims.Heartbeat(db, "video_playbacks", "checksum", source.Checksum, logger);
            try
            {
                var info = await probe.ProbeAsync(original, ct);
                await transcoder.WriteAsync(original, info, copy, ct);
            }
            catch (VideoRejectedException e)
            {
                logger.LogWarning("No playback copy of video {AssetId}: {Reason}", assetId, e.Message);
                await FailAsync(source.Checksum, e.Message, ct);
                return;
            }
            var key = BlobKeys.Playback(source.Checksum);
            await Copies.StoreAsync(db, blobs, source.Checksum, copy, key, ReadySql, (_, size) => new { checksum = source.Checksum, key, size }, ct);
        }
        catch
        {
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync(new CommandDefinition(ReleaseSql, new { checksum = source.Checksum }, cancellationToken: CancellationToken.None));
            throw;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static readonly DerivedCopies Copies = new("video_playbacks");

    private Task FailAsync(byte[] checksum, string reason, CancellationToken ct) => Copies.FailAsync(db, checksum, reason, ct);
}
