namespace PhotoApi.Contracts;

/// <summary>Hangfire queue names (Hangfire wants them lower-case). The API enqueues; only the worker runs them.</summary>
public static class Queues
{
    public const string Default = "default";
    /// <summary>Derivatives and metadata of uploads, and clean copies of originals: CPU-bound libvips work.</summary>
    public const string Media = "media";
    public const string Maintenance = "maintenance";
    /// <summary>
    /// Playback transcodes of videos: minutes of ffmpeg each, so they run on a queue of their own, taken by a Hangfire
    /// server with its own concurrency (<c>Worker:VideoWorkerCount</c>), and never hold up thumbnails of photos.
    /// </summary>
    public const string Video = "video";
    /// <summary>The queues of the worker's main server (every one but <see cref="Video"/>).</summary>
    public static readonly string[] All = [Media, Default, Maintenance];
}

/// <summary>
/// Housekeeping of account data: deletes expired and revoked sessions with their tokens and stale throttle windows.
/// Idempotent: running it twice, or concurrently on two workers, deletes the same rows once.
/// </summary>
public interface IAccountsMaintenanceJob
{
    Task PurgeExpiredAsync(CancellationToken ct);
}

/// <summary>
/// Processes one uploaded asset: reads its metadata and makes its derivatives (thumbnail, preview). Takes only the id and
/// re-reads the asset, so a retry or a second run of the same job finds the work done and stops.
/// </summary>
public interface IProcessAssetJob
{
    Task ProcessAsync(Guid assetId, CancellationToken ct);
}

/// <summary>
/// Turns one file a guest sent to a photo request into a clean asset of the request's owner: a new JPEG with the
/// orientation applied, in sRGB, without any metadata, placed in the request's folder and album; then deletes the
/// guest's file. Idempotent like <see cref="IProcessAssetJob"/>.
/// </summary>
public interface IProcessRequestUploadJob
{
    Task ProcessAsync(Guid uploadId, CancellationToken ct);
}

/// <summary>
/// Makes the copy of an asset's original that guests of a link hiding metadata download: the photo-request cleaner's JPEG
/// (orientation applied, sRGB, no EXIF, GPS, XMP, IPTC or ICC), stored once per original checksum and recorded in
/// <c>clean_originals</c>. Enqueued by the API on <see cref="Queues.Media"/> when a guest first asks for it. Idempotent:
/// only a pending copy (or one whose run was presumed dead) is claimed.
/// </summary>
public interface ICleanOriginalJob
{
    Task CleanAsync(Guid assetId, CancellationToken ct);
}

/// <summary>
/// Makes the web-playable copy of a video (H.264 + AAC in MP4 with the index first, at most 1080p, no metadata) when its
/// original is not one already, stored once per original checksum and recorded in <c>video_playbacks</c>; then every
/// asset with those bytes gets it as its <c>playback_key</c>. Enqueued by the asset's processing on <see cref="Queues.Video"/>.
/// Takes the asset's id and re-reads it; idempotent: only a pending copy (or one whose run was presumed dead) is claimed.
/// </summary>
public interface IVideoPlaybackJob
{
    Task TranscodeAsync(Guid assetId, CancellationToken ct);
}

/// <summary>Finds assets whose processing never finished (a worker died, an enqueue was lost) and enqueues them again.</summary>
public interface IStuckAssetSweeperJob
{
    Task SweepAsync(CancellationToken ct);
}

/// <summary>
/// Deletes the bytes (original and derivatives) of checksums no asset uses any more, and the queued blobs of deleted rows
/// (guests' raw files, exports' files). Under the same per-checksum lock as uploads, so bytes that a concurrent upload is
/// committing are never deleted, and never while a backup runs. Idempotent.
/// </summary>
public interface IBlobCollectorJob
{
    Task CollectAsync(CancellationToken ct);
}

/// <summary>
/// Deletes resumable (tus) uploads that expired, or whose user, share or photo request is gone, with their staged bytes.
/// Rows being written right now (locked by a PATCH) are skipped until next time. Idempotent.
/// </summary>
public interface IResumableUploadSweepJob
{
    Task SweepAsync(CancellationToken ct);
}

/// <summary>
/// Prepares a library export (<c>requestExport</c>): reads the owner's library as of one snapshot, stores
/// <c>library.json</c> and <c>library.csv</c> as blobs and lists the originals with their paths in the zip, then marks the
/// export ready (expiring after <c>Export:ExpiryHours</c>) or failed with the reason. Idempotent: only a pending export is
/// prepared, and a second run writes the same keys again.
/// </summary>
public interface IExportJob
{
    Task PrepareAsync(Guid exportId, CancellationToken ct);
}

/// <summary>
/// Deletes the metadata blobs of expired exports (they become <c>expired</c>), of failed ones and of those whose account
/// is gone (their row too); fails exports that never finished. Idempotent.
/// </summary>
public interface IExportSweepJob
{
    Task SweepAsync(CancellationToken ct);
}

/// <summary>
/// Deletes audit events older than <c>Audit:RetentionDays</c> (0: keeps them all), oldest first in batches, so a long
/// backlog never holds one large transaction. Idempotent.
/// </summary>
public interface IAuditRetentionJob
{
    Task PurgeAsync(CancellationToken ct);
}
