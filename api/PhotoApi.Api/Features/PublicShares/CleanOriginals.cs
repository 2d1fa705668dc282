using Dapper;
using Npgsql;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>A copy of an original without metadata, ready to serve.</summary>
/// <param name="BlobKey">Where the worker stored it: its extension is the copy's type (a photo's copy is a JPEG, a
/// video's an MP4 or WebM).</param>
public sealed record CleanOriginal(string BlobKey, byte[] CleanChecksum)
{
    /// <summary>The copy's file name extension: <c>.jpg</c>, <c>.mp4</c> or <c>.webm</c>.</summary>
    public string Extension => Path.GetExtension(BlobKey) is ".mp4" or ".webm" ? Path.GetExtension(BlobKey) : ".jpg";

    public string ContentType => Extension switch { ".mp4" => "video/mp4", ".webm" => "video/webm", _ => "image/jpeg" };
}

/// <summary>
/// What guests of a link hiding metadata download instead of an original: a copy the worker makes with the photo-request
/// cleaners (<see cref="ICleanOriginalJob"/>: a JPEG for a photo, an MP4 or WebM for a video) when it is first asked for, one per original checksum, found in
/// <c>clean_originals</c> by every API process. The API itself never touches the pixels.
/// </summary>
public static class CleanOriginals
{
    /// <summary>How long a client is told to wait (Retry-After) while the copy is being made.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private const string FindSql = "SELECT checksum, status, blob_key, clean_checksum FROM clean_originals WHERE checksum = ANY(@checksums)";

    // A new request, or one whose job seems lost (not ready a minute after it was last enqueued), is (re-)enqueued; the
    // job claims the row, so a copy asked for twice is still made once. The checksums given are distinct (one row may
    // not be updated twice by one statement).
    private const string RequestSql = """
        INSERT INTO clean_originals AS c (checksum) SELECT unnest(@checksums)
        ON CONFLICT (checksum) DO UPDATE SET requested_at = now()
            WHERE c.status IN ('pending', 'processing') AND c.requested_at < now() - interval '1 minute'
        RETURNING c.checksum
        """;

    private sealed record Row(byte[] Checksum, string Status, string? BlobKey, byte[]? CleanChecksum);

    /// <summary>
    /// Whether the asset's metadata can be removed at all: photos and videos (no cleaner exists for other files), and not
    /// those the worker could not read.
    /// </summary>
    public static bool Possible(AssetRow asset) => asset.MediaType is "image" or "video" && asset.Status != "failed";

    /// <summary>
    /// The clean copy of <paramref name="asset"/>'s original. Until it is ready: 409 <c>asset.not_ready</c> with
    /// Retry-After (the first such answer enqueues the worker). Where no copy can be made: 403 <c>share.metadata_hidden</c>.
    /// </summary>
    public static async Task<CleanOriginal> RequireAsync(NpgsqlDataSource db, IJobQueue jobs, AssetRow asset, CancellationToken ct) =>
        (await RequireAllAsync(db, jobs, [asset], ct)).TryGetValue(asset.Id, out var clean) ? clean : throw Impossible();

    /// <summary>
    /// The clean copies of the originals of <paramref name="assets"/>, by asset id; none for an asset whose metadata
    /// cannot be removed (not <see cref="Possible"/>, or the cleaner failed on it). While any other copy is not ready:
    /// 409 <c>asset.not_ready</c> with Retry-After, after enqueueing every copy still missing at once (so a client that
    /// asks again after Retry-After finds them all made, not one more).
    /// </summary>
    public static async Task<Dictionary<Guid, CleanOriginal>> RequireAllAsync(NpgsqlDataSource db, IJobQueue jobs, IReadOnlyCollection<AssetRow> assets,
        CancellationToken ct)
    {
        var (clean, missing) = await RequestAllAsync(db, jobs, assets, ct);
        return missing == 0 ? clean : throw NotReady(missing, oneFile: assets.Count == 1);
    }

    /// <summary>
    /// <see cref="RequireAllAsync"/> without the refusal: the copies that are ready, and how many are still missing — every
    /// one of them asked for of the worker, now (so a caller going through a link in batches asks for all of them).
    /// </summary>
    public static async Task<(Dictionary<Guid, CleanOriginal> Clean, int Missing)> RequestAllAsync(NpgsqlDataSource db, IJobQueue jobs,
        IReadOnlyCollection<AssetRow> assets, CancellationToken ct)
    {
        var byChecksum = assets.Where(Possible).GroupBy(a => Convert.ToHexString(a.Checksum)).ToDictionary(g => g.Key, g => g.ToList());
        var clean = new Dictionary<Guid, CleanOriginal>();
        if (byChecksum.Count == 0) return (clean, 0);
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(FindSql,
            new { checksums = byChecksum.Values.Select(g => g[0].Checksum).ToArray() }, cancellationToken: ct))).ToDictionary(r => Convert.ToHexString(r.Checksum));
        var missing = new List<byte[]>();
        foreach (var (checksum, same) in byChecksum)
        {
            var row = rows.GetValueOrDefault(checksum);
            if (row is { Status: "ready", BlobKey: { } key, CleanChecksum: { } cleanChecksum })
                foreach (var asset in same) clean[asset.Id] = new CleanOriginal(key, cleanChecksum);
            else if (row is not { Status: "failed" }) missing.Add(same[0].Checksum);
        }
        if (missing.Count == 0) return (clean, 0);
        foreach (var requested in await conn.QueryAsync<byte[]>(new CommandDefinition(RequestSql, new { checksums = missing.ToArray() }, cancellationToken: ct)))
        {
            var asset = byChecksum[Convert.ToHexString(requested)][0];
            var assetId = asset.Id;
            // A video's copy may be a transcode: on the video queue, so that it never holds up photos' thumbnails.
            jobs.Enqueue<ICleanOriginalJob>(asset.MediaType == "video" ? Queues.Video : Queues.Media, j => j.CleanAsync(assetId, CancellationToken.None));
        }
        return (clean, missing.Count);
    }

    /// <summary>409 <c>asset.not_ready</c> with Retry-After: <paramref name="missing"/> copies are being made.</summary>
    public static ApiException NotReady(int missing, bool oneFile) =>
        new(409, ErrorCodes.AssetNotReady, missing == 1 && oneFile
            ? "A copy of this file without its metadata is being made; try again shortly."
            : $"Copies of {missing} of these files without their metadata are being made; try again shortly.")
        {
            RetryAfter = RetryAfter,
        };

    private static ApiException Impossible() =>
        new(403, ErrorCodes.ShareMetadataHidden,
            "This link hides metadata, and it cannot be removed from this file (only from photos and videos): its original is not offered.");
}
