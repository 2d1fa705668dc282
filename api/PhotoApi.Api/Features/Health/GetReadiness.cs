using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Health;

/// <summary>
/// Ready only when PostgreSQL answers, every migration this build knows is applied, and the blob store answers; never
/// while the process is stopping (a load balancer takes the node out while it drains). A newer schema (another node of
/// a rolling deploy migrated first) is fine: migrations only ever add, so older builds keep working.
/// </summary>
[Access(AccessScope.Anonymous)]
public sealed class ReadinessEndpoint(NpgsqlDataSource db, IBlobStore blobs, IHostApplicationLifetime lifetime) : EndpointWithoutRequest<HealthResponse>
{
    /// <summary>A key no blob has: asking for it proves the store is reachable and lets us in (S3: a HEAD on the bucket).</summary>
    private const string ProbeKey = "health/readiness-probe";

    public override void Configure()
    {
        Get("/health/ready");
        RoutePrefixOverride(string.Empty);
        AllowAnonymous();
        Description(d => d.WithName("getReadiness"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
            throw new ApiException(503, ErrorCodes.Unavailable, "This node is shutting down.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        int? applied;
        try
        {
            applied = await Migrator.AppliedVersionAsync(db, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            throw new ApiException(503, ErrorCodes.Unavailable, "The database does not answer.");
        }
        if (applied is null || applied < Migrator.LatestVersion)
            throw new ApiException(503, ErrorCodes.Unavailable, $"Database schema is at version {applied?.ToString() ?? "none"}, expected at least {Migrator.LatestVersion}.");
        try
        {
            await blobs.ExistsAsync(ProbeKey, timeout.Token);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Which store and why goes to the log; the answer, which anyone may read, says only that it failed.
            Logger.LogWarning(e, "Readiness: the blob store does not answer");
            throw new ApiException(503, ErrorCodes.Unavailable, "The blob store does not answer.");
        }
        await Send.OkAsync(new HealthResponse("ready", applied, Migrator.LatestVersion), ct);
    }
}
