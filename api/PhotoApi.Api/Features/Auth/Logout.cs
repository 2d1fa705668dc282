using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Auth;

/// <summary>Ends the caller's session: its access tokens stop working at once and its refresh tokens cannot be used.</summary>
[Access(AccessScope.SignedIn)]
public sealed class LogoutEndpoint(NpgsqlDataSource db) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Post("auth/logout");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("logout"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(SessionTokens.RevokeSessionSql,
            new { sessionId = User.SessionId(), why = "logout" }, cancellationToken: ct));
        await Send.NoContentAsync(ct);
    }
}
