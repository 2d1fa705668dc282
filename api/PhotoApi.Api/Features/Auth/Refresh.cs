using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Auth;

public sealed class RefreshTokenRequest
{
    public string RefreshToken { get; set; } = "";
}

public sealed class RefreshTokenValidator : Validator<RefreshTokenRequest>
{
    public RefreshTokenValidator() => RuleFor(x => x.RefreshToken).NotEmpty().MaximumLength(200);
}

/// <summary>
/// Rotates a refresh token: the presented one is spent and a new pair is returned. A spent token presented again means
/// it was stolen or replayed, so the whole session (every token of the family) is revoked.
/// </summary>
[Access(AccessScope.Anonymous)]
public sealed class RefreshTokenEndpoint(NpgsqlDataSource db, SessionTokens tokens) : Endpoint<RefreshTokenRequest, TokenResponse>
{
    // Spends the token atomically; returns nothing when the token is unknown.
    private const string SpendSql = """
        WITH found AS (
            SELECT rt.token_hash, rt.session_id, rt.used_at, s.revoked_at, s.expires_at, u.status
            FROM refresh_tokens rt
            JOIN sessions s ON s.id = rt.session_id
            JOIN users u ON u.id = s.user_id
            WHERE rt.token_hash = @hash
            FOR UPDATE OF rt
        ), spent AS (
            UPDATE refresh_tokens SET used_at = now()
            WHERE token_hash = @hash AND used_at IS NULL
            RETURNING token_hash
        )
        SELECT session_id, used_at IS NOT NULL AS reused,
               revoked_at IS NULL AND expires_at > now() AND status = 'active' AS usable
        FROM found
        """;

    private sealed record Spent(Guid SessionId, bool Reused, bool Usable);

    public override void Configure()
    {
        Post("auth/refresh");
        AllowAnonymous();
        Description(d => d.WithName("refreshToken"));
    }

    public override async Task HandleAsync(RefreshTokenRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var spent = await conn.QuerySingleOrDefaultAsync<Spent>(new CommandDefinition(SpendSql, new { hash = Secrets.Hash(req.RefreshToken) }, tx, cancellationToken: ct));
        if (spent is null)
            throw new ApiException(401, ErrorCodes.InvalidRefreshToken, "The refresh token is not valid. Sign in again.");
        if (spent.Reused)
        {
            await conn.ExecuteAsync(new CommandDefinition(SessionTokens.RevokeSessionSql,
                new { sessionId = spent.SessionId, why = "refresh_token_reused" }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            throw new ApiException(401, ErrorCodes.RefreshTokenReused,
                "This refresh token was already used. The session has been ended for safety; sign in again.");
        }
        if (!spent.Usable)
            throw new ApiException(401, ErrorCodes.InvalidRefreshToken, "The session has ended. Sign in again.");

        var response = await tokens.IssueAsync(conn, tx, spent.SessionId, ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(response, ct);
    }
}
