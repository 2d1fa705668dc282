using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// The processing claim that rows worked on by a job share (assets, photo-request uploads, clean copies, playback copies):
/// a run sets <c>status = 'processing'</c> with the time it claimed the row and counts the attempt; a claim silent for
/// <see cref="StaleAfter"/> is presumed dead, so another run may take the row over and the sweeper re-enqueues it.
/// Rows other than assets also record the Hangfire job whose run claimed them (<c>claim_job</c>): Hangfire runs a job
/// again only once its earlier run is over (a retry) or dead (its worker stopped heart-beating, then the sliding
/// invisibility timeout passed), so a run of the same job takes the claim back at once rather than 15 minutes later.
/// SQL fragments, so every job and the sweeper agree on them.
/// </summary>
public static class ProcessingClaims
{
    /// <summary>How long a claim may stay silent before its run is presumed dead (a PostgreSQL interval).</summary>
    public const string StaleAfter = "15 minutes";

    /// <summary>
    /// The SET list that claims an asset (its columns unqualified, as SET wants them). Assets record no claimant: their job
    /// claims any pending or processing asset.
    /// </summary>
    public const string Claim = "status = 'processing', attempts = attempts + 1, processing_since = now(), updated_at = now()";

    /// <summary>
    /// The SET list that claims a row that records its claimant, for the job run given as the parameter
    /// <c>@claimJob</c> (its Hangfire job id, <c>CurrentJob.Id</c> of the worker; null outside Hangfire).
    /// </summary>
    public const string JobClaim = Claim + ", claim_job = @claimJob";

    /// <summary>The SET items that end a claim (released, ready or failed): with them a row is held by no run.</summary>
    public const string Unclaim = "processing_since = NULL, claim_job = NULL";

    /// <summary>The row (of alias or table <paramref name="t"/>) is processing under a claim presumed dead.</summary>
    public static string PresumedDead(string t) => $"{t}.status = 'processing' AND {t}.processing_since < now() - interval '{StaleAfter}'";

    /// <summary>
    /// The row (of alias or table <paramref name="t"/>, one with <c>claim_job</c>) may be claimed by the job run
    /// <c>@claimJob</c>: pending, or its claim is presumed dead, or its claim was made by an earlier run of this same
    /// job, which Hangfire runs again only once that run ended or its worker stopped heart-beating. A null
    /// <c>@claimJob</c> matches no claim.
    /// </summary>
    public static string Claimable(string t) =>
        $"({t}.status = 'pending' OR {PresumedDead(t)} OR {t}.status = 'processing' AND {t}.claim_job = @claimJob)";

    /// <summary>How often <see cref="Heartbeat"/> renews a claim: well within <see cref="StaleAfter"/>, so a missed beat or two is harmless.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Keeps the claim on one row alive while its run does long work (a transcode or a video clean may take hours, far
    /// longer than <see cref="StaleAfter"/>): renews <c>processing_since</c> every <paramref name="every"/> (default
    /// <see cref="RenewEvery"/>) until disposed, so that the sweeper and other runs do not presume the run dead, take the
    /// row over and count attempts against it while it works. Only a row still <c>processing</c> is renewed: a run whose
    /// row was finished or taken back meanwhile renews nothing. A failed renewal is logged and retried at the next beat.
    /// </summary>
    /// <param name="table">The claimed table (a constant of the caller's, never input).</param>
    /// <param name="keyColumn">Its key column (likewise).</param>
    public static ClaimHeartbeat Heartbeat(NpgsqlDataSource db, string table, string keyColumn, object key, ILogger? logger = null, TimeSpan? every = null) =>
        new(db, $"UPDATE {table} SET processing_since = now() WHERE {keyColumn} = @key AND status = 'processing'", key, every ?? RenewEvery, logger);
}

/// <summary>The running renewal of one claim (<see cref="ProcessingClaims.Heartbeat"/>); disposing it stops the renewal.</summary>
public sealed class ClaimHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _beating;

    internal ClaimHeartbeat(NpgsqlDataSource db, string sql, object key, TimeSpan every, ILogger? logger) =>
        _beating = BeatAsync(db, sql, key, every, logger, _stop.Token);

    private static async Task BeatAsync(NpgsqlDataSource db, string sql, object key, TimeSpan every, ILogger? logger, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await using var conn = await db.OpenConnectionAsync(ct);
                    await conn.ExecuteAsync(new CommandDefinition(sql, new { key }, cancellationToken: ct));
                }
                catch (NpgsqlException e) { logger?.LogWarning(e, "Could not renew a processing claim; trying again at the next beat"); }
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _beating;
        _stop.Dispose();
    }
}
