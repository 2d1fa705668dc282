using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Contracts;

namespace PhotoApi.Workers.Jobs.Sweeper;

/// <summary>How long the audit trail keeps events (<c>Audit</c> section).</summary>
public sealed class AuditOptions
{
    /// <summary>Events older than this many days are deleted; 0 keeps every event.</summary>
    public int RetentionDays { get; set; } = 365;

    /// <summary>Rows deleted per statement.</summary>
    public int RetentionBatchSize { get; set; } = 10_000;
}

/// <summary>
/// Every hour: deletes audit events older than the retention, oldest first, a batch per statement (each its own short
/// transaction on the <c>audit_events_at</c> index), until none is left. Rows are only ever inserted with the time of
/// their change, so what is older than the cut-off stays older: two workers at once delete disjoint rows or nothing.
/// </summary>
public sealed class AuditRetentionJob(NpgsqlDataSource db, IOptions<AuditOptions> options, ILogger<AuditRetentionJob> logger) : IAuditRetentionJob
{
    private const string PurgeSql = """
        DELETE FROM audit_events WHERE id IN (
            SELECT id FROM audit_events WHERE at < now() - make_interval(days => @days)
            ORDER BY at LIMIT @batch
            FOR UPDATE SKIP LOCKED)
        """;

    public async Task PurgeAsync(CancellationToken ct)
    {
        var o = options.Value;
        if (o.RetentionDays <= 0) return;
        var batch = Math.Max(1, o.RetentionBatchSize);
        var total = 0;
        while (true)
        {
            int deleted;
            await using (var conn = await db.OpenConnectionAsync(ct))
                deleted = await conn.ExecuteAsync(new CommandDefinition(PurgeSql, new { days = o.RetentionDays, batch }, cancellationToken: ct));
            total += deleted;
            if (deleted < batch) break;
        }
        if (total > 0) logger.LogInformation("Deleted {Count} audit events older than {Days} days", total, o.RetentionDays);
    }
}
