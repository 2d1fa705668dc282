using Dapper;
using FastEndpoints;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Auth;

public sealed class RegisterRequest
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";
}

public sealed class RegisterValidator : Validator<RegisterRequest>
{
    public RegisterValidator()
    {
        RuleFor(x => x.Username).Username();
        RuleFor(x => x.Password).StrongPassword();
        RuleFor(x => x.Email).Email();
        RuleFor(x => x.DisplayName).DisplayName();
    }
}

/// <summary>
/// Self-registration. The very first account becomes the active admin (there is nobody to approve it); after that the
/// admin's registration setting decides: open → active, approval → pending until an admin approves, closed → refused.
/// </summary>
[Access(AccessScope.Anonymous)]
public sealed class RegisterEndpoint(NpgsqlDataSource db, PasswordHasher hasher, Throttle throttle, IOptions<ThrottlingOptions> limits)
    : Endpoint<RegisterRequest, UserResponse>
{
    private const string ModeSql = "SELECT registration_mode FROM settings";
    private const string LockedModeSql = "SELECT registration_mode FROM settings FOR UPDATE";
    /// <summary>Whether any account exists (none: the next registration makes the administrator); also read by <c>getRegistrationOptions</c>.</summary>
    internal const string AnyUserSql = "SELECT EXISTS (SELECT 1 FROM users)";
    private const string InsertSql = """
        INSERT INTO users (id, username, email, display_name, password_hash, role, status)
        VALUES (@id, @username, @email, normalize(@displayName::text, NFC), @passwordHash, @role, @status)
        """;

    public override void Configure()
    {
        Post("auth/register");
        AllowAnonymous();
        Description(d => d.WithName("register").ClearDefaultProduces(200).Produces<UserResponse>(201));
    }

    public override async Task HandleAsync(RegisterRequest req, CancellationToken ct)
    {
        var o = limits.Value;
        await throttle.AttemptAsync([new($"register:ip:{ClientAddress.Of(HttpContext)}", o.RegistrationsPerIp)], o.Window, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        // Refuse a closed registration before spending a slow hash on it.
        if (await conn.ExecuteScalarAsync<string>(new CommandDefinition(ModeSql, cancellationToken: ct)) == "closed" &&
            await conn.ExecuteScalarAsync<bool>(new CommandDefinition(AnyUserSql, cancellationToken: ct)))
            throw Closed();
        var passwordHash = hasher.Hash(req.Password);

        await using var tx = await conn.BeginTransactionAsync(ct);
        // The settings row lock serialises registrations, so exactly one first user becomes admin.
        var mode = await conn.ExecuteScalarAsync<string>(new CommandDefinition(LockedModeSql, transaction: tx, cancellationToken: ct));
        var first = !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(AnyUserSql, transaction: tx, cancellationToken: ct));
        if (!first && mode == "closed") throw Closed();

        var id = Guid.CreateVersion7();
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                id, username = req.Username, email = req.Email.Trim(), displayName = req.DisplayName.Trim(), passwordHash,
                role = first ? UserRoles.Admin : UserRoles.User,
                status = first || mode == "open" ? "active" : "pending",
            }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (UserQueries.ConflictFrom(e) is { } conflict)
        {
            throw conflict;
        }
        var user = await UserQueries.GetAsync(conn, id, ct, tx);
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("auth.registered", id, "user", id,
            new { username = user.Username, role = user.Role, status = user.Status }) with { ActorId = id }, ct);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(user, 201, ct);
    }

    private static ApiException Closed() =>
        new(403, ErrorCodes.RegistrationClosed, "Registration is closed. Ask an administrator for an account.");
}
