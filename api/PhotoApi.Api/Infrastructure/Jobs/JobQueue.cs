using System.Linq.Expressions;
using Hangfire;
using PhotoApi.Persistence;

namespace PhotoApi.Api.Infrastructure.Jobs;

/// <summary>
/// The API's only contact with Hangfire: it enqueues jobs (id-only arguments, interfaces from PhotoApi.Contracts) and
/// never runs them. Hangfire's schema is the worker's to install (at its start): the API only connects, so an enqueue
/// never waits on schema work, and fails fast while the database is unreachable.
/// </summary>
/// <remarks>
/// Every job the API enqueues follows a commit whose rows say the work is wanted, and is found again without the enqueue:
/// the worker's sweeper re-enqueues pending assets and photo-request uploads and starts the collector for orphan notes,
/// and a guest's next request asks again for a clean copy. So an enqueue that fails (PostgreSQL restarting between the
/// commit and the enqueue, or an API started before any worker installed Hangfire's schema) is logged, not turned into an
/// error for a request whose upload is stored.
/// </remarks>
public interface IJobQueue
{
    /// <returns>The job's id; null when it could not be enqueued (logged; the sweeper will find the work).</returns>
    string? Enqueue<TJob>(string queue, Expression<Func<TJob, Task>> call);
}

public sealed class HangfireJobQueue(IConfiguration configuration, ILogger<HangfireJobQueue> logger) : IJobQueue
{
    private readonly Lazy<IBackgroundJobClient> _client = new(() => new BackgroundJobClient(
        JobStorageFactory.Create(configuration.GetConnectionString(Database.ConnectionStringName)!, prepareSchema: false)));

    public string? Enqueue<TJob>(string queue, Expression<Func<TJob, Task>> call)
    {
        try
        {
            return _client.Value.Enqueue(queue, call);
        }
        catch (Exception e) when (e is BackgroundJobClientException or Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(e, "Could not enqueue {Job} on {Queue}; the worker's sweeper will find the work", typeof(TJob).Name, queue);
            return null;
        }
    }
}
