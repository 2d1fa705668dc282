using Microsoft.AspNetCore.Http;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.UnitTests.Errors;

/// <summary>
/// A request that fails because the database does not answer (a restart, a failover) is told to try again — 503
/// <c>server.unavailable</c> with Retry-After — not that the server has a bug (500): clients and balancers retry a 503.
/// </summary>
public sealed class DatabaseUnavailableTests
{
    private static async Task<Exception> RefusedConnectionAsync()
    {
        // Port 1 on loopback: nothing listens, the connection is refused at once — what every request sees while PostgreSQL restarts.
        await using var db = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Password=x;Database=none;Timeout=2;Pooling=false");
        return await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await db.OpenConnectionAsync());
    }

    [Fact]
    public async Task A_refused_database_connection_answers_503_with_retry_after()
    {
        var (problem, retryAfter) = ErrorHandling.Describe(await RefusedConnectionAsync(), new DefaultHttpContext());
        Assert.NotNull(problem);
        Assert.Equal(503, problem.Status);
        Assert.Equal(ErrorCodes.Unavailable, problem.Code);
        Assert.Equal(ErrorHandling.DatabaseRetryAfter, retryAfter);
    }

    [Fact]
    public async Task A_refused_connection_wrapped_by_the_code_that_met_it_is_still_unavailable()
    {
        var wrapped = new InvalidOperationException("could not load the share", await RefusedConnectionAsync());
        Assert.Equal(503, ErrorHandling.Describe(wrapped, new DefaultHttpContext()).Problem!.Status);
    }

    [Fact]
    public void Any_other_failure_stays_a_500_without_retry_after()
    {
        var (problem, retryAfter) = ErrorHandling.Describe(new InvalidOperationException("a bug"), new DefaultHttpContext());
        Assert.Equal(500, problem!.Status);
        Assert.Equal(ErrorCodes.Internal, problem.Code);
        Assert.Null(retryAfter);
    }
}
