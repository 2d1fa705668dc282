using Dapper;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Common;

/// <summary>How a user is shown to themselves and to admins.</summary>
public sealed record UserResponse(
    Guid Id, string Username, string Email, string DisplayName, string Role, string Status,
    bool PhotoLibraryAllowed, bool TotpEnabled, string SharedSpaceAccess, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// Names people read — display names, group names (usernames are ASCII by their pattern): one line of valid Unicode,
/// stored trimmed and in NFC so that two spellings of one text (precomposed or combining accents) are one name. The
/// API runs with invariant globalization, where .NET does not normalise, so PostgreSQL does: the SQL that stores a
/// name wraps it in <c>normalize(@…::text, NFC)</c> (a null stays null).
/// </summary>
public static class NameText
{
    public const string PlainMessage = "Must be one line of text: no control characters, line breaks or broken Unicode.";

    /// <summary>No control characters (C0, DEL, C1), no line or paragraph separators, no unpaired surrogates.</summary>
    public static bool IsPlain(string? text)
    {
        if (text is null) return true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(c) || char.IsControl(c) || c is '\u2028' or '\u2029') return false;
        }
        return true;
    }

    public static IRuleBuilderOptions<T, string?> PlainName<T>(this IRuleBuilder<T, string?> rule) => rule.Must(IsPlain).WithMessage(PlainMessage);
}

public static class UserQueries
{
    /// <summary>
    /// The user's columns (from <c>users</c>, unaliased). <c>shared_space_access</c> is the user's effective Shared Space
    /// access as the access policy applies it (none while Shared Space is disabled).
    /// </summary>
    public static readonly string Columns = $"""
        id, username, email, display_name, role, status, photo_library_allowed,
        totp_secret IS NOT NULL AS totp_enabled,
        {Access.AccessPolicy.SharedSpaceAccessOf("users.id", "users.role = 'admin'")} AS shared_space_access,
        created_at, updated_at
        """;

    public static readonly string ById = $"SELECT {Columns} FROM users WHERE id = @id";

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
