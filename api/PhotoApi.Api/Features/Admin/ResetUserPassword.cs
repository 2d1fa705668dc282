using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Auth;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Admin;

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
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("admin.user-password-reset", req.Id, "user", req.Id), ct);
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
