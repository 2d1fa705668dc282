using Dapper;
using FastEndpoints;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Me;

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
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            if (step is null || await conn.ExecuteAsync(new CommandDefinition(DisableSql, new { id, step }, tx, cancellationToken: ct)) == 0)
                throw new ApiException(400, ErrorCodes.TotpInvalid, "The verification code is wrong or was already used.",
                    new() { ["code"] = ["The verification code is wrong or was already used."] });
            await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("account.two-step-disabled", id, "user", id), ct);
            await tx.CommitAsync(ct);
        }
        await throttle.SucceededAsync(check, ct);
        await Send.NoContentAsync(ct);
    }
}
