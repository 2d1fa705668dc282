using PhotoApi.Api.Features.Audit;
using Dapper;
using FastEndpoints;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Accounts;

public sealed class DeleteMyAccountRequest : AccountDeletionRequest
{
    /// <summary>Required unless <see cref="AccountDeletionRequest.DryRun"/>: the caller proves they are who the session says.</summary>
    public string? CurrentPassword { get; set; }
    /// <summary>Required unless a dry run when two-step verification is on: a current code.</summary>
    public string? TotpCode { get; set; }
}

public sealed class DeleteMyAccountValidator : Validator<DeleteMyAccountRequest>
{
    public DeleteMyAccountValidator()
    {
        AccountDeletionModes.Rules(this);
        RuleFor(x => x.CurrentPassword).NotEmpty().MaximumLength(256).When(x => !x.DryRun);
        RuleFor(x => x.TotpCode).MaximumLength(16);
    }
}

/// <summary>
/// The caller deletes their own account (see <see cref="AccountDeletion"/>), signed in with a session (not an API key) and
/// signing in again: the current password, and a two-step code when two-step verification is on — each a counted attempt
/// like a sign-in's. A wrong one is 403 and changes nothing. A dry run needs neither: it only counts the caller's own data.
/// </summary>
[Access(AccessScope.SignedIn)]
public sealed class DeleteMyAccountEndpoint(NpgsqlDataSource db, AccountDeletion deletion, PasswordHasher hasher, Throttle throttle,
    IOptions<ThrottlingOptions> limits) : Endpoint<DeleteMyAccountRequest, AccountDeletionResponse>
{
    private const string CredentialsSql = "SELECT password_hash, totp_secret, totp_last_step FROM users WHERE id = @id";
    private const string UseTotpStepSql = "UPDATE users SET totp_last_step = @step WHERE id = @id AND (totp_last_step IS NULL OR totp_last_step < @step)";

    private sealed record Credentials(string PasswordHash, string? TotpSecret, long? TotpLastStep);

    public override void Configure()
    {
        Delete("users/me");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("deleteMyAccount"));
    }

    public override async Task HandleAsync(DeleteMyAccountRequest req, CancellationToken ct)
    {
        var userId = User.UserId();
        if (!req.DryRun) await ReauthenticateAsync(userId, req, ct);
        var result = await deletion.RunAsync(userId, req, r => HttpContext.Audit("account.deleted", userId, "user", userId, AccountDeletion.Details(r)), ct);
        await Send.OkAsync(result, ct);
    }

    private async Task ReauthenticateAsync(Guid userId, DeleteMyAccountRequest req, CancellationToken ct)
    {
        var o = limits.Value;
        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await conn.QuerySingleAsync<Credentials>(new CommandDefinition(CredentialsSql, new { id = userId }, cancellationToken: ct));
        if (!await throttle.CurrentPasswordAsync(userId, o, () => hasher.Verify(req.CurrentPassword!, user.PasswordHash), ct))
            throw new ApiException(403, ErrorCodes.InvalidCredentials, "The current password is wrong.");
        if (user.TotpSecret is null) return;
        if (string.IsNullOrEmpty(req.TotpCode))
            throw new ApiException(403, ErrorCodes.TotpRequired, "Two-step verification is on: send totpCode with the 6-digit code.");
        var check = CredentialCheck.TwoStepCode(userId, HttpContext, o);
        await throttle.AttemptAsync(check, ct);
        // Single use, as at sign-in: the conditional update spends the code's time step.
        var step = Totp.Verify(user.TotpSecret, req.TotpCode, DateTimeOffset.UtcNow, user.TotpLastStep);
        if (step is null || await conn.ExecuteAsync(new CommandDefinition(UseTotpStepSql, new { id = userId, step }, cancellationToken: ct)) == 0)
            throw new ApiException(403, ErrorCodes.TotpInvalid, "The verification code is wrong or was already used.");
        await throttle.SucceededAsync(check, ct);
    }
}
