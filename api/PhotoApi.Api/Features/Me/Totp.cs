using Dapper;
using FastEndpoints;
using FluentValidation;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Me;

public sealed record EnrollTotpResponse(string Secret, string OtpauthUri);

/// <summary>Starts two-step enrollment: a new secret to put in an authenticator app. It takes effect once confirmed.</summary>
[Access(AccessScope.SignedIn)]
public sealed class EnrollTotpEndpoint(NpgsqlDataSource db) : EndpointWithoutRequest<EnrollTotpResponse>
{
    private const string EnrollSql = """
        UPDATE users SET totp_pending_secret = @secret, updated_at = now()
        WHERE id = @id AND totp_secret IS NULL
        RETURNING username
        """;

    public override void Configure()
    {
        Post("users/me/totp");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("enrollTotp"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var secret = Totp.NewSecret();
        await using var conn = await db.OpenConnectionAsync(ct);
        var username = await conn.ExecuteScalarAsync<string>(new CommandDefinition(EnrollSql, new { id = User.UserId(), secret }, cancellationToken: ct))
            ?? throw new ApiException(409, ErrorCodes.TotpAlreadyEnabled, "Two-step verification is already on. Disable it first to enroll a new device.");
        await Send.OkAsync(new EnrollTotpResponse(secret, Totp.OtpAuthUri("PhotoApi", username, secret)), ct);
    }
}

public sealed class TotpCodeRequest
{
    public string Code { get; set; } = "";
}

public sealed class TotpCodeValidator : Validator<TotpCodeRequest>
{
    public TotpCodeValidator() => RuleFor(x => x.Code).NotEmpty().Matches("^[0-9]{6}$").WithMessage("A code is 6 digits.");
}

/// <summary>
/// Confirms enrollment with a code from the app; from now on sign-in asks for a code. Wrong codes are failed attempts
/// like wrong passwords at sign-in (per account and per client address).
/// </summary>
[Access(AccessScope.SignedIn)]
public sealed class ConfirmTotpEndpoint(NpgsqlDataSource db, Throttle throttle, IOptions<ThrottlingOptions> limits) : Endpoint<TotpCodeRequest>
{
    private const string PendingSql = "SELECT totp_pending_secret FROM users WHERE id = @id AND totp_secret IS NULL";
    private const string ConfirmSql = """
        UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = @step, updated_at = now()
        WHERE id = @id AND totp_pending_secret = @secret AND totp_secret IS NULL
        """;

    public override void Configure()
    {
        Post("users/me/totp/confirm");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("confirmTotp"));
    }

    public override async Task HandleAsync(TotpCodeRequest req, CancellationToken ct)
    {
        var id = User.UserId();
        await using var conn = await db.OpenConnectionAsync(ct);
        var secret = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(PendingSql, new { id }, cancellationToken: ct))
            ?? throw new ApiException(409, ErrorCodes.TotpNotEnrolled, "Start enrollment first (POST /api/v1/users/me/totp).");
        var check = CredentialCheck.TwoStepCode(id, HttpContext, limits.Value);
        await throttle.AttemptAsync(check, ct);
        var step = Totp.Verify(secret, req.Code, DateTimeOffset.UtcNow, null)
            ?? throw new ApiException(400, ErrorCodes.TotpInvalid, "The verification code is wrong.", new() { ["code"] = ["The verification code is wrong."] });
        if (await conn.ExecuteAsync(new CommandDefinition(ConfirmSql, new { id, secret, step }, cancellationToken: ct)) == 0)
            throw new ApiException(409, ErrorCodes.TotpNotEnrolled, "The enrollment changed meanwhile. Start again.");
        await throttle.SucceededAsync(check, ct);
        await Send.NoContentAsync(ct);
    }
}

/// <summary>
/// Turns two-step verification off; a current code proves the caller still holds the device. Wrong codes are failed
/// attempts like wrong passwords at sign-in (per account and per client address).
/// </summary>
[Access(AccessScope.SignedIn)]
public sealed class DisableTotpEndpoint(NpgsqlDataSource db, Throttle throttle, IOptions<ThrottlingOptions> limits) : Endpoint<TotpCodeRequest>
{
    private const string SecretSql = "SELECT totp_secret, totp_last_step FROM users WHERE id = @id";
    private const string DisableSql = """
        UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL, updated_at = now()
        WHERE id = @id AND (totp_last_step IS NULL OR totp_last_step < @step)
        """;

    private sealed record Current(string? TotpSecret, long? TotpLastStep);

    public override void Configure()
    {
        Delete("users/me/totp");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("disableTotp"));
    }

    public override async Task HandleAsync(TotpCodeRequest req, CancellationToken ct)
    {
        var id = User.UserId();
        await using var conn = await db.OpenConnectionAsync(ct);
        var current = await conn.QuerySingleAsync<Current>(new CommandDefinition(SecretSql, new { id }, cancellationToken: ct));
        if (current.TotpSecret is null)
            throw new ApiException(409, ErrorCodes.TotpNotEnabled, "Two-step verification is not on.");
        var check = CredentialCheck.TwoStepCode(id, HttpContext, limits.Value);
        await throttle.AttemptAsync(check, ct);
        var step = Totp.Verify(current.TotpSecret, req.Code, DateTimeOffset.UtcNow, current.TotpLastStep);
        if (step is null || await conn.ExecuteAsync(new CommandDefinition(DisableSql, new { id, step }, cancellationToken: ct)) == 0)
            throw new ApiException(400, ErrorCodes.TotpInvalid, "The verification code is wrong or was already used.",
                new() { ["code"] = ["The verification code is wrong or was already used."] });
        await throttle.SucceededAsync(check, ct);
        await Send.NoContentAsync(ct);
    }
}
