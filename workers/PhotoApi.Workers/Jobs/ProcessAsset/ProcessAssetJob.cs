using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;
using PhotoApi.Workers.Imaging;

namespace PhotoApi.Workers.Jobs.ProcessAsset;

/// <summary>
/// Reads an uploaded image's metadata and makes its derivatives. Idempotent: it claims the asset only while it is
/// pending or processing, writes derivatives under content-addressed keys (a rerun overwrites them with the same bytes)
/// and finishes with a conditional update. A file the decoder refuses ends as <c>failed</c> with the reason; anything
/// else (database, disk) is thrown so Hangfire retries, and an asset that keeps failing is failed for good.
/// </summary>
public sealed class ProcessAssetJob(NpgsqlDataSource db, IBlobStore blobs, IImageProcessor images, ILogger<ProcessAssetJob> logger) : IProcessAssetJob
{
    public const int MaxAttempts = 5;

    private static readonly string ClaimSql = $"""
        UPDATE assets SET {ProcessingClaims.Claim}
        WHERE id = @id AND status IN ('pending', 'processing') AND trashed_at IS NULL
        RETURNING checksum, blob_key, media_type, attempts
        """;

    private const string ReadySql = """
        UPDATE assets SET status = 'ready', processing_since = NULL, failure_reason = NULL, updated_at = now(),
            width = @width, height = @height, orientation = @orientation,
            camera_make = @cameraMake, camera_model = @cameraModel, latitude = @latitude, longitude = @longitude,
            taken_at = CASE WHEN @takenAt::timestamptz IS NOT NULL AND taken_at_source IN ('upload', 'client') THEN @takenAt ELSE taken_at END,
            taken_at_source = CASE WHEN @takenAt::timestamptz IS NOT NULL AND taken_at_source IN ('upload', 'client') THEN 'exif' ELSE taken_at_source END,
            thumbnail_key = @thumbnailKey, preview_key = @previewKey
        WHERE id = @id AND status = 'processing'
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
        if (claimed.MediaType != "image")
        {
            // Videos and documents are kept and served as uploaded; derivatives are for images.
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
            ImageInfo info;
            try
            {
                info = images.MakeDerivatives(source, thumbnail, preview);
            }
            catch (ImageRejectedException e)
            {
                logger.LogInformation("Asset {AssetId} rejected: {Reason}", assetId, e.Message);
                await FailAsync(assetId, e.Message, ct);
                return;
            }
            var thumbnailKey = BlobKeys.Thumbnail(claimed.Checksum);
            var previewKey = BlobKeys.Preview(claimed.Checksum);
            await blobs.StoreFileAsync(thumbnail, thumbnailKey, ct);
            await blobs.StoreFileAsync(preview, previewKey, ct);

            await using var conn = await db.OpenConnectionAsync(ct);
            await conn.ExecuteAsync(new CommandDefinition(ReadySql, new
            {
                id = assetId, width = info.Width, height = info.Height, orientation = (short)info.Orientation,
                cameraMake = Clip(info.CameraMake), cameraModel = Clip(info.CameraModel), latitude = info.Latitude, longitude = info.Longitude,
                // Camera clocks have no zone: the wall-clock time is kept as is, labelled UTC.
                takenAt = info.TakenAt is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : (DateTime?)null,
                thumbnailKey, previewKey,
            }, cancellationToken: ct));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task FailAsync(Guid assetId, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(FailedSql, new { id = assetId, reason = Clip(reason, 500) }, cancellationToken: ct));
    }

    private static string? Clip(string? text, int max = 200) => text is null ? null : text.Length <= max ? text : text[..max];
}
