using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PhotoApi.Workers.Jobs.Sweeper;

namespace PhotoApi.Workers.Tests.Jobs;

public sealed class AuditRetentionJobTests : MigratedDatabaseTest
{
    private AuditRetentionJob Job(int days, int batch = 2) =>
        new(Db, Options.Create(new AuditOptions { RetentionDays = days, RetentionBatchSize = batch }), NullLogger<AuditRetentionJob>.Instance);

    /// <summary>Events of these ages (days), each with its age in its details.</summary>
    private async Task SeedAsync(params int[] ages)
    {
        await using var conn = await Db.OpenConnectionAsync();
        foreach (var age in ages)
            await conn.ExecuteAsync("""
                INSERT INTO audit_events (id, at, kind, details)
                VALUES (@id, now() - make_interval(days => @age), 'test.aged', jsonb_build_object('age', @age))
                """, new { id = Guid.CreateVersion7(), age });
    }

    private async Task<List<int>> AgesAsync()
    {
        await using var conn = await Db.OpenConnectionAsync();
        return (await conn.QueryAsync<int>("SELECT (details->>'age')::int FROM audit_events ORDER BY at DESC")).AsList();
    }

    [Fact]
    public async Task Deletes_events_older_than_the_retention_across_batches_and_keeps_the_rest()
    {
        // Five old ones cross batches of two (2 + 2 + 1); one a day inside the retention and today's stay.
        await SeedAsync(900, 500, 400, 367, 366, 364, 0);

        await Job(days: 365).PurgeAsync(CancellationToken.None);
        Assert.Equal([0, 364], await AgesAsync());

        await Job(days: 365).PurgeAsync(CancellationToken.None); // nothing left to delete: a second run changes nothing
        Assert.Equal([0, 364], await AgesAsync());
    }

    [Fact]
    public async Task A_retention_of_zero_days_keeps_every_event()
    {
        await SeedAsync(4000, 10);
        await Job(days: 0).PurgeAsync(CancellationToken.None);
        Assert.Equal([10, 4000], await AgesAsync());
    }
}
