using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

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
        var id = User.UserId();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var username = await conn.ExecuteScalarAsync<string>(new CommandDefinition(EnrollSql, new { id, secret }, tx, cancellationToken: ct))
            ?? throw new ApiException(409, ErrorCodes.TotpAlreadyEnabled, "Two-step verification is already on. Disable it first to enroll a new device.");
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("account.two-step-enrolled", id, "user", id), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(new EnrollTotpResponse(secret, Totp.OtpAuthUri("PhotoApi", username, secret)), ct);
    }
}
