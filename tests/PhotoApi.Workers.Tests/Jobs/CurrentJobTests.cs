using System.Collections.Concurrent;
using Hangfire;
using PhotoApi.Persistence;
using PhotoApi.Testing;
using PhotoApi.Workers.Jobs;

namespace PhotoApi.Workers.Tests.Jobs;

/// <summary>
/// The job id a run records with its claims (<see cref="CurrentJob"/>) reaches the async job method under the real
/// Hangfire server on PostgreSQL, set up as the worker sets it up (<see cref="JobStorageFactory"/>, the filter
/// registered once per process), and stays its own across awaits and from one job to the next on the same worker.
/// </summary>
public sealed class CurrentJobTests
{
    /// <summary>A job that records the current job id before and after awaits that resume it on other threads.</summary>
    public sealed class RecordsCurrentJob
    {
        internal static readonly ConcurrentDictionary<string, TaskCompletionSource<(string? Before, string? After)>> Seen = new();

        public async Task RunAsync(string key)
        {
            var before = CurrentJob.Id;
            await Task.Delay(20);
            await Task.Yield();
            Seen[key].TrySetResult((before, CurrentJob.Id));
        }
    }

    [Fact]
    public async Task An_async_job_run_by_the_Hangfire_server_sees_its_own_job_id_and_code_outside_Hangfire_sees_none()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync("currentjob");
        try
        {
            CurrentJob.Register();
            var storage = JobStorageFactory.Create(connectionString, prepareSchema: true);
            var keys = new[] { Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N") };
            foreach (var key in keys) RecordsCurrentJob.Seen[key] = new(TaskCreationOptions.RunContinuationsAsynchronously);
            var client = new BackgroundJobClient(storage);
            // Enqueued before the server starts, so its one worker runs both, one after the other, on the same thread.
            var ids = keys.Select(key => client.Enqueue<RecordsCurrentJob>("default", j => j.RunAsync(key))).ToArray();

            using (new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 1, Queues = ["default"], ServerName = "current-job-test" }, storage))
            {
                for (var i = 0; i < keys.Length; i++)
                {
                    var seen = await RecordsCurrentJob.Seen[keys[i]].Task.WaitAsync(TimeSpan.FromMinutes(2));
                    Assert.Equal((ids[i], ids[i]), seen);
                }
            }
            Assert.NotEqual(ids[0], ids[1]);
            Assert.Null(CurrentJob.Id);
        }
        finally
        {
            await TestDatabase.DropDatabaseAsync(connectionString);
        }
    }
}
