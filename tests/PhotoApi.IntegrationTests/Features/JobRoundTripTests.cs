using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// The API enqueues, the worker host picks the job up from PostgreSQL and runs it. (One worker host per test process:
/// Hangfire keeps some global state, so the fixture's worker is the only one here; separate worker processes share nothing.)
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class JobRoundTripTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_job_enqueued_by_the_api_is_run_by_the_worker()
    {
        var user = await api.NewUserAsync();
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        // Age the user's session past its expiry, as time would.
        await conn.ExecuteAsync("UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE user_id = @id", new { id = user.UserId });
        var live = await api.NewUserAsync();

        // The fixture runs a real worker host (WorkerHost, as the worker process does) next to the API.
        var jobId = api.Services.GetRequiredService<IJobQueue>().Enqueue<IAccountsMaintenanceJob>(Queues.Maintenance, j => j.PurgeExpiredAsync(CancellationToken.None));
        Assert.False(string.IsNullOrEmpty(jobId));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? state = null;
        while (DateTime.UtcNow < deadline)
        {
            state = await conn.ExecuteScalarAsync<string>("SELECT statename FROM hangfire.job WHERE id = @id", new { id = long.Parse(jobId, System.Globalization.CultureInfo.InvariantCulture) });
            if (state is "Succeeded" or "Failed") break;
            await Task.Delay(250);
        }
        Assert.Equal("Succeeded", state);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @id", new { id = user.UserId }));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM sessions WHERE user_id = @id", new { id = live.UserId }));
    }
}
