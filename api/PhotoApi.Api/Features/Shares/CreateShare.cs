using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Albums;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;
using PhotoApi.Api.Features.Audit;

namespace PhotoApi.Api.Features.Shares;

public sealed class ShareTargetRequest
{
    /// <summary><c>selection</c> (a set of the caller's assets), <c>album</c> (one the caller owns) or <c>folder</c> (a Shared Space folder; admins).</summary>
    public string Type { get; set; } = "";
    /// <summary>The album or folder.</summary>
    public Guid? Id { get; set; }
    /// <summary>The assets (type selection).</summary>
    public Guid[]? AssetIds { get; set; }
    /// <summary>A title for the selection (default: "N items").</summary>
    public string? Name { get; set; }
}

public sealed class CreateShareRequest : IShareSettings
{
    public ShareTargetRequest Target { get; set; } = null!;
    /// <summary>Whether the link works for guests (default false: shared with the invitees only).</summary>
    public bool? LinkEnabled { get; set; }
    /// <summary><c>private</c> (default: invitees, signed in) or <c>public</c> (anyone with the link).</summary>
    public string? Privacy { get; set; }
    /// <summary>A password guests must enter (4–256 characters); stored as a slow hash, never returned.</summary>
    public string? Password { get; set; }
    public DateTime? ExpiresAt { get; set; }
    /// <summary>Default true.</summary>
    public bool? AllowDownload { get; set; }
    /// <summary>Default false.</summary>
    public bool? AllowUpload { get; set; }
    /// <summary>Default true.</summary>
    public bool? ShowMetadata { get; set; }
    public string? Description { get; set; }
    public InviteeRequest[]? Invitees { get; set; }
    /// <summary>Folder shares of first-level folders: the invitees and privacy reach every folder below too.</summary>
    public bool? ApplyToSubfolders { get; set; }
}

public sealed class CreateShareValidator : Validator<CreateShareRequest>
{
    public CreateShareValidator()
    {
        RuleFor(x => x.Target).NotNull().WithMessage("A target is required.");
        RuleFor(x => x.Target.Type).Must(t => t.IsOneOf("selection", "album", "folder")).When(x => x.Target is not null)
            .OverridePropertyName("target.type").WithMessage("One of: selection, album, folder.");
        RuleFor(x => x.Target.Id).NotNull().When(x => x.Target is { Type: "album" or "folder" }).OverridePropertyName("target.id").WithMessage("The album or folder to share.");
        RuleFor(x => x.Target.AssetIds).Null().When(x => x.Target is { Type: "folder" }).OverridePropertyName("target.assetIds").WithMessage("A folder share names the folder, not assets.");
        RuleFor(x => x.Privacy).Must(p => p != "full_access_only").When(x => x.Target is not { Type: "folder" })
            .WithMessage("full_access_only is for Shared Space folders.");
        RuleFor(x => x.ApplyToSubfolders).Null().When(x => x.Target is not { Type: "folder" }).WithMessage("Only folder shares apply to subfolders.");
        RuleFor(x => x.Target.AssetIds).NotEmpty().Must(a => a!.Length <= 10_000).When(x => x.Target is { Type: "selection" })
            .OverridePropertyName("target.assetIds").WithMessage("Between 1 and 10,000 assets.");
        RuleFor(x => x.Target.AssetIds).Null().When(x => x.Target is { Type: "album" }).OverridePropertyName("target.assetIds").WithMessage("An album share names the album, not assets.");
        RuleFor(x => x.Target.Id).Null().When(x => x.Target is { Type: "selection" }).OverridePropertyName("target.id").WithMessage("A selection names its assets.");
        RuleFor(x => x.Target.Name).MaximumLength(255).When(x => x.Target is not null).OverridePropertyName("target.name");
        this.AddShareSettingRules();
    }
}

/// <summary>
/// Shares an album the caller owns, or a selection of their assets (which becomes a hidden album holding them), with
/// invitees and/or a link. One share per album: a second one is 409 <c>share.already_shared</c>.
/// </summary>
[Access(Permission.AlbumShare, Permission.AlbumView, Permission.AssetShare, Permission.FolderManagePermissions)]
public sealed class CreateShareEndpoint(NpgsqlDataSource db, AccessPolicy policy, PasswordHasher hasher) : Endpoint<CreateShareRequest, ShareResponse>
{
    private const string InsertSelectionSql = """
        INSERT INTO albums (id, owner_id, kind, name) VALUES (@id, @ownerId, 'selection', @name)
        """;

    private const string InsertShareSql = """
        INSERT INTO shares (id, owner_id, target_type, album_id, folder_id, apply_to_subfolders, link_enabled, link_key, link_key_hash, privacy,
                            password_hash, expires_at, allow_download, allow_upload, show_metadata, description)
        VALUES (@id, @ownerId, @targetType, @albumId, @folderId, @applyToSubfolders, @linkEnabled, @key, @keyHash, @privacy,
                @passwordHash, @expiresAt, @allowDownload, @allowUpload, @showMetadata, @description)
        """;

    public override void Configure()
    {
        Post("shares");
        Description(d => d.WithName("createShare").ClearDefaultProduces(200).Produces<ShareResponse>(201));
    }

    public override async Task HandleAsync(CreateShareRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        Guid? albumId = null, folderId = null;
        string albumKind;
        if (req.Target.Type == "folder")
        {
            // Folder share invitees act as folder permissions: who may set those may share the folder.
            folderId = req.Target.Id!.Value;
            await policy.EnsureAsync(principal, Permission.FolderManagePermissions, folderId.Value, ct, "The folder");
            if (req.ApplyToSubfolders == true && (await Folders.FolderStore.RequireAsync(conn, folderId.Value, ct)).ParentId is not null)
                throw ApiException.Validation("applyToSubfolders", "Only a first-level folder's share applies to all subfolders.");
            albumKind = "folder";
        }
        else if (req.Target.Type == "album")
        {
            albumId = req.Target.Id!.Value;
            await policy.EnsureRoleAsync(principal, Permission.AlbumShare, albumId.Value, Permission.AlbumView, "The album", ct);
            albumKind = await AlbumStore.KindAsync(conn, albumId.Value, ct);
            if (albumKind == AlbumKinds.Selection) throw ApiException.NotFound("The album");
        }
        else
        {
            await policy.EnsureAsync(principal, Permission.AssetShare, req.Target.AssetIds!, ct, "An asset");
            albumId = Guid.CreateVersion7();
            albumKind = AlbumKinds.Selection;
        }
        var passwordHash = req.Password is null ? null : hasher.Hash(req.Password);

        await using var tx = await conn.BeginTransactionAsync(ct);
        if (albumKind == AlbumKinds.Selection)
        {
            var assetIds = req.Target.AssetIds!.Distinct().ToArray();
            var name = string.IsNullOrWhiteSpace(req.Target.Name) ? $"{assetIds.Length} item{(assetIds.Length == 1 ? "" : "s")}" : req.Target.Name.Trim();
            await conn.ExecuteAsync(new CommandDefinition(InsertSelectionSql, new { id = albumId, ownerId = principal.UserId, name }, tx, cancellationToken: ct));
            await AlbumEntries.AddAsync(conn, tx, albumId!.Value, assetIds, principal.UserId, ct);
        }
        var id = Guid.CreateVersion7();
        var (key, keyHash) = ShareStore.NewKey();
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertShareSql, new
            {
                id, ownerId = principal.UserId, targetType = req.Target.Type, albumId, folderId, applyToSubfolders = req.ApplyToSubfolders == true,
                linkEnabled = req.LinkEnabled ?? false, key, keyHash, privacy = req.Privacy ?? (folderId is null ? "private" : "full_access_only"), passwordHash, expiresAt = req.ExpiresAt, allowDownload = req.AllowDownload ?? true,
                allowUpload = req.AllowUpload ?? false, showMetadata = req.ShowMetadata ?? true, description = req.Description?.Trim() ?? "",
            }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "shares_album_id_key" or "shares_folder_id_key" })
        {
            throw new ApiException(409, ErrorCodes.AlreadyShared, "This album or folder is shared already; change its share instead.");
        }
        await ShareStore.SetInviteesAsync(conn, tx, id, principal.UserId, albumKind, req.Invitees ?? [], ct);
        var share = await ShareStore.GetAsync(conn, HttpContext.Request, id, ct, tx);
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("share.created", share.OwnerId, "share", id, ShareStore.AuditDetails(share)), ct);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(share, 201, ct);
    }
}
