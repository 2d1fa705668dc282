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
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Admin;

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
        // What the admin asked to change (absent fields stay as they were), with the values it now has.
        var changed = new Dictionary<string, object>();
        if (req.Status is not null) changed["status"] = user.Status;
        if (req.Role is not null) changed["role"] = user.Role;
        if (req.DisplayName is not null) changed["displayName"] = user.DisplayName;
        if (req.Email is not null) changed["email"] = user.Email;
        if (req.PhotoLibraryAllowed is not null) changed["photoLibraryAllowed"] = user.PhotoLibraryAllowed;
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("admin.user-updated", req.Id, "user", req.Id, changed), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(user, ct);
    }
}
