using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;
using PhotoApi.Workers.Imaging;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Jobs.CleanOriginal;

/// <summary>
/// Makes the copy of an original that guests of a link hiding metadata download, with the cleaners photo requests use: for
/// a photo (<see cref="IImageProcessor.WriteCleanJpeg"/>) a JPEG of the full image, orientation applied, sRGB, without
/// EXIF, GPS, XMP, IPTC or ICC; for a video (<see cref="VideoCleaner"/>) an MP4 or WebM without tags, dates, places,
/// device names or chapters, its streams copied where they can be. One copy per original checksum, stored under
/// <see cref="Key"/> and recorded in <c>clean_originals</c>. A file the decoder refuses ends as <c>failed</c> (guests are
/// then refused its original); anything else hands the claim back and is thrown so Hangfire retries.
/// </summary>
/// <remarks>
/// Idempotent: the row is claimed only while pending, or processing and silent for 15 minutes, or claimed by an earlier
/// run of this same Hangfire job (<see cref="DerivedCopies.MakeClaimedAsync"/>); the key is the same for every run, so a
/// rerun rewrites it. The copy is committed under the blob collector's per-checksum lock, and only while an
/// asset still uses the checksum: the collector either sees the copy and deletes it with the original, or ran before and
/// the copy is never stored.
/// </remarks>
public sealed class CleanOriginalJob(NpgsqlDataSource db, IBlobStore blobs, IImageProcessor images, VideoCleaner videos, ILogger<CleanOriginalJob> logger)
    : ICleanOriginalJob
{
    public const int MaxAttempts = 5;

    private const string SourceSql = "SELECT checksum, blob_key, media_type FROM assets WHERE id = @id AND media_type IN ('image', 'video')";

    // A video's copy is MP4 or WebM, known once cleaned: the row names where its bytes go before they are stored there, so
    // the blob collector (which deletes the key recorded here) always finds them.
    private const string NameSql = "UPDATE clean_originals SET blob_key = @blobKey WHERE checksum = @checksum AND status = 'processing'";

    private const string ReadySql = $"""
        UPDATE clean_originals SET status = 'ready', clean_checksum = @cleanChecksum, size_bytes = @size, {ProcessingClaims.Unclaim},
            failure_reason = NULL, updated_at = now()
        WHERE checksum = @checksum AND status = 'processing'
        """;

    private sealed record Source(byte[] Checksum, string BlobKey, string MediaType);

    /// <summary>
    /// Where the clean copy of the original with this checksum is stored: its extension (<c>.jpg</c>, <c>.mp4</c>, <c>.webm</c>)
    /// is the copy's type, which the API serves it as (the key is recorded in <c>clean_originals.blob_key</c>).
    /// </summary>
    public static string Key(byte[] checksum, string extension = ".jpg")
    {
        var hex = Convert.ToHexStringLower(checksum);
        return $"clean-originals/{hex[..2]}/{hex[2..4]}/{hex}{extension}";
    }

    public async Task CleanAsync(Guid assetId, CancellationToken ct)
    {
        Source? source;
        await using (var conn = await db.OpenConnectionAsync(ct))
            source = await conn.QuerySingleOrDefaultAsync<Source>(new CommandDefinition(SourceSql, new { id = assetId }, cancellationToken: ct));
        if (source is null) return; // deleted meanwhile: the next guest request enqueues again with an asset that exists
        // A video's clean may transcode for hours (and storing it take minutes): the claim's heartbeat keeps it alive.
        var claimed = await Copies.MakeClaimedAsync(db, source.Checksum, CurrentJob.Id, Key(source.Checksum, source.MediaType == "video" ? ".mp4" : ".jpg"),
            MaxAttempts, "Cleaning kept failing.", () => CleanClaimedAsync(assetId, source, ct), logger, ct);
        if (!claimed) logger.LogInformation("The clean copy of asset {AssetId}'s original needs no work (made, failed or being made)", assetId);
    }

    private async Task CleanClaimedAsync(Guid assetId, Source source, CancellationToken ct)
    {
        var work = Sweeper.WorkDirs.Create("clean", assetId);
        try
        {
            var original = await blobs.LocalPathAsync(source.BlobKey, work, ct);
            string clean, key;
            try
            {
                (clean, key) = source.MediaType == "video" ? await CleanVideoAsync(source.Checksum, original, work, ct) : CleanPhoto(source.Checksum, original, work);
            }
            catch (Exception e) when (e is ImageRejectedException or VideoRejectedException)
            {
                logger.LogInformation("The original of asset {AssetId} cannot be cleaned: {Reason}", assetId, e.Message);
                await FailAsync(source.Checksum, e.Message, ct);
                return;
            }
            await Copies.StoreAsync(db, blobs, source.Checksum, clean, key, ReadySql,
                (cleanChecksum, size) => new { checksum = source.Checksum, cleanChecksum, size }, ct);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private (string Path, string Key) CleanPhoto(byte[] checksum, string original, string work)
    {
        var clean = Path.Combine(work, "clean.jpg");
        images.WriteCleanJpeg(original, clean);
        return (clean, Key(checksum));
    }

    private async Task<(string Path, string Key)> CleanVideoAsync(byte[] checksum, string original, string work, CancellationToken ct)
    {
        var (clean, video) = await videos.CleanAsync(original, work, ct);
        var key = Key(checksum, video.Extension);
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(NameSql, new { checksum, blobKey = key }, cancellationToken: ct));
        return (clean, key);
    }

    private static readonly DerivedCopies Copies = new("clean_originals");

    private Task FailAsync(byte[] checksum, string reason, CancellationToken ct) => Copies.FailAsync(db, checksum, reason, ct);
}
