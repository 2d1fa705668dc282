using Dapper;
using FastEndpoints;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Features.Auth;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Me;

public sealed class ChangePasswordRequest
{
    public string CurrentPassword { get; set; } = "";
    public string NewPassword { get; set; } = "";
}

public sealed class ChangePasswordValidator : Validator<ChangePasswordRequest>
{
    public ChangePasswordValidator()
    {
        RuleFor(x => x.CurrentPassword).NotEmpty().MaximumLength(256);
        RuleFor(x => x.NewPassword).StrongPassword()
            .NotEqual(x => x.CurrentPassword).WithMessage("The new password must differ from the current one.");
    }
}

/// <summary>Changes the caller's password after checking the current one; every other session and every API key of the user is ended.</summary>
[Access(AccessScope.SignedIn)]
public sealed class ChangePasswordEndpoint(NpgsqlDataSource db, PasswordHasher hasher, Throttle throttle, IOptions<ThrottlingOptions> limits)
    : Endpoint<ChangePasswordRequest>
{
    private const string HashSql = "SELECT password_hash FROM users WHERE id = @id";
    private const string UpdateSql = "UPDATE users SET password_hash = @hash, updated_at = now() WHERE id = @id";

    public override void Configure()
    {
        Put("users/me/password");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("changePassword"));
    }

    public override async Task HandleAsync(ChangePasswordRequest req, CancellationToken ct)
    {
        var userId = User.UserId();
        await using var conn = await db.OpenConnectionAsync(ct);
        var current = await conn.ExecuteScalarAsync<string>(new CommandDefinition(HashSql, new { id = userId }, cancellationToken: ct));
        if (!await throttle.CurrentPasswordAsync(userId, limits.Value, () => hasher.Verify(req.CurrentPassword, current), ct))
            throw new ApiException(400, ErrorCodes.InvalidCredentials, "The current password is wrong.",
                new() { ["currentPassword"] = ["The current password is wrong."] });
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new { id = userId, hash = hasher.Hash(req.NewPassword) }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(SessionTokens.RevokeUserCredentialsSql,
            new { userId, keep = User.SessionId(), why = "password_changed" }, tx, cancellationToken: ct));
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("account.password-changed", userId, "user", userId), ct);
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
