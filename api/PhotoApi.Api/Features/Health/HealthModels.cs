namespace PhotoApi.Api.Features.Health;

public sealed record HealthResponse(string Status, int? SchemaVersion, int? ExpectedSchemaVersion);
