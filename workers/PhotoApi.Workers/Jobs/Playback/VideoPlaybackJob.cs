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
/// Idempotent like <see cref="CleanOriginal.CleanOriginalJob"/>: only a pending row (or one whose run was presumed dead,
/// or one an earlier run of this same Hangfire job claimed) is claimed, the key is the same for every run, and the copy
/// is committed under the blob collector's per-checksum lock and only while an asset still uses the checksum. Assets copied or uploaded again while it ran get the copy from the
/// final UPDATE (they have the checksum), from their own processing (which reads the ready row), or from the sweeper.
/// </remarks>
public sealed class VideoPlaybackJob(NpgsqlDataSource db, IBlobStore blobs, VideoProbe probe, PlaybackTranscoder transcoder,
    ILogger<VideoPlaybackJob> logger) : IVideoPlaybackJob
{
    public const int MaxAttempts = 5;

    private const string SourceSql = "SELECT checksum, blob_key FROM assets WHERE id = @id AND media_type = 'video'";

    private const string ReadySql = $"""
        UPDATE video_playbacks SET status = 'ready', blob_key = @key, size_bytes = @size, {ProcessingClaims.Unclaim},
            failure_reason = NULL, updated_at = now()
        WHERE checksum = @checksum AND status = 'processing';
        UPDATE assets SET playback_key = @key, updated_at = now()
        WHERE checksum = @checksum AND media_type = 'video' AND playback_key IS DISTINCT FROM @key;
        """;

    private sealed record Source(byte[] Checksum, string BlobKey);

    public async Task TranscodeAsync(Guid assetId, CancellationToken ct)
    {
        Source? source;
        await using (var conn = await db.OpenConnectionAsync(ct))
            source = await conn.QuerySingleOrDefaultAsync<Source>(new CommandDefinition(SourceSql, new { id = assetId }, cancellationToken: ct));
        if (source is null) return; // deleted meanwhile: the sweeper enqueues again with an asset that exists, if any
        // A transcode may run for hours (and storing a large copy take minutes): the claim's heartbeat keeps it alive.
        var claimed = await Copies.MakeClaimedAsync(db, source.Checksum, CurrentJob.Id, blobKey: null, MaxAttempts, "Transcoding kept failing.",
            () => TranscodeClaimedAsync(assetId, source, ct), logger, ct);
        if (!claimed) logger.LogInformation("The playback copy of video {AssetId} needs no work (made, failed or being made)", assetId);
    }

    private async Task TranscodeClaimedAsync(Guid assetId, Source source, CancellationToken ct)
    {
        var work = Sweeper.WorkDirs.Create("playback", assetId);
        try
        {
            var original = await blobs.LocalPathAsync(source.BlobKey, work, ct);
            var copy = Path.Combine(work, "playback.mp4");
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
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static readonly DerivedCopies Copies = new("video_playbacks");

    private Task FailAsync(byte[] checksum, string reason, CancellationToken ct) => Copies.FailAsync(db, checksum, reason, ct);
}
