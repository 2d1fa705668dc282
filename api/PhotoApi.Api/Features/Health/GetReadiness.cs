using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Health;

/// <summary>
/// Ready only when PostgreSQL answers and every migration this build knows is applied. A newer schema (another node
/// of a rolling deploy migrated first) is fine: migrations only ever add, so older builds keep working.
/// </summary>
[Access(AccessScope.Anonymous)]
public sealed class ReadinessEndpoint(NpgsqlDataSource db) : EndpointWithoutRequest<HealthResponse>
{
    public override void Configure()
    {
        Get("/health/ready");
        RoutePrefixOverride(string.Empty);
        AllowAnonymous();
        Description(d => d.WithName("getReadiness"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        int? applied;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            applied = await Migrator.AppliedVersionAsync(db, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            throw new ApiException(503, ErrorCodes.Unavailable, "The database does not answer.");
        }
        if (applied is null || applied < Migrator.LatestVersion)
            throw new ApiException(503, ErrorCodes.Unavailable, $"Database schema is at version {applied?.ToString() ?? "none"}, expected at least {Migrator.LatestVersion}.");
        await Send.OkAsync(new HealthResponse("ready", applied, Migrator.LatestVersion), ct);
    }
}
