using Dapper;
using Hangfire;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;
using PhotoApi.Workers.Imaging;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Jobs.ProcessAsset;

/// <summary>
/// Reads an uploaded image's or video's metadata and makes its derivatives (a video's poster frame goes through the same
/// thumbnail and preview code as a photo; see <see cref="VideoReadyAsync"/>). Idempotent: it claims the asset only while it is
/// pending or processing, writes derivatives under content-addressed keys (a rerun overwrites them with the same bytes)
/// and finishes with a conditional update. A file the decoder refuses ends as <c>failed</c> with the reason; anything
/// else (database, disk) is thrown so Hangfire retries, and an asset that keeps failing is failed for good.
/// </summary>
public sealed class ProcessAssetJob(NpgsqlDataSource db, IBlobStore blobs, IImageProcessor images, VideoProbe probe, VideoPoster poster,
    IBackgroundJobClient jobs, ILogger<ProcessAssetJob> logger) : IProcessAssetJob
{
    public const int MaxAttempts = 5;

    private static readonly string ClaimSql = $"""
        UPDATE assets SET {ProcessingClaims.Claim}
        WHERE id = @id AND status IN ('pending', 'processing') AND trashed_at IS NULL
        RETURNING checksum, blob_key, media_type, attempts
        """;

    // What a photo and a video both set when ready. The date read from the file wins only over the upload's own guesses
    // (not over a date the user set); a video's counts as 'exif' too: the file's own record of when it was taken.
    private const string ReadySet = """
        status = 'ready', processing_since = NULL, failure_reason = NULL, updated_at = now(),
            width = @width, height = @height, orientation = @orientation,
            camera_make = @cameraMake, camera_model = @cameraModel, latitude = @latitude, longitude = @longitude,
            taken_at = CASE WHEN @takenAt::timestamptz IS NOT NULL AND taken_at_source IN ('upload', 'client') THEN @takenAt ELSE taken_at END,
            taken_at_source = CASE WHEN @takenAt::timestamptz IS NOT NULL AND taken_at_source IN ('upload', 'client') THEN 'exif' ELSE taken_at_source END,
            thumbnail_key = @thumbnailKey, preview_key = @previewKey
        """;

    private const string ReadySql = $"UPDATE assets SET {ReadySet} WHERE id = @id AND status = 'processing'";

    // The playback copy, one per checksum, is asked for before the asset is ready, so the sweeper sees it if the enqueue is lost.
    private const string RequestPlaybackSql = "INSERT INTO video_playbacks (checksum) VALUES (@checksum) ON CONFLICT (checksum) DO NOTHING";

    // A video plays from its original when browsers play that, else from its copy once made (identical bytes uploaded
    // again, or a copy processed on its own, find it made). The copy's job sets it for every asset of the checksum when
    // done, so an asset made ready while it runs gets it then: this statement and that one lock the same rows.
    private const string VideoReadySql = $"""
        UPDATE assets SET {ReadySet},
            duration_seconds = @duration, video_codec = @videoCodec, audio_codec = @audioCodec, frame_rate = @frameRate,
            playback_key = CASE WHEN @playsAsIs THEN blob_key
                                ELSE (SELECT vp.blob_key FROM video_playbacks vp WHERE vp.checksum = assets.checksum AND vp.status = 'ready') END
        WHERE id = @id AND status = 'processing'
        RETURNING (SELECT vp.status FROM video_playbacks vp WHERE vp.checksum = assets.checksum)
        """;

    private const string PlainReadySql = """
        UPDATE assets SET status = 'ready', processing_since = NULL, failure_reason = NULL, updated_at = now()
        WHERE id = @id AND status = 'processing'
        """;

    private const string FailedSql = """
        UPDATE assets SET status = 'failed', processing_since = NULL, failure_reason = @reason, updated_at = now()
        WHERE id = @id AND status IN ('pending', 'processing')
        """;

    private sealed record Claimed(byte[] Checksum, string BlobKey, string MediaType, int Attempts);

    public async Task ProcessAsync(Guid assetId, CancellationToken ct)
    {
        Claimed? claimed;
        await using (var conn = await db.OpenConnectionAsync(ct))
            claimed = await conn.QuerySingleOrDefaultAsync<Claimed>(new CommandDefinition(ClaimSql, new { id = assetId }, cancellationToken: ct));
        if (claimed is null)
        {
            logger.LogInformation("Asset {AssetId} needs no processing (done, failed, trashed or gone)", assetId);
            return;
        }
        if (claimed.Attempts > MaxAttempts)
        {
            await FailAsync(assetId, "Processing kept failing; the file was kept as uploaded.", ct);
            return;
        }
        if (claimed.MediaType is not ("image" or "video"))
        {
            // Documents are kept and served as uploaded; derivatives are for images and videos.
            await using var conn = await db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(PlainReadySql, new { id = assetId }, cancellationToken: ct));
            return;
        }

        var work = Path.Combine(Path.GetTempPath(), $"photoapi-{assetId:N}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var source = await blobs.LocalPathAsync(claimed.BlobKey, work, ct);
            var thumbnail = Path.Combine(work, "thumbnail.webp");
            var preview = Path.Combine(work, "preview.jpg");
            ImageInfo? image = null;
            VideoInfo? video = null;
            try
            {
                if (claimed.MediaType == "video")
                {
                    // A video's poster frame (upright, no metadata) goes through the same code as a photo.
                    video = await probe.ProbeAsync(source, ct);
                    var frame = Path.Combine(work, "poster.png");
                    await poster.WriteAsync(source, video, frame, ct);
                    images.MakeDerivatives(frame, thumbnail, preview);
                }
                else image = images.MakeDerivatives(source, thumbnail, preview);
            }
            catch (Exception e) when (e is ImageRejectedException or VideoRejectedException)
            {
                logger.LogInformation("Asset {AssetId} rejected: {Reason}", assetId, e.Message);
                await FailAsync(assetId, e.Message, ct);
                return;
            }
            var thumbnailKey = BlobKeys.Thumbnail(claimed.Checksum);
            var previewKey = BlobKeys.Preview(claimed.Checksum);
            await blobs.StoreFileAsync(thumbnail, thumbnailKey, ct);
            await blobs.StoreFileAsync(preview, previewKey, ct);

            if (video is not null)
            {
                await VideoReadyAsync(assetId, claimed.Checksum, video, thumbnailKey, previewKey, ct);
                return;
            }
            var info = image!;
            await using var conn = await db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(ReadySql, new
            {
                id = assetId, width = info.Width, height = info.Height, orientation = (short)info.Orientation,
                cameraMake = Clip(info.CameraMake), cameraModel = Clip(info.CameraModel), latitude = info.Latitude, longitude = info.Longitude,
                takenAt = WallClock(info.TakenAt), thumbnailKey, previewKey,
            }, cancellationToken: ct));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// A video is ready with what ffprobe read (duration, size as displayed, codecs, date, place, camera) and its poster;
    /// it plays from its original when browsers play that (<see cref="PlaybackTranscoder.PlaysAsIs"/>), else from a copy
    /// the video queue makes (<see cref="IVideoPlaybackJob"/>) — until then it is ready without a playback URL.
    /// </summary>
    private async Task VideoReadyAsync(Guid assetId, byte[] checksum, VideoInfo info, string thumbnailKey, string previewKey, CancellationToken ct)
    {
        var playsAsIs = PlaybackTranscoder.PlaysAsIs(info, probe.Options);
        await using var conn = await db.OpenConnectionAsync(ct);
        if (!playsAsIs)
            await conn.ExecuteAsync(new CommandDefinition(RequestPlaybackSql, new { checksum }, cancellationToken: ct));
        var playback = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(VideoReadySql, new
        {
            id = assetId, width = info.Width, height = info.Height, orientation = (short)1,
            cameraMake = info.CameraMake, cameraModel = info.CameraModel, latitude = info.Latitude, longitude = info.Longitude,
            takenAt = WallClock(info.TakenAt), thumbnailKey, previewKey,
            duration = info.DurationSeconds, videoCodec = Clip(info.VideoCodec, 50), audioCodec = Clip(info.AudioCodec, 50),
            frameRate = info.FrameRate, playsAsIs,
        }, cancellationToken: ct));
        // Pending: nobody is at it yet (processing: a run is, and sets it on this asset too; ready or failed: decided).
        if (!playsAsIs && playback == "pending")
            jobs.Enqueue<IVideoPlaybackJob>(Queues.Video, j => j.TranscodeAsync(assetId, CancellationToken.None));
    }

    // Camera clocks have no zone: the wall-clock time is kept as is, labelled UTC.
    private static DateTime? WallClock(DateTime? takenAt) => takenAt is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;

    private async Task FailAsync(Guid assetId, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(FailedSql, new { id = assetId, reason = Clip(reason, 500) }, cancellationToken: ct));
    }

    private static string? Clip(string? text, int max = 200) => text is null ? null : text.Length <= max ? text : text[..max];
}
