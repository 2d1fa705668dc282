using Dapper;
using Npgsql;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>A copy of an original without metadata, ready to serve.</summary>
public sealed record CleanOriginal(string BlobKey, byte[] CleanChecksum);

/// <summary>
/// What guests of a link hiding metadata download instead of an original: a copy the worker makes with the photo-request
/// cleaner (<see cref="ICleanOriginalJob"/>) when it is first asked for, one per original checksum, found in
/// <c>clean_originals</c> by every API process. The API itself never touches the pixels.
/// </summary>
public static class CleanOriginals
{
    /// <summary>How long a client is told to wait (Retry-After) while the copy is being made.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private const string FindSql = "SELECT status, blob_key, clean_checksum FROM clean_originals WHERE checksum = @checksum";

    // A new request, or one whose job seems lost (not ready a minute after it was last enqueued), is (re-)enqueued; the
    // job claims the row, so a copy asked for twice is still made once.
    private const string RequestSql = """
        INSERT INTO clean_originals AS c (checksum) VALUES (@checksum)
        ON CONFLICT (checksum) DO UPDATE SET requested_at = now()
            WHERE c.status IN ('pending', 'processing') AND c.requested_at < now() - interval '1 minute'
        """;

    private sealed record Row(string Status, string? BlobKey, byte[]? CleanChecksum);

    /// <summary>
    /// Whether the asset's metadata can be removed at all: photos only (no cleaner exists for videos and other files), and
    /// not photos the worker could not decode.
    /// </summary>
    public static bool Possible(AssetRow asset) => asset.MediaType == "image" && asset.Status != "failed";

    /// <summary>
    /// The clean copy of <paramref name="asset"/>'s original. Until it is ready: 409 <c>asset.not_ready</c> with
    /// Retry-After (the first such answer enqueues the worker). Where no copy can be made: 403 <c>share.metadata_hidden</c>.
    /// </summary>
    public static async Task<CleanOriginal> RequireAsync(NpgsqlDataSource db, IJobQueue jobs, AssetRow asset, CancellationToken ct)
    {
        if (!Possible(asset)) throw Impossible();
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(FindSql, new { checksum = asset.Checksum }, cancellationToken: ct));
        if (row is { Status: "ready", BlobKey: { } key, CleanChecksum: { } clean }) return new CleanOriginal(key, clean);
        if (row is { Status: "failed" }) throw Impossible();
        if (await conn.ExecuteAsync(new CommandDefinition(RequestSql, new { checksum = asset.Checksum }, cancellationToken: ct)) > 0)
        {
            var assetId = asset.Id;
            jobs.Enqueue<ICleanOriginalJob>(Queues.Media, j => j.CleanAsync(assetId, CancellationToken.None));
        }
        throw new ApiException(409, ErrorCodes.AssetNotReady, "A copy of this file without its metadata is being made; try again shortly.")
        {
            RetryAfter = RetryAfter,
        };
    }

    private static ApiException Impossible() =>
        new(403, ErrorCodes.ShareMetadataHidden,
            "This link hides metadata, and it cannot be removed from this file (only from photos, for now): its original is not offered.");
}
