using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Admin;

public sealed class UpdateSettingsRequest
{
    /// <summary><c>open</c>: new accounts are active; <c>approval</c>: pending until an admin approves; <c>closed</c>: no self-registration.</summary>
    public string? RegistrationMode { get; set; }
    public bool? SharedSpaceEnabled { get; set; }
}

public sealed class UpdateSettingsValidator : Validator<UpdateSettingsRequest>
{
    public UpdateSettingsValidator() =>
        RuleFor(x => x.RegistrationMode).Must(m => m.IsOneOf("open", "approval", "closed")).When(x => x.RegistrationMode is not null)
            .WithMessage("One of: open, approval, closed.");
}

[Access(AccessScope.Admin)]
public sealed class UpdateSettingsEndpoint(NpgsqlDataSource db) : Endpoint<UpdateSettingsRequest, SettingsResponse>
{
    private const string UpdateSql = $"""
        UPDATE settings SET
            registration_mode = coalesce(@registrationMode, registration_mode),
            shared_space_enabled = coalesce(@sharedSpaceEnabled, shared_space_enabled),
            updated_at = now();
        {SettingsSql.Select};
        """;

    public override void Configure()
    {
        Patch("admin/settings");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("updateSettings"));
    }

    public override async Task HandleAsync(UpdateSettingsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var settings = await conn.QuerySingleAsync<SettingsResponse>(new CommandDefinition(UpdateSql,
            new { req.RegistrationMode, req.SharedSpaceEnabled }, tx, cancellationToken: ct));
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("admin.settings-changed", null, "settings", null,
            new { settings.RegistrationMode, settings.SharedSpaceEnabled }), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(settings, ct);
    }
}
