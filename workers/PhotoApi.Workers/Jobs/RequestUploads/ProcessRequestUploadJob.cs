using Dapper;
using Hangfire;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;
using PhotoApi.Workers.Imaging;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Jobs.RequestUploads;

/// <summary>
/// Stores what a guest sent to a photo request as a <b>new</b> file: a photo is decoded by libvips, turned by its
/// orientation, converted to sRGB and written as a JPEG with no metadata at all (no EXIF, GPS, XMP, IPTC, ICC), its
/// thumbnail and preview made from the clean file; a video is rewritten by <see cref="VideoCleaner"/> (no tags, dates,
/// places, device names or chapters; streams copied when they can be) and then goes through the media pipeline like any
/// uploaded video (<see cref="IProcessAssetJob"/>: poster, what is left of its metadata — nothing — and playback). The
/// clean file becomes an asset of the request's owner in the request's folder and album, marked with the request. The
/// guest's bytes are deleted once the clean asset is committed — also when they are refused — so nothing of the
/// original survives.
/// </summary>
/// <remarks>
/// Idempotent and retried: the upload is claimed only while pending, or processing under a claim presumed dead or made by
/// an earlier run of this same Hangfire job (a retry, or the rerun of a job whose worker was killed: each counts as an
/// attempt, so an upload that keeps killing its worker is failed after <see cref="MaxAttempts"/>); blobs are
/// content-addressed (a rerun rewrites the same bytes); the asset row, album entry and upload status change in one
/// transaction; a run that finds the upload finished only makes sure the guest's bytes are gone.
/// </remarks>
public sealed class ProcessRequestUploadJob(NpgsqlDataSource db, IBlobStore blobs, IImageProcessor images, VideoCleaner cleaner, IBackgroundJobClient jobs,
    ILogger<ProcessRequestUploadJob> logger)
    : IProcessRequestUploadJob
{
    public const int MaxAttempts = 5;

    private static readonly string ClaimSql = $"""
        UPDATE photo_request_uploads u SET {ProcessingClaims.JobClaim}
        FROM photo_requests r
        WHERE u.id = @id AND r.id = u.request_id
          -- A run in progress elsewhere is left alone unless it has been silent long enough to be presumed dead, or it was
          -- an earlier run of this same job (Hangfire runs a job again only once that run is over or its worker dead).
          AND {ProcessingClaims.Claimable("u")}
        RETURNING u.raw_blob_key, u.file_name, u.media_type, u.attempts, u.created_at, r.id AS request_id, r.owner_id, u.folder_id, u.album_id
        """;

    private const string LeftoverSql = "SELECT raw_blob_key FROM photo_request_uploads WHERE id = @id AND status IN ('ready', 'failed')";
    private const string RawGoneSql = "UPDATE photo_request_uploads SET raw_blob_key = NULL WHERE id = @id";

    private const string StillMineSql = """
        SELECT id FROM photo_request_uploads WHERE id = @id AND status = 'processing' FOR UPDATE
        """;

    private const string ReadySql = $"""
        UPDATE photo_request_uploads SET status = 'ready', asset_id = @assetId, {ProcessingClaims.Unclaim}, failure_reason = NULL, updated_at = now()
        WHERE id = @id AND status = 'processing'
        """;

    private const string FailedSql = $"""
        UPDATE photo_request_uploads SET status = 'failed', failure_reason = @reason, {ProcessingClaims.Unclaim}, updated_at = now()
        WHERE id = @id AND status IN ('pending', 'processing')
        """;

    private sealed record Claimed(string? RawBlobKey, string FileName, string MediaType, int Attempts, DateTime CreatedAt, Guid RequestId, Guid OwnerId,
        Guid? FolderId, Guid? AlbumId);

    public async Task ProcessAsync(Guid uploadId, CancellationToken ct)
    {
        Claimed? claimed;
        await using (var conn = await db.OpenConnectionAsync(ct))
            claimed = await conn.QuerySingleOrDefaultAsync<Claimed>(new CommandDefinition(ClaimSql, new { id = uploadId, claimJob = CurrentJob.Id },
                cancellationToken: ct));
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

        var work = Sweeper.WorkDirs.Create("request", uploadId);
        try
        {
            // A video's clean may transcode for hours (and storing it take minutes): the claim is renewed meanwhile, or the
            // upload would look abandoned, be taken over, and after a few such attempts be failed and its bytes deleted
            // while this run still works on them.
            await using var heartbeat = ProcessingClaims.Heartbeat(db, "photo_request_uploads", "id", uploadId, logger);
            var source = await blobs.LocalPathAsync(claimed.RawBlobKey, work, ct);
            // What the API sniffed when it took the file (MediaTypes.Sniff), recorded with the upload: one sniffer, not two.
            var prepared = claimed.MediaType == "video" ? await CleanVideoAsync(source, work, ct) : CleanPhoto(source, work);
            if (prepared is Refused refused)
            {
                logger.LogInformation("Photo request upload {UploadId} refused: {Reason}", uploadId, refused.Reason);
                await FailAsync(uploadId, claimed.RawBlobKey, refused.Reason, ct);
                return;
            }
            var clean = (Clean)prepared;

            await using var upload = await blobs.BeginUploadAsync(ct);
            await using (var file = File.OpenRead(clean.Path)) await file.CopyToAsync(upload.Content, ct);
            var checksum = upload.Sha256();
            string? thumbnailKey = null, previewKey = null;
            if (clean.Thumbnail is not null && clean.Preview is not null)
            {
                thumbnailKey = BlobKeys.Thumbnail(checksum);
                previewKey = BlobKeys.Preview(checksum);
                await blobs.StoreFileAsync(clean.Thumbnail, thumbnailKey, ct);
                await blobs.StoreFileAsync(clean.Preview, previewKey, ct);
            }

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
                        clean.MediaType, clean.ContentType, Path.GetFileNameWithoutExtension(claimed.FileName) + clean.Extension, claimed.CreatedAt, "upload",
                        clean.Status)
                    {
                        Width = clean.Width, Height = clean.Height, Orientation = clean.Orientation, ThumbnailKey = thumbnailKey, PreviewKey = previewKey,
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
            // The clean video is an asset like any upload now: the media pipeline reads what is left of its metadata (nothing),
            // makes its poster and decides its playback. (Lost if the worker stops right here: the sweeper enqueues pending assets.)
            if (clean.Status == "pending") jobs.Enqueue<IProcessAssetJob>(Queues.Media, j => j.ProcessAsync(assetId, CancellationToken.None));
            await DeleteRawAsync(uploadId, claimed.RawBlobKey, ct);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private abstract record Prepared;

    /// <summary>The guest's file refused; <paramref name="Reason"/> is shown to them.</summary>
    private sealed record Refused(string Reason) : Prepared;

    /// <summary>The clean file to store, as what asset, with its derivatives if it has them already.</summary>
    private sealed record Clean(string Path, string? Thumbnail, string? Preview, string MediaType, string ContentType, string Extension,
        int? Width, int? Height, short? Orientation, string Status) : Prepared;

    private const string VideoRefusal = "This file could not be read as a video";

    /// <summary>A JPEG without metadata and its derivatives, made now: the asset is ready at once.</summary>
    private Prepared CleanPhoto(string source, string work)
    {
        var clean = System.IO.Path.Combine(work, "clean.jpg");
        var thumbnail = System.IO.Path.Combine(work, "thumbnail.webp");
        var preview = System.IO.Path.Combine(work, "preview.jpg");
        try
        {
            var info = images.WriteCleanJpeg(source, clean);
            images.MakeDerivatives(clean, thumbnail, preview);
            return new Clean(clean, thumbnail, preview, "image", "image/jpeg", ".jpg", info.Width, info.Height, 1, "ready");
        }
        catch (ImageRejectedException e)
        {
            return new Refused("This file could not be read as a photo: " + e.Message);
        }
    }

    /// <summary>
    /// A video without metadata (<see cref="VideoCleaner"/>), stored <c>pending</c>: its poster, what ffprobe reads of it and
    /// its playback are the media pipeline's, as for any video uploaded.
    /// </summary>
    private async Task<Prepared> CleanVideoAsync(string source, string work, CancellationToken ct)
    {
        try
        {
            var (path, video) = await cleaner.CleanAsync(source, work, ct);
            return new Clean(path, null, null, "video", video.ContentType, video.Extension, null, null, null, "pending");
        }
        catch (VideoRejectedException e)
        {
            return new Refused(e.Message.StartsWith(VideoRefusal, StringComparison.Ordinal) ? e.Message : $"{VideoRefusal}: {e.Message}");
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

    /// <summary>
    /// Deletes the guest's bytes, unless a backup is running (its snapshot may still reference them): then they stay, and
    /// the sweeper comes back for them (a finished upload whose raw_blob_key is still set).
    /// </summary>
    private async Task DeleteRawAsync(Guid uploadId, string rawKey, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (!await BackupLock.TryAllowDeletionAsync(conn, tx, ct)) return;
        await blobs.DeleteAsync(rawKey, ct);
        await conn.ExecuteAsync(new CommandDefinition(RawGoneSql, new { id = uploadId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }
}
