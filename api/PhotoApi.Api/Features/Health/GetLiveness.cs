using FastEndpoints;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Health;

/// <summary>The process is up. Says nothing about its dependencies (use readiness for that).</summary>
[Access(AccessScope.Anonymous)]
public sealed class LivenessEndpoint : EndpointWithoutRequest<HealthResponse>
{
    public override void Configure()
    {
        Get("/health/live");
        RoutePrefixOverride(string.Empty);
        AllowAnonymous();
        Description(d => d.WithName("getLiveness"));
    }

    public override Task HandleAsync(CancellationToken ct) => Send.OkAsync(new HealthResponse("live", null, null), ct);
}
