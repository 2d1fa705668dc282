using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Common;

/// <summary>How a user is shown to themselves and to admins.</summary>
public sealed record UserResponse(
    Guid Id, string Username, string Email, string DisplayName, string Role, string Status,
    bool PhotoLibraryAllowed, bool TotpEnabled, DateTime CreatedAt, DateTime UpdatedAt);

public static class UserQueries
{
    public const string Columns = """
        id, username, email, display_name, role, status, photo_library_allowed,
        totp_secret IS NOT NULL AS totp_enabled, created_at, updated_at
        """;

    public const string ById = $"SELECT {Columns} FROM users WHERE id = @id";

    public static async Task<UserResponse> GetAsync(NpgsqlConnection conn, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        await conn.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(ById, new { id }, tx, cancellationToken: ct))
        ?? throw ApiException.NotFound("The user");

    /// <summary>Turns a unique-index violation on users into the 409 the client can act on.</summary>
    public static ApiException? ConflictFrom(PostgresException e) => e.SqlState != PostgresErrorCodes.UniqueViolation ? null : e.ConstraintName switch
    {
        "users_username_key" => new ApiException(409, ErrorCodes.UsernameTaken, "That username is taken.",
            new() { ["username"] = ["That username is taken."] }),
        "users_email_key" => new ApiException(409, ErrorCodes.EmailTaken, "That email address is already used by another account.",
            new() { ["email"] = ["That email address is already used."] }),
        _ => null,
    };
}
