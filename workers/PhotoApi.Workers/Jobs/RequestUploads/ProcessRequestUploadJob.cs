using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;
using PhotoApi.Workers.Imaging;

namespace PhotoApi.Workers.Jobs.RequestUploads;

/// <summary>
/// Stores what a guest sent to a photo request as a <b>new</b> file: libvips decodes the guest's bytes, applies the
/// orientation, converts to sRGB and writes a JPEG with no metadata at all (no EXIF, GPS, XMP, IPTC, ICC); that clean
/// file becomes an asset of the request's owner (its thumbnail and preview made from the clean file too) in the
/// request's folder and album, marked with the request. The guest's bytes are deleted once the clean asset is
/// committed — also when they are refused — so nothing of the original survives.
/// </summary>
/// <remarks>
/// Idempotent and retried: the upload is claimed only while pending or processing; blobs are content-addressed (a rerun
/// rewrites the same bytes); the asset row, album entry and upload status change in one transaction; a run that finds the
/// upload finished only makes sure the guest's bytes are gone.
/// </remarks>
public sealed class ProcessRequestUploadJob(NpgsqlDataSource db, IBlobStore blobs, IImageProcessor images, ILogger<ProcessRequestUploadJob> logger)
    : IProcessRequestUploadJob
{
    public const int MaxAttempts = 5;

    private static readonly string ClaimSql = $"""
        UPDATE photo_request_uploads u SET {ProcessingClaims.Claim}
        FROM photo_requests r
        WHERE u.id = @id AND r.id = u.request_id
          -- A run in progress elsewhere is left alone unless it has been silent long enough to be presumed dead.
          AND {ProcessingClaims.Claimable("u")}
        RETURNING u.raw_blob_key, u.file_name, u.attempts, u.created_at, r.id AS request_id, r.owner_id, u.folder_id, u.album_id
        """;

    private const string LeftoverSql = "SELECT raw_blob_key FROM photo_request_uploads WHERE id = @id AND status IN ('ready', 'failed')";
    private const string RawGoneSql = "UPDATE photo_request_uploads SET raw_blob_key = NULL WHERE id = @id";

    private const string StillMineSql = """
        SELECT id FROM photo_request_uploads WHERE id = @id AND status = 'processing' FOR UPDATE
        """;

    private const string ReadySql = """
        UPDATE photo_request_uploads SET status = 'ready', asset_id = @assetId, processing_since = NULL, failure_reason = NULL, updated_at = now()
        WHERE id = @id AND status = 'processing'
        """;

    private const string FailedSql = """
        UPDATE photo_request_uploads SET status = 'failed', failure_reason = @reason, processing_since = NULL, updated_at = now()
        WHERE id = @id AND status IN ('pending', 'processing')
        """;

    private sealed record Claimed(string? RawBlobKey, string FileName, int Attempts, DateTime CreatedAt, Guid RequestId, Guid OwnerId,
        Guid? FolderId, Guid? AlbumId);

    public async Task ProcessAsync(Guid uploadId, CancellationToken ct)
    {
        Claimed? claimed;
        await using (var conn = await db.OpenConnectionAsync(ct))
            claimed = await conn.QuerySingleOrDefaultAsync<Claimed>(new CommandDefinition(ClaimSql, new { id = uploadId }, cancellationToken: ct));
        if (claimed is null)
        {
            await DeleteLeftoverAsync(uploadId, ct);
            return;
        }
        if (claimed.Attempts > MaxAttempts || claimed.RawBlobKey is null)
        {
            await FailAsync(uploadId, claimed.RawBlobKey, "Processing kept failing; the file was discarded.", ct);
            return;
        }

        var work = Path.Combine(Path.GetTempPath(), $"photoapi-request-{uploadId:N}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            var source = await blobs.LocalPathAsync(claimed.RawBlobKey, work, ct);
            var clean = Path.Combine(work, "clean.jpg");
            var thumbnail = Path.Combine(work, "thumbnail.webp");
            var preview = Path.Combine(work, "preview.jpg");
            ImageInfo info;
            try
            {
                info = images.WriteCleanJpeg(source, clean);
                images.MakeDerivatives(clean, thumbnail, preview);
            }
            catch (ImageRejectedException e)
            {
                logger.LogInformation("Photo request upload {UploadId} refused: {Reason}", uploadId, e.Message);
                await FailAsync(uploadId, claimed.RawBlobKey, "This file could not be read as a photo: " + e.Message, ct);
                return;
            }

            await using var upload = await blobs.BeginUploadAsync(ct);
            await using (var file = File.OpenRead(clean)) await file.CopyToAsync(upload.Content, ct);
            var checksum = upload.Sha256();
            var thumbnailKey = BlobKeys.Thumbnail(checksum);
            var previewKey = BlobKeys.Preview(checksum);
            await blobs.StoreFileAsync(thumbnail, thumbnailKey, ct);
            await blobs.StoreFileAsync(preview, previewKey, ct);

            var assetId = Guid.CreateVersion7();
            try
            {
                await using (var conn = await db.OpenConnectionAsync(ct))
                await using (var tx = await conn.BeginTransactionAsync(ct))
                {
                    // Committed under the same lock the blob collector takes, so these bytes cannot be collected meanwhile.
                    // The upload row is locked and checked first: if another run finished it meanwhile, nothing is inserted twice.
                    if (await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(StillMineSql, new { id = uploadId }, tx, cancellationToken: ct)) is null)
                    {
                        await tx.RollbackAsync(ct);
                        await QueueOrphanAsync(checksum, ct);
                        return;
                    }
                    await BlobLocks.HoldAsync(conn, tx, checksum, ct);
                    var blobKey = BlobKeys.Original(checksum);
                    await upload.CommitAsync(blobKey, ct);
                    // The target was checked against the owner's rights when the guest sent the file; a folder deleted since
                    // then puts the file at the top of the owner's Personal Space rather than losing it.
                    await AssetRows.InsertAsync(conn, tx, new NewAssetRow(assetId, claimed.OwnerId, claimed.FolderId, checksum, blobKey, upload.Length,
                        "image", "image/jpeg", Path.GetFileNameWithoutExtension(claimed.FileName) + ".jpg", claimed.CreatedAt, "upload", "ready")
                    {
                        Width = info.Width, Height = info.Height, Orientation = 1, ThumbnailKey = thumbnailKey, PreviewKey = previewKey,
                        PhotoRequestId = claimed.RequestId,
                    }, ct);
                    if (claimed.AlbumId is { } albumId)
                        await AlbumEntries.AddAsync(conn, tx, albumId, [assetId], claimed.OwnerId, ct);
                    await conn.ExecuteAsync(new CommandDefinition(ReadySql, new { id = uploadId, assetId }, tx, cancellationToken: ct));
                    await tx.CommitAsync(ct);
                }
            }
            catch (NpgsqlException)
            {
                // Rolled back: the bytes stored above may belong to no asset. The collector checks and removes them; the
                // retry stores them again.
                await QueueOrphanAsync(checksum, CancellationToken.None);
                throw;
            }
            await DeleteRawAsync(uploadId, claimed.RawBlobKey, ct);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Derivatives already stored for bytes that no asset ended up using: the blob collector checks and removes them.</summary>
    private async Task QueueOrphanAsync(byte[] checksum, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("INSERT INTO orphan_checksums (checksum) VALUES (@checksum) ON CONFLICT DO NOTHING",
            new { checksum }, cancellationToken: ct));
    }

    private async Task FailAsync(Guid uploadId, string? rawKey, string reason, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
            await conn.ExecuteAsync(new CommandDefinition(FailedSql, new { id = uploadId, reason = reason.Length <= 500 ? reason : reason[..500] }, cancellationToken: ct));
        if (rawKey is not null) await DeleteRawAsync(uploadId, rawKey, ct);
    }

    private async Task DeleteLeftoverAsync(Guid uploadId, CancellationToken ct)
    {
        string? rawKey;
        await using (var conn = await db.OpenConnectionAsync(ct))
            rawKey = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(LeftoverSql, new { id = uploadId }, cancellationToken: ct));
        if (rawKey is not null) await DeleteRawAsync(uploadId, rawKey, ct);
    }

    private async Task DeleteRawAsync(Guid uploadId, string rawKey, CancellationToken ct)
    {
        await blobs.DeleteAsync(rawKey, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(RawGoneSql, new { id = uploadId }, cancellationToken: ct));
    }
}
