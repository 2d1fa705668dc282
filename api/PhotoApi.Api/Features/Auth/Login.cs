using Dapper;
using FastEndpoints;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;

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
/// Attempts are counted per account and per client IP before any hashing; successes are forgiven.
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
        Post("/api/v1/auth/login");
        AllowAnonymous();
        Description(d => d.WithName("login"));
    }

    public override async Task HandleAsync(LoginRequest req, CancellationToken ct)
    {
        var o = limits.Value;
        var accountBucket = $"login:user:{req.Username.ToLowerInvariant()}";
        var ipBucket = $"login:ip:{ClientAddress.Of(HttpContext)}";
        await throttle.AttemptAsync([new(accountBucket, o.LoginFailuresPerAccount), new(ipBucket, o.LoginFailuresPerIp)], o.Window, ct);

        await using var conn = await db.OpenConnectionAsync(ct);
        var user = await conn.QuerySingleOrDefaultAsync<Candidate>(new CommandDefinition(UserSql, new { username = req.Username }, cancellationToken: ct));
        // Unknown users cost one hash like known ones, and both stay counted as failures.
        if (!hasher.Verify(req.Password, user?.PasswordHash) || user is null)
            throw new ApiException(401, ErrorCodes.InvalidCredentials, "Wrong username or password.");

        // From here on the password was right, so telling the account's state leaks nothing.
        await ForgiveAsync(accountBucket, ipBucket, ct);
        if (user.Status == "pending")
            throw new ApiException(403, ErrorCodes.AccountPending, "This account waits for an administrator's approval.");
        if (user.Status != "active")
            throw new ApiException(403, ErrorCodes.AccountDisabled, "This account is disabled.");

        if (user.TotpSecret is not null)
        {
            if (string.IsNullOrEmpty(req.TotpCode))
                throw new ApiException(401, ErrorCodes.TotpRequired, "Two-step verification is on: send totpCode with the 6-digit code.");
            // A wrong code counts as a failed attempt; the conditional update makes a code single-use even when two requests race.
            await throttle.AttemptAsync([new(accountBucket, o.LoginFailuresPerAccount), new(ipBucket, o.LoginFailuresPerIp)], o.Window, ct);
            var step = Totp.Verify(user.TotpSecret, req.TotpCode, DateTimeOffset.UtcNow, user.TotpLastStep);
            if (step is null || await conn.ExecuteAsync(new CommandDefinition(UseTotpStepSql, new { id = user.Id, step }, cancellationToken: ct)) == 0)
                throw new ApiException(401, ErrorCodes.TotpInvalid, "The verification code is wrong or was already used.");
            await ForgiveAsync(accountBucket, ipBucket, ct);
        }

        if (hasher.NeedsRehash(user.PasswordHash))
            await conn.ExecuteAsync(new CommandDefinition(RehashSql, new { id = user.Id, hash = hasher.Hash(req.Password) }, cancellationToken: ct));

        await using var tx = await conn.BeginTransactionAsync(ct);
        var response = await tokens.StartSessionAsync(conn, tx, user.Id, HttpContext.Request.Headers.UserAgent, ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(response, ct);
    }

    private async Task ForgiveAsync(string accountBucket, string ipBucket, CancellationToken ct)
    {
        await throttle.ResetAsync(accountBucket, ct);
        await throttle.ForgiveAsync(ipBucket, ct);
    }
}
