using Dapper;
using FastEndpoints;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Auth;

public sealed class LoginRequest
{
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    /// <summary>The 6-digit code of the authenticator app, when two-step verification is on.</summary>
    public string? TotpCode { get; set; }
}

public sealed class LoginValidator : Validator<LoginRequest>
{
    public LoginValidator()
    {
        RuleFor(x => x.Username).NotEmpty().MaximumLength(254);
        RuleFor(x => x.Password).NotEmpty().MaximumLength(256);
        RuleFor(x => x.TotpCode).Matches("^[0-9]{6}$").When(x => x.TotpCode is not null).WithMessage("A code is 6 digits.");
    }
}

/// <summary>
/// Sign-in. Unknown users and wrong passwords get the same answer at the same cost (a dummy hash is verified).
/// Attempts are counted per account and per client IP before any hashing; a wrong two-step code is a failed attempt
/// like a wrong password, and only a complete sign-in clears the account's failures. The audit trail gets each success
/// (<c>auth.sign-in</c>, with the session it started) and each failure (<c>auth.sign-in-failed</c> with the reason; the
/// account is its owner, none for an unknown username, so only admins see those).
/// </summary>
[Access(AccessScope.Anonymous)]
public sealed class LoginEndpoint(NpgsqlDataSource db, PasswordHasher hasher, Throttle throttle, SessionTokens tokens, IOptions<ThrottlingOptions> limits)
    : Endpoint<LoginRequest, TokenResponse>
{
    private const string UserSql = """
        SELECT id, password_hash, status, totp_secret, totp_last_step FROM users WHERE lower(username) = lower(@username)
        """;
    private const string UseTotpStepSql = """
        UPDATE users SET totp_last_step = @step WHERE id = @id AND (totp_last_step IS NULL OR totp_last_step < @step)
        """;
    private const string RehashSql = "UPDATE users SET password_hash = @hash WHERE id = @id";

    private sealed record Candidate(Guid Id, string PasswordHash, string Status, string? TotpSecret, long? TotpLastStep);

    public override void Configure()
    {
        Post("auth/login");
        AllowAnonymous();
        Description(d => d.WithName("login"));
    }

    public override async Task HandleAsync(LoginRequest req, CancellationToken ct)
    {
        var o = limits.Value;
        var check = CredentialCheck.SignIn(req.Username, HttpContext, o);
        await throttle.AttemptAsync(check, ct);

        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await conn.QuerySingleOrDefaultAsync<Candidate>(new CommandDefinition(UserSql, new { username = req.Username }, cancellationToken: ct));
        // Unknown users cost one hash like known ones, and both stay counted as failures.
        if (!hasher.Verify(req.Password, user?.PasswordHash) || user is null)
        {
            await FailedAsync(user, user is null ? "unknown-user" : "wrong-password", req, ct);
            throw new ApiException(401, ErrorCodes.InvalidCredentials, "Wrong username or password.");
        }

        if (user.Status != "active" || (user.TotpSecret is not null && string.IsNullOrEmpty(req.TotpCode)))
        {
            // The password was right, so this attempt was no guess and telling the account's state leaks nothing.
            // Earlier failures (wrong two-step codes included) are cleared only by a complete sign-in.
            await throttle.NotAFailureAsync(check, ct);
            if (user.Status != "active") await FailedAsync(user, user.Status, req, ct); // pending or disabled
            throw user.Status switch
            {
                "pending" => new ApiException(403, ErrorCodes.AccountPending, "This account waits for an administrator's approval."),
                "active" => new ApiException(401, ErrorCodes.TotpRequired, "Two-step verification is on: send totpCode with the 6-digit code."),
                _ => new ApiException(403, ErrorCodes.AccountDisabled, "This account is disabled."),
            };
        }

        if (user.TotpSecret is not null)
        {
            // A wrong code stays counted like a wrong password; the conditional update makes a code single-use even when two requests race.
            var step = Totp.Verify(user.TotpSecret, req.TotpCode, DateTimeOffset.UtcNow, user.TotpLastStep);
            if (step is null || await conn.ExecuteAsync(new CommandDefinition(UseTotpStepSql, new { id = user.Id, step }, cancellationToken: ct)) == 0)
            {
                await FailedAsync(user, "wrong-two-step-code", req, ct);
                throw new ApiException(401, ErrorCodes.TotpInvalid, "The verification code is wrong or was already used.");
            }
        }
        await throttle.SucceededAsync(check, ct);

        if (hasher.NeedsRehash(user.PasswordHash))
            await conn.ExecuteAsync(new CommandDefinition(RehashSql, new { id = user.Id, hash = hasher.Hash(req.Password) }, cancellationToken: ct));

        await using var tx = await conn.BeginTransactionAsync(ct);
        var response = await tokens.StartSessionAsync(conn, tx, user.Id, HttpContext.Request.Headers.UserAgent, ct);
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("auth.sign-in", user.Id, "user", user.Id,
            new { twoStep = user.TotpSecret is not null }) with { ActorId = user.Id }, ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(response, ct);
    }

    /// <summary>
    /// A refused sign-in, on its own (it changes nothing else): the account it was for (its owner sees it) and the reason;
    /// never the password or the code. A name that matches no account is not kept either: what people type there by
    /// mistake is often their password.
    /// </summary>
    private Task FailedAsync(Candidate? user, string reason, LoginRequest req, CancellationToken ct) =>
        AuditTrail.RecordAloneAsync(db, HttpContext.Audit("auth.sign-in-failed", user?.Id, "user", user?.Id,
            user is null ? new { reason } : new { reason, username = req.Username }), ct);
}
