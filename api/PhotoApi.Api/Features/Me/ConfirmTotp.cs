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
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            if (await conn.ExecuteAsync(new CommandDefinition(ConfirmSql, new { id, secret, step }, tx, cancellationToken: ct)) == 0)
                throw new ApiException(409, ErrorCodes.TotpNotEnrolled, "The enrollment changed meanwhile. Start again.");
            await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("account.two-step-enabled", id, "user", id), ct);
            await tx.CommitAsync(ct);
        }
        await throttle.SucceededAsync(check, ct);
        await Send.NoContentAsync(ct);
    }
}
