using System.Linq.Expressions;
using Hangfire;
using PhotoApi.Persistence;

namespace PhotoApi.Api.Infrastructure.Jobs;

/// <summary>
/// The API's only contact with Hangfire: it enqueues jobs (id-only arguments, interfaces from PhotoApi.Contracts) and
/// never runs them. The storage is created on first use, so Hangfire's schema work stays out of the API's start path.
/// </summary>
public interface IJobQueue
{
    string Enqueue<TJob>(string queue, Expression<Func<TJob, Task>> call);
}

public sealed class HangfireJobQueue(IConfiguration configuration) : IJobQueue
{
    private readonly Lazy<IBackgroundJobClient> _client = new(() => new BackgroundJobClient(
        JobStorageFactory.Create(configuration.GetConnectionString(Database.ConnectionStringName)!, prepareSchema: true)));

    public string Enqueue<TJob>(string queue, Expression<Func<TJob, Task>> call) => _client.Value.Enqueue(queue, call);
}
