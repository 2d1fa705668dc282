using Dapper;
using Hangfire;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Workers.Jobs.Export;

/// <summary>
/// Every 15 minutes: exports past their expiry (plus <see cref="DownloadGrace"/> for downloads under way) lose their
/// metadata files and become <c>expired</c> (their list of originals goes too); failed ones older than the expiry, and those whose account is gone, are deleted with their files;
/// pending ones no job is working on (none holds their row) are enqueued again, and given up as failed after
/// <c>Export:PendingTimeout</c> (6 h). An export's files are queued for the blob collector in the transaction that expires or
/// deletes its row (never deleted while a backup that may name them runs, never left behind by a sweep that dies).
/// </summary>
public sealed class ExportSweepJob(NpgsqlDataSource db, IBackgroundJobClient jobs, IConfiguration configuration,
    ILogger<ExportSweepJob> logger) : IExportSweepJob
{
    private const string DueSql = """
        SELECT id, status, owner_id IS NULL AS ownerless FROM exports
        WHERE status = 'ready' AND expires_at <= now() - @grace
           OR status = 'failed' AND created_at < now() - @lifetime
           OR owner_id IS NULL
        ORDER BY created_at
        LIMIT 500
        """;

    private const string ExpireSql = """
        WITH expired AS (UPDATE exports SET status = 'expired' WHERE id = @id AND status = 'ready' AND expires_at <= now() - @grace RETURNING id)
        DELETE FROM export_assets WHERE export_id IN (SELECT id FROM expired)
        """;

    private const string DeleteSql = """
        DELETE FROM exports WHERE id = @id AND (owner_id IS NULL OR status = 'failed' AND created_at < now() - @lifetime)
        """;

    // A pending export whose job holds its row is being prepared (skipped); the others lost their job or their worker.
    private const string AbandonedSql = """
        SELECT id, created_at < now() - @timeout AS given_up FROM exports
        WHERE status = 'pending' AND created_at < now() - interval '15 minutes'
        ORDER BY created_at
        LIMIT 500
        FOR UPDATE SKIP LOCKED
        """;

    private const string GiveUpSql = """
        UPDATE exports SET status = 'failed', failure_reason = 'The export did not finish in time. Request a new one.'
        WHERE id = ANY(@ids) AND status = 'pending'
        """;

    /// <summary>
    /// How long after its expiry an export's files and list stay: no download starts after <c>expires_at</c>, but one that
    /// started just before reads the list in batches as it streams, and must not find it emptied midway (a zip that looks
    /// whole but lacks files).
    /// </summary>
    public static readonly TimeSpan DownloadGrace = TimeSpan.FromHours(12);

    private TimeSpan PendingTimeout => configuration.GetValue<TimeSpan?>("Export:PendingTimeout") ?? TimeSpan.FromHours(6);

    public async Task SweepAsync(CancellationToken ct)
    {
        var lifetime = ExportJob.LifetimeOf(configuration);
        await using var conn = await db.OpenConnectionAsync(ct);
        var swept = 0;
        while (true)
        {
            var due = (await conn.QueryAsync<(Guid Id, string Status, bool Ownerless)>(new CommandDefinition(DueSql, new { lifetime, grace = DownloadGrace }, cancellationToken: ct))).AsList();
            foreach (var (id, status, ownerless) in due)
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await OrphanBlobs.QueueAsync(conn, tx, ExportJob.FileKeys(id), ct);
                await conn.ExecuteAsync(new CommandDefinition(status == "ready" && !ownerless ? ExpireSql : DeleteSql, new { id, lifetime, grace = DownloadGrace }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
            }
            swept += due.Count;
            if (due.Count < 500) break;
        }

        List<(Guid Id, bool GivenUp)> abandoned;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            abandoned = (await conn.QueryAsync<(Guid, bool)>(new CommandDefinition(AbandonedSql, new { timeout = PendingTimeout }, tx, cancellationToken: ct))).AsList();
            await conn.ExecuteAsync(new CommandDefinition(GiveUpSql, new { ids = abandoned.Where(a => a.GivenUp).Select(a => a.Id).ToArray() }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        if (swept > 0) jobs.Enqueue<IBlobCollectorJob>(Queues.Maintenance, j => j.CollectAsync(CancellationToken.None));
        foreach (var (id, _) in abandoned.Where(a => !a.GivenUp))
            jobs.Enqueue<IExportJob>(Queues.Default, j => j.PrepareAsync(id, CancellationToken.None));
        if (swept + abandoned.Count > 0)
            logger.LogInformation("Export sweep: {Swept} expired or deleted, {Requeued} enqueued again, {GivenUp} given up", swept,
                abandoned.Count(a => !a.GivenUp), abandoned.Count(a => a.GivenUp));
    }
}
