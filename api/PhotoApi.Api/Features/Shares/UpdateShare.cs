using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Shares;

public sealed class UpdateShareRequest : IShareSettings
{
    public Guid Id { get; set; }
    /// <summary>Absent or null: unchanged (as for every field here).</summary>
    public bool? LinkEnabled { get; set; }
    public string? Privacy { get; set; }
    /// <summary>Sets a new password (guests unlocked with the old one must unlock again).</summary>
    public string? Password { get; set; }
    /// <summary><c>true</c> removes the password.</summary>
    public bool? ClearPassword { get; set; }
    public DateTime? ExpiresAt { get; set; }
    /// <summary><c>true</c> removes the expiry.</summary>
    public bool? ClearExpiry { get; set; }
    public bool? AllowDownload { get; set; }
    public bool? AllowUpload { get; set; }
    public bool? ShowMetadata { get; set; }
    public string? Description { get; set; }
    /// <summary>Replaces the invitee list (each kept invitee keeps the date first shared).</summary>
    public InviteeRequest[]? Invitees { get; set; }
    /// <summary>Folder shares of first-level folders: the invitees and privacy reach every folder below too.</summary>
    public bool? ApplyToSubfolders { get; set; }
}

public sealed class UpdateShareValidator : Validator<UpdateShareRequest>
{
    public UpdateShareValidator()
    {
        this.AddShareSettingRules();
        RuleFor(x => x.ClearPassword).Must(c => c != true).When(x => x.Password is not null).WithMessage("Either set a password or clear it, not both.");
        RuleFor(x => x.ClearExpiry).Must(c => c != true).When(x => x.ExpiresAt is not null).WithMessage("Either set an expiry or clear it, not both.");
    }
}

/// <summary>Changes a share's link settings and invitees: its owner only (invitees cannot change roles, their own included).</summary>
[Access(Permission.ShareManage, On = "id", What = "The share")]
public sealed class UpdateShareEndpoint(NpgsqlDataSource db, PasswordHasher hasher) : Endpoint<UpdateShareRequest, ShareResponse>
{
    private const string UpdateSql = """
        UPDATE shares SET
            link_enabled = coalesce(@linkEnabled, link_enabled),
            privacy = coalesce(@privacy, privacy),
            password_hash = CASE WHEN @clearPassword THEN NULL ELSE coalesce(@passwordHash, password_hash) END,
            expires_at = CASE WHEN @clearExpiry THEN NULL ELSE coalesce(@expiresAt, expires_at) END,
            allow_download = coalesce(@allowDownload, allow_download),
            allow_upload = coalesce(@allowUpload, allow_upload),
            show_metadata = coalesce(@showMetadata, show_metadata),
            description = coalesce(@description, description),
            apply_to_subfolders = coalesce(@applyToSubfolders, apply_to_subfolders),
            updated_at = now()
        WHERE id = @id
        """;

    public override void Configure()
    {
        Patch("shares/{id}");
        Description(d => d.WithName("updateShare"));
    }

    public override async Task HandleAsync(UpdateShareRequest req, CancellationToken ct)
    {
        var passwordHash = req.Password is null ? null : hasher.Hash(req.Password);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await ShareStore.FindAsync(conn, req.Id, ct, tx) ?? throw ApiException.NotFound("The share");
        if (current.TargetKind != "folder" && (req.Privacy == "full_access_only" || req.ApplyToSubfolders is not null))
            throw ApiException.Validation(req.Privacy == "full_access_only" ? "privacy" : "applyToSubfolders", "Only Shared Space folder shares have this setting.");
        if (req.ApplyToSubfolders == true && (await Folders.FolderStore.RequireAsync(conn, current.FolderId!.Value, ct, tx)).ParentId is not null)
            throw ApiException.Validation("applyToSubfolders", "Only a first-level folder's share applies to all subfolders.");
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new
        {
            id = req.Id, linkEnabled = req.LinkEnabled, privacy = req.Privacy, passwordHash, clearPassword = req.ClearPassword == true,
            expiresAt = req.ExpiresAt, clearExpiry = req.ClearExpiry == true, allowDownload = req.AllowDownload, allowUpload = req.AllowUpload,
            showMetadata = req.ShowMetadata, description = req.Description?.Trim(), applyToSubfolders = req.ApplyToSubfolders,
        }, tx, cancellationToken: ct));
        if (req.Invitees is not null)
            await ShareStore.SetInviteesAsync(conn, tx, req.Id, current.OwnerId, current.TargetKind, req.Invitees, ct);
        var share = await ShareStore.GetAsync(conn, HttpContext.Request, req.Id, ct, tx);
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("share.updated", share.OwnerId, "share", req.Id, ShareStore.AuditDetails(share, Changed(req))), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(share, ct);
    }

    /// <summary>The settings the request names (a new password as <c>password</c>, never its value).</summary>
    private static List<string> Changed(UpdateShareRequest r) =>
    [
        .. new (string Name, bool Given)[]
        {
            ("linkEnabled", r.LinkEnabled is not null), ("privacy", r.Privacy is not null), ("password", r.Password is not null),
            ("clearPassword", r.ClearPassword == true), ("expiresAt", r.ExpiresAt is not null), ("clearExpiry", r.ClearExpiry == true),
            ("allowDownload", r.AllowDownload is not null), ("allowUpload", r.AllowUpload is not null), ("showMetadata", r.ShowMetadata is not null),
            ("description", r.Description is not null), ("invitees", r.Invitees is not null), ("applyToSubfolders", r.ApplyToSubfolders is not null),
        }.Where(f => f.Given).Select(f => f.Name),
    ];
}
