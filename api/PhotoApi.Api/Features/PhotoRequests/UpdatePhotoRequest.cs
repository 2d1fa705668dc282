using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PhotoRequests;

public sealed class UpdatePhotoRequestRequest : IPhotoRequestFields
{
    public Guid Id { get; set; }
    /// <summary>Absent or null: unchanged (as for every field here).</summary>
    public string? Subject { get; set; }
    public string? Description { get; set; }
    public Guid? FolderId { get; set; }
    /// <summary><c>true</c>: files go to the top of the owner's Personal Space.</summary>
    public bool? ClearFolder { get; set; }
    public Guid? AlbumId { get; set; }
    /// <summary><c>true</c>: files no longer go to an album.</summary>
    public bool? ClearAlbum { get; set; }
    public int? MaxFileSizeMb { get; set; }
    /// <summary><c>true</c>: no size limit but the server's.</summary>
    public bool? ClearMaxFileSize { get; set; }
    public DateTime? ExpiresAt { get; set; }
    /// <summary><c>true</c>: the request no longer expires.</summary>
    public bool? ClearExpiry { get; set; }
    public bool? Enabled { get; set; }
}

public sealed class UpdatePhotoRequestValidator : Validator<UpdatePhotoRequestRequest>
{
    public UpdatePhotoRequestValidator()
    {
        this.AddPhotoRequestRules();
        RuleFor(x => x.ClearFolder).Must(c => c != true).When(x => x.FolderId is not null).WithMessage("Either set a folder or clear it, not both.");
        RuleFor(x => x.ClearAlbum).Must(c => c != true).When(x => x.AlbumId is not null).WithMessage("Either set an album or clear it, not both.");
        RuleFor(x => x.ClearMaxFileSize).Must(c => c != true).When(x => x.MaxFileSizeMb is not null).WithMessage("Either set a size limit or clear it, not both.");
        RuleFor(x => x.ClearExpiry).Must(c => c != true).When(x => x.ExpiresAt is not null).WithMessage("Either set an expiry or clear it, not both.");
    }
}

/// <summary>Changes a photo request (its owner only); a new folder or album is checked like on creation.</summary>
[Access(Permission.PhotoRequestManage, Permission.AlbumAddAssets, Permission.AlbumView, Permission.FolderPhotoRequest, On = "id", What = "The photo request")]
public sealed class UpdatePhotoRequestEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<UpdatePhotoRequestRequest, PhotoRequestResponse>
{
    private const string UpdateSql = """
        UPDATE photo_requests SET
            subject = coalesce(@subject, subject),
            description = coalesce(@description, description),
            folder_id = CASE WHEN @clearFolder THEN NULL ELSE coalesce(@folderId, folder_id) END,
            album_id = CASE WHEN @clearAlbum THEN NULL ELSE coalesce(@albumId, album_id) END,
            max_file_size_mb = CASE WHEN @clearMaxFileSize THEN NULL ELSE coalesce(@maxFileSizeMb, max_file_size_mb) END,
            expires_at = CASE WHEN @clearExpiry THEN NULL ELSE coalesce(@expiresAt, expires_at) END,
            enabled = coalesce(@enabled, enabled),
            updated_at = now()
        WHERE id = @id
        """;

    public override void Configure()
    {
        Patch("photo-requests/{id}");
        Description(d => d.WithName("updatePhotoRequest"));
    }

    public override async Task HandleAsync(UpdatePhotoRequestRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        await PhotoRequestStore.EnsureTargetsAsync(conn, policy, principal, req.FolderId, req.AlbumId, ct);
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new
        {
            id = req.Id, subject = req.Subject?.Trim(), description = req.Description?.Trim(), folderId = req.FolderId,
            clearFolder = req.ClearFolder == true, albumId = req.AlbumId,
            clearAlbum = req.ClearAlbum == true, maxFileSizeMb = req.MaxFileSizeMb, clearMaxFileSize = req.ClearMaxFileSize == true,
            expiresAt = req.ExpiresAt, clearExpiry = req.ClearExpiry == true, enabled = req.Enabled,
        }, cancellationToken: ct));
        await Send.OkAsync(await PhotoRequestStore.GetAsync(conn, HttpContext.Request, req.Id, ct), ct);
    }
}
