using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Admin;

public sealed class CreateUserRequest
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    public string Email { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "user";
    public bool PhotoLibraryAllowed { get; set; } = true;
}

public sealed class CreateUserValidator : Validator<CreateUserRequest>
{
    public CreateUserValidator()
    {
        RuleFor(x => x.Username).Username();
        RuleFor(x => x.Password).StrongPassword();
        RuleFor(x => x.Email).Email();
        RuleFor(x => x.DisplayName).DisplayName();
        RuleFor(x => x.Role).Must(r => r.IsOneOf("admin", "user")).WithMessage("One of: admin, user.");
    }
}

/// <summary>An admin creates an account; it is active at once, whatever the registration setting.</summary>
[Access(AccessScope.Admin)]
public sealed class CreateUserEndpoint(NpgsqlDataSource db, PasswordHasher hasher) : Endpoint<CreateUserRequest, UserResponse>
{
    private const string InsertSql = """
        INSERT INTO users (id, username, email, display_name, password_hash, role, status, photo_library_allowed)
        VALUES (@id, @username, @email, normalize(@displayName::text, NFC), @passwordHash, @role, 'active', @photoLibraryAllowed)
        """;

    public override void Configure()
    {
        Post("admin/users");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("createUser").ClearDefaultProduces(200).Produces<UserResponse>(201));
    }

    public override async Task HandleAsync(CreateUserRequest req, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var passwordHash = hasher.Hash(req.Password);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                id, username = req.Username, email = req.Email.Trim(), displayName = req.DisplayName.Trim(),
                passwordHash, role = req.Role, photoLibraryAllowed = req.PhotoLibraryAllowed,
            }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (UserQueries.ConflictFrom(e) is { } conflict)
        {
            throw conflict;
        }
        var user = await UserQueries.GetAsync(conn, id, ct, tx);
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("admin.user-created", id, "user", id,
            new { username = user.Username, role = user.Role, photoLibraryAllowed = user.PhotoLibraryAllowed }), ct);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(user, 201, ct);
    }
}
