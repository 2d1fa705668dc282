using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;

namespace PhotoApi.UnitTests.Jobs;

/// <summary>
/// The API enqueues only after a commit, and the sweeper finds the work again: an enqueue while PostgreSQL is unreachable
/// must not turn a stored upload into a 500, and must not stay broken once the database is back.
/// </summary>
public sealed class JobQueueTests
{
    [Fact]
    public void An_enqueue_while_the_database_is_unreachable_is_logged_not_thrown_and_fails_fast()
    {
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Port=1;Username=nobody;Password=x;Database=none;Timeout=2",
        }).Build();
        var queue = new HangfireJobQueue(configuration, NullLogger<HangfireJobQueue>.Instance);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(queue.Enqueue<IAccountsMaintenanceJob>(Queues.Maintenance, j => j.PurgeExpiredAsync(CancellationToken.None)));
        Assert.Null(queue.Enqueue<IAccountsMaintenanceJob>(Queues.Maintenance, j => j.PurgeExpiredAsync(CancellationToken.None)));
        // The request that enqueued has already stored its upload: it must not hang on the database either.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"two failed enqueues took {clock.Elapsed}");
    }
}
