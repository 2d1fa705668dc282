using System.Net;
using System.Security.Claims;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Audit;

/// <summary>
/// The audit events an endpoint records, as the request saw them: the signed-in caller is the actor (none for a guest or
/// an anonymous caller; set <c>ActorId</c> with <c>with</c> where the caller signs in by this very request), and the
/// address is the client's (after trusted proxies). Written by <see cref="AuditTrail"/> with the change's transaction.
/// The kinds are listed in <c>openapi.yaml</c> (<c>AuditEvent.kind</c>).
/// </summary>
public static class AuditEvents
{
    public static AuditEvent Audit(this HttpContext http, string kind, Guid? ownerId, string? targetType = null, Guid? targetId = null,
        object? details = null) =>
        new(kind, CallerId(http.User), ownerId, targetType, targetId, ClientIp(http), details);

    private static Guid? CallerId(ClaimsPrincipal user) =>
        user.FindFirstValue(Claims.UserId) is { } id && Guid.TryParse(id, out var g) ? g : null;

    private static IPAddress? ClientIp(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip && ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : http.Connection.RemoteIpAddress;
}
