namespace PhotoApi.Api.Features.Common;

/// <summary>
/// Where the API lives: every endpoint's route is relative to <see cref="Prefix"/> (set once, in the composition), and
/// links the API hands out are built from <see cref="Base"/>. Service routes (health) override the prefix.
/// </summary>
public static class ApiRoutes
{
    public const string Prefix = "api/v1";
    public const string Base = "/" + Prefix;
}
