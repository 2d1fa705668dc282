using System.Security.Claims;
using System.Text.Encodings.Web;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Persistence;

namespace PhotoApi.Api.Infrastructure.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;access token&gt;</c> and <c>X-Api-Key: &lt;key&gt;</c>.
/// Both are opaque 256-bit tokens looked up by their SHA-256 in PostgreSQL, so logout, disabling a user and deleting a
/// key take effect on the next request on every node, and no node holds state.
/// </summary>
public sealed class PhotoApiAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, NpgsqlDataSource db)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "PhotoApi";
    public const string ApiKeyHeader = "X-Api-Key";

    private const string AccessTokenSql = $"""
        SELECT u.id AS user_id, u.role, s.id AS session_id, NULL::uuid AS api_key_id, {PhotoLibrarySql} AS photo_library
        FROM access_tokens a
        JOIN sessions s ON s.id = a.session_id
        JOIN users u ON u.id = s.user_id
        WHERE a.token_hash = @hash AND a.expires_at > now() AND s.revoked_at IS NULL AND u.status = 'active'
        """;

    private const string ApiKeySql = $"""
        UPDATE api_keys k SET last_used_at = now()
        FROM users u
        WHERE k.key_hash = @hash AND k.revoked_at IS NULL AND u.id = k.user_id AND u.status = 'active'
        RETURNING u.id AS user_id, u.role, NULL::uuid AS session_id, k.id AS api_key_id, {PhotoLibrarySql} AS photo_library
        """;

    /// <summary>
    /// The photo-library privilege: the user's own flag, and no group of theirs denies it (deny wins, as in DSM's
    /// application privileges).
    /// </summary>
    internal const string PhotoLibrarySql = """
        (u.photo_library_allowed AND NOT EXISTS (
            SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id WHERE gm.user_id = u.id AND NOT g.photo_library_allowed))
        """;

    private sealed record Row(Guid UserId, string Role, Guid? SessionId, Guid? ApiKeyId, bool PhotoLibrary);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null, sql = null, method = null;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            (token, sql, method) = (authorization["Bearer ".Length..].Trim(), AccessTokenSql, AuthMethods.Session);
        }
        else if (Request.Headers.TryGetValue(ApiKeyHeader, out var key) && !string.IsNullOrWhiteSpace(key))
        {
            (token, sql, method) = (key.ToString().Trim(), ApiKeySql, AuthMethods.ApiKey);
        }
        if (token is null) return AuthenticateResult.NoResult();
        if (token.Length > 200) return AuthenticateResult.Fail("Invalid credentials.");

        await using var conn = await db.OpenConnectionAsync(Context.RequestAborted);
        var row = await conn.QueryFirstPreparedAsync<Row>(sql!, new { hash = Secrets.Hash(token) }, Context.RequestAborted);
        if (row is null) return AuthenticateResult.Fail("Invalid or expired credentials.");

        var claims = new List<Claim>
        {
            new(Claims.UserId, row.UserId.ToString()),
            new(ClaimTypes.Role, row.Role),
            new(Claims.Method, method!),
            new(Claims.PhotoLibrary, row.PhotoLibrary ? "true" : "false"),
        };
        if (row.SessionId is { } sid) claims.Add(new Claim(Claims.SessionId, sid.ToString()));
        if (row.ApiKeyId is { } kid) claims.Add(new Claim(Claims.ApiKeyId, kid.ToString()));
        var identity = new ClaimsIdentity(claims, SchemeName, Claims.UserId, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

public static class Claims
{
    public const string UserId = "sub";
    public const string SessionId = "sid";
    /// <summary>The API key the request authenticated with (API-key principals only).</summary>
    public const string ApiKeyId = "kid";
    public const string Method = "amr";
    public const string PhotoLibrary = "photo_library";
}

public static class AuthMethods
{
    public const string Session = "session";
    public const string ApiKey = "api_key";
}

public static class Policies
{
    /// <summary>Credential management (passwords, two-step, API keys) needs a signed-in person, not an integration's API key.</summary>
    public const string InteractiveSession = "interactive-session";

    /// <summary>The library (assets, folders, trash, archives, backups) needs the photo-library privilege an admin grants.</summary>
    public const string PhotoLibrary = "photo-library";
}

public static class UserRoles
{
    public const string Admin = "admin";
    public const string User = "user";
}

public static class ClaimsPrincipalExtensions
{
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(Claims.UserId) ?? throw new InvalidOperationException("Not authenticated."));

    public static Guid? SessionId(this ClaimsPrincipal user) =>
        user.FindFirstValue(Claims.SessionId) is { } s ? Guid.Parse(s) : null;

    public static Guid? ApiKeyId(this ClaimsPrincipal user) =>
        user.FindFirstValue(Claims.ApiKeyId) is { } k ? Guid.Parse(k) : null;
}
