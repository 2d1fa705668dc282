using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Auth;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Admin;

public sealed class ListUsersRequest : IPagedRequest
{
    /// <summary>Part of the username, display name or email.</summary>
    [QueryParam] public string? Q { get; set; }
    [QueryParam] public string? Status { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListUsersValidator : Validator<ListUsersRequest>
{
    public ListUsersValidator()
    {
        this.AddPagingRules();
        RuleFor(x => x.Q).MaximumLength(100);
        RuleFor(x => x.Status).Must(s => s.IsOneOf("pending", "active", "disabled")).When(x => x.Status is not null)
            .WithMessage("One of: pending, active, disabled.");
    }
}

[Access(AccessScope.Admin)]
public sealed class ListUsersEndpoint(NpgsqlDataSource db) : Endpoint<ListUsersRequest, Page<UserResponse>>
{
    private const string ListSql = $"""
        SELECT {UserQueries.Columns} FROM users
        WHERE id > @after
          AND (@status::text IS NULL OR status = @status)
          AND (@q::text IS NULL OR username ILIKE @pattern OR display_name ILIKE @pattern OR email ILIKE @pattern)
        ORDER BY id LIMIT @take
        """;

    public override void Configure()
    {
        Get("admin/users");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("listUsers"));
    }

    public override async Task HandleAsync(ListUsersRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<UserResponse>(new CommandDefinition(ListSql, new
        {
            after = req.After(), status = req.Status, q = req.Q, pattern = Like.Contains(req.Q), take = req.Limit() + 1,
        }, cancellationToken: ct))).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), u => u.Id), ct);
    }
}

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
        await using var conn = await db.OpenConnectionAsync(ct);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
            {
                id, username = req.Username, email = req.Email.Trim(), displayName = req.DisplayName.Trim(),
                passwordHash = hasher.Hash(req.Password), role = req.Role, photoLibraryAllowed = req.PhotoLibraryAllowed,
            }, cancellationToken: ct));
        }
        catch (PostgresException e) when (UserQueries.ConflictFrom(e) is { } conflict)
        {
            throw conflict;
        }
        await Send.ResponseAsync(await UserQueries.GetAsync(conn, id, ct), 201, ct);
    }
}

public sealed class UpdateUserRequest
{
    public Guid Id { get; set; }
    /// <summary><c>active</c> approves a pending account or re-enables one; <c>disabled</c> ends its sessions and API keys for good.</summary>
    public string? Status { get; set; }
    public string? Role { get; set; }
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public bool? PhotoLibraryAllowed { get; set; }
}

public sealed class UpdateUserValidator : Validator<UpdateUserRequest>
{
    public UpdateUserValidator()
    {
        RuleFor(x => x.Status).Must(s => s.IsOneOf("active", "disabled")).When(x => x.Status is not null).WithMessage("One of: active, disabled.");
        RuleFor(x => x.Role).Must(r => r.IsOneOf("admin", "user")).When(x => x.Role is not null).WithMessage("One of: admin, user.");
        RuleFor(x => x.DisplayName).DisplayName().When(x => x.DisplayName is not null);
        RuleFor(x => x.Email).Email().When(x => x.Email is not null);
    }
}

/// <summary>Approve, disable, change role or photo-library privilege. Admins cannot lock themselves out.</summary>
[Access(AccessScope.Admin)]
public sealed class UpdateUserEndpoint(NpgsqlDataSource db) : Endpoint<UpdateUserRequest, UserResponse>
{
    private const string UpdateSql = """
        UPDATE users SET
            status = coalesce(@status, status),
            role = coalesce(@role, role),
            display_name = coalesce(normalize(@displayName::text, NFC), display_name),
            email = coalesce(@email, email),
            photo_library_allowed = coalesce(@photoLibraryAllowed, photo_library_allowed),
            updated_at = now()
        WHERE id = @id
        """;

    public override void Configure()
    {
        Patch("admin/users/{id}");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("updateUser"));
    }

    public override async Task HandleAsync(UpdateUserRequest req, CancellationToken ct)
    {
        if (req.Id == User.UserId() && (req.Status == "disabled" || req.Role == "user"))
            throw new ApiException(409, ErrorCodes.CannotChangeSelf, "You cannot disable or demote your own account. Ask another admin.");
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        int updated;
        try
        {
            updated = await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new
            {
                req.Id, req.Status, req.Role, displayName = req.DisplayName?.Trim(), email = req.Email?.Trim(), req.PhotoLibraryAllowed,
            }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (UserQueries.ConflictFrom(e) is { } conflict)
        {
            throw conflict;
        }
        if (updated == 0) throw ApiException.NotFound("The user");
        if (req.Status == "disabled")
            await conn.ExecuteAsync(new CommandDefinition(SessionTokens.RevokeUserCredentialsSql,
                new { userId = req.Id, keep = (Guid?)null, why = "account_disabled" }, tx, cancellationToken: ct));
        var user = await UserQueries.GetAsync(conn, req.Id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.OkAsync(user, ct);
    }
}

public sealed class ResetUserPasswordRequest
{
    public Guid Id { get; set; }
    public string NewPassword { get; set; } = "";
}

public sealed class ResetUserPasswordValidator : Validator<ResetUserPasswordRequest>
{
    public ResetUserPasswordValidator() => RuleFor(x => x.NewPassword).StrongPassword();
}

/// <summary>Sets a new password for a user and ends all their sessions and API keys.</summary>
[Access(AccessScope.Admin)]
public sealed class ResetUserPasswordEndpoint(NpgsqlDataSource db, PasswordHasher hasher) : Endpoint<ResetUserPasswordRequest>
{
    private const string UpdateSql = "UPDATE users SET password_hash = @hash, updated_at = now() WHERE id = @id";

    public override void Configure()
    {
        Post("admin/users/{id}/password");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("resetUserPassword"));
    }

    public override async Task HandleAsync(ResetUserPasswordRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new { req.Id, hash = hasher.Hash(req.NewPassword) }, tx, cancellationToken: ct)) == 0)
            throw ApiException.NotFound("The user");
        await conn.ExecuteAsync(new CommandDefinition(SessionTokens.RevokeUserCredentialsSql,
            new { userId = req.Id, keep = (Guid?)null, why = "password_reset" }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
