using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;

namespace PhotoApi.Api.Features.Auth;

public sealed class TokenOptions
{
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>What login and refresh return.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn);

/// <summary>Issues the tokens of a session: one refresh-token family per sign-in, short-lived access tokens.</summary>
public sealed class SessionTokens(IOptions<TokenOptions> options)
{
    private const string InsertSessionSql = """
        INSERT INTO sessions (id, user_id, expires_at, user_agent) VALUES (@id, @userId, now() + @lifetime, @userAgent)
        """;

    private const string InsertTokensSql = """
        INSERT INTO refresh_tokens (token_hash, session_id) VALUES (@refreshHash, @sessionId);
        INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES (@accessHash, @sessionId, now() + @accessLifetime);
        """;

    public async Task<TokenResponse> StartSessionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, string? userAgent, CancellationToken ct)
    {
        var sessionId = Guid.CreateVersion7();
        await conn.ExecuteAsync(new CommandDefinition(InsertSessionSql,
            new { id = sessionId, userId, lifetime = options.Value.SessionLifetime, userAgent = userAgent?[..Math.Min(userAgent.Length, 300)] },
            tx, cancellationToken: ct));
        return await IssueAsync(conn, tx, sessionId, ct);
    }

    public async Task<TokenResponse> IssueAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid sessionId, CancellationToken ct)
    {
        var refresh = Secrets.NewToken("rt_");
        var access = Secrets.NewToken("at_");
        var lifetime = options.Value.AccessTokenLifetime;
        await conn.ExecuteAsync(new CommandDefinition(InsertTokensSql,
            new { refreshHash = Secrets.Hash(refresh), accessHash = Secrets.Hash(access), sessionId, accessLifetime = lifetime },
            tx, cancellationToken: ct));
        return new TokenResponse(access, refresh, "Bearer", (int)lifetime.TotalSeconds);
    }

    public const string RevokeSessionSql = """
        UPDATE sessions SET revoked_at = now(), revoked_why = @why WHERE id = @sessionId AND revoked_at IS NULL;
        DELETE FROM access_tokens WHERE session_id = @sessionId;
        """;

    /// <summary>
    /// Ends what a user signed in with, after a password change or reset or when the account is disabled: every
    /// session except <c>@keep</c>, and every API key for good (kept revoked with <c>@why</c>, so the owner sees why).
    /// </summary>
    public const string RevokeUserCredentialsSql = """
        UPDATE sessions SET revoked_at = now(), revoked_why = @why
        WHERE user_id = @userId AND revoked_at IS NULL AND id IS DISTINCT FROM @keep;
        DELETE FROM access_tokens a USING sessions s
        WHERE a.session_id = s.id AND s.user_id = @userId AND s.id IS DISTINCT FROM @keep;
        UPDATE api_keys SET revoked_at = now(), revoked_why = @why WHERE user_id = @userId AND revoked_at IS NULL;
        """;
}
