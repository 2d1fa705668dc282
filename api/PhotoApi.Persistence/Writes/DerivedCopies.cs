using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// Files the worker derives from an original and records per original checksum in a table of their own (clean copies
/// without metadata in <c>clean_originals</c>, playback copies in <c>video_playbacks</c>): how one is stored, and how it
/// is marked failed. A copy is committed under the blob collector's per-checksum lock and only while an asset still uses
/// the checksum: the collector either sees the copy and deletes it with the original, or ran before and the copy is
/// never stored (its row goes too). A copy is made under its row's processing claim (<see cref="MakeClaimedAsync"/>).
/// </summary>
/// <param name="Table">The copies' table, keyed by <c>checksum</c>.</param>
public sealed record DerivedCopies(string Table)
{
    private const string InUseSql = "SELECT EXISTS (SELECT 1 FROM assets WHERE checksum = @checksum)";

    private string ClaimSql => $"""
        UPDATE {Table} SET {ProcessingClaims.JobClaim}, blob_key = COALESCE(@blobKey, blob_key)
        WHERE checksum = @checksum AND {ProcessingClaims.Claimable(Table)}
        RETURNING attempts
        """;

    // A run that failed for the infrastructure's sake hands the copy back, so that Hangfire's retry can claim it at once.
    private string ReleaseSql => $"""
        UPDATE {Table} SET status = 'pending', {ProcessingClaims.Unclaim}, updated_at = now()
        WHERE checksum = @checksum AND status = 'processing'
        """;

    /// <summary>
    /// Makes the copy of <paramref name="checksum"/>'s original under its row's processing claim: claims the row for the
    /// Hangfire job run <paramref name="claimJob"/> (null outside Hangfire), fails it with <paramref name="keptFailing"/>
    /// once it has been claimed more than <paramref name="maxAttempts"/> times, else runs <paramref name="work"/> (which
    /// stores the copy with <see cref="StoreAsync"/> or fails it with <see cref="FailAsync"/>) while a heartbeat keeps the
    /// claim alive — a transcode may take hours. When <paramref name="work"/> throws, the claim is handed back (pending)
    /// so that Hangfire's retry can claim it at once, and the exception goes on. Returns false, having done nothing, when
    /// the row is not claimable: the copy is made, failed, or being made by another live run.
    /// </summary>
    /// <param name="blobKey">Where the copy's bytes go, recorded with the claim when known before the work (the blob
    /// collector deletes the key recorded); null keeps the row's.</param>
    public async Task<bool> MakeClaimedAsync(NpgsqlDataSource db, byte[] checksum, string? claimJob, string? blobKey, int maxAttempts,
        string keptFailing, Func<Task> work, ILogger logger, CancellationToken ct)
    {
        int? attempts;
        await using (var conn = await db.OpenConnectionAsync(ct))
            attempts = await conn.ExecuteScalarAsync<int?>(new CommandDefinition(ClaimSql, new { checksum, claimJob, blobKey }, cancellationToken: ct));
        if (attempts is null) return false;
        if (attempts > maxAttempts)
        {
            await FailAsync(db, checksum, keptFailing, ct);
            return true;
        }
        try
        {
            await using var heartbeat = ProcessingClaims.Heartbeat(db, Table, "checksum", checksum, logger);
            await work();
            return true;
        }
        catch
        {
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync(new CommandDefinition(ReleaseSql, new { checksum }, cancellationToken: CancellationToken.None));
            throw;
        }
    }

    /// <summary>
    /// Stores <paramref name="file"/> as the copy of <paramref name="checksum"/>'s original at <paramref name="key"/>, then
    /// runs <paramref name="readySql"/> in the same transaction with the parameters <paramref name="ready"/> makes of the
    /// copy's SHA-256 and size. Returns false (nothing kept) when no asset uses the checksum any more.
    /// </summary>
    public async Task<bool> StoreAsync(NpgsqlDataSource db, IBlobStore blobs, byte[] checksum, string file, string key, string readySql,
        Func<byte[], long, object> ready, CancellationToken ct)
    {
        await using var upload = await blobs.BeginUploadAsync(ct);
        await using (var source = File.OpenRead(file)) await source.CopyToAsync(upload.Content, ct);
        var parameters = ready(upload.Sha256(), upload.Length); // read before the commit, which ends the upload
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await BlobLocks.HoldAsync(conn, tx, checksum, ct);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(InUseSql, new { checksum }, tx, cancellationToken: ct)))
        {
            // The last asset with these bytes is gone (its collector run may be over): keep nothing of it.
            await conn.ExecuteAsync(new CommandDefinition($"DELETE FROM {Table} WHERE checksum = @checksum", new { checksum }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return false;
        }
        await upload.CommitAsync(key, ct);
        await conn.ExecuteAsync(new CommandDefinition(readySql, parameters, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Marks the copy failed for good with <paramref name="reason"/> (while it is pending or being made).</summary>
    public async Task FailAsync(NpgsqlDataSource db, byte[] checksum, string reason, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition($"""
            UPDATE {Table} SET status = 'failed', failure_reason = @reason, {ProcessingClaims.Unclaim}, updated_at = now()
            WHERE checksum = @checksum AND status IN ('pending', 'processing')
            """, new { checksum, reason = reason.Length <= 500 ? reason : reason[..500] }, cancellationToken: ct));
    }
}
