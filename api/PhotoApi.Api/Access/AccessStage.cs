using FastEndpoints;

namespace PhotoApi.Api.Access;

/// <summary>
/// The pipeline stage that enforces what an endpoint declares, before its handler runs. Every endpoint carries an
/// <see cref="AccessAttribute"/> (copied into its endpoint metadata at start); when the declaration names the route
/// parameter its permission is about (<see cref="AccessAttribute.On"/>), this stage asks the <see cref="AccessPolicy"/>
/// for that permission on that id, and the handler runs only if it is granted. A route id that is not a uuid is answered
/// like one that does not exist.
/// </summary>
public sealed class AccessStage : IGlobalPreProcessor
{
    public async Task PreProcessAsync(IPreProcessorContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var access = http.GetEndpoint()?.Metadata.GetMetadata<AccessAttribute>();
        if (access?.On is not { } parameter || access.Permissions.Count == 0) return;
        if (context.HasValidationFailures) return; // the validator's 400 comes first, as for every other endpoint

        var raw = http.Request.RouteValues[parameter]?.ToString();
        if (!Guid.TryParse(raw, out var id)) throw Infrastructure.Errors.ApiException.NotFound(access.What);

        var policy = http.RequestServices.GetRequiredService<AccessPolicy>();
        var principal = http.Principal();
        if (access.DistinguishesRole)
            await policy.EnsureRoleAsync(principal, access.Permissions[0], id, access.SeenWith, access.What, ct);
        else
            await policy.EnsureAsync(principal, access.Permissions[0], id, ct, access.What);
    }
}

public static class PrincipalExtensions
{
    private static readonly object Key = new();

    /// <summary>The caller as the access policy sees them, resolved once per request from the authenticated user.</summary>
    public static Principal Principal(this HttpContext http)
    {
        if (http.Items.TryGetValue(Key, out var cached) && cached is Principal p) return p;
        var principal = Access.Principal.Of(http.User);
        http.Items[Key] = principal;
        return principal;
    }
}
