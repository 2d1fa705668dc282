using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;

namespace PhotoApi.Api.Features.PhotoRequests;

public sealed class CreatePhotoRequestRequest : IPhotoRequestFields
{
    public string? Subject { get; set; }
    public string? Description { get; set; }
    /// <summary>Where the files go (the creator needs the photo-request right there); absent: the top of their Personal Space.</summary>
    public Guid? FolderId { get; set; }
    /// <summary>A manual album the creator owns or is a Provider of; files are added to it too.</summary>
    public Guid? AlbumId { get; set; }
    /// <summary>1–3,000; absent: the server's upload limit.</summary>
    public int? MaxFileSizeMb { get; set; }
    public DateTime? ExpiresAt { get; set; }
    /// <summary>Default true.</summary>
    public bool? Enabled { get; set; }
}

public sealed class CreatePhotoRequestValidator : Validator<CreatePhotoRequestRequest>
{
    public CreatePhotoRequestValidator()
    {
        RuleFor(x => x.Subject).NotNull().WithMessage("A subject is required.");
        this.AddPhotoRequestRules();
    }
}

/// <summary>Creates a photo request: a link anyone can use to send photos into the creator's folder (and album).</summary>
[Access(Permission.AlbumAddAssets, Permission.AlbumView, Permission.FolderPhotoRequest)]
public sealed class CreatePhotoRequestEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<CreatePhotoRequestRequest, PhotoRequestResponse>
{
    private const string InsertSql = """
        INSERT INTO photo_requests (id, owner_id, subject, description, folder_id, album_id, max_file_size_mb, expires_at, enabled, link_key, link_key_hash)
        VALUES (@id, @ownerId, @subject, @description, @folderId, @albumId, @maxFileSizeMb, @expiresAt, @enabled, @key, @keyHash)
        """;

    public override void Configure()
    {
        Post("photo-requests");
        Description(d => d.WithName("createPhotoRequest").ClearDefaultProduces(200).Produces<PhotoRequestResponse>(201));
    }

    public override async Task HandleAsync(CreatePhotoRequestRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        await PhotoRequestStore.EnsureTargetsAsync(conn, policy, principal, req.FolderId, req.AlbumId, ct);
        var id = Guid.CreateVersion7();
        var key = Secrets.NewToken();
        await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            id, ownerId = principal.UserId, subject = req.Subject!.Trim(), description = req.Description?.Trim() ?? "", folderId = req.FolderId,
            albumId = req.AlbumId, maxFileSizeMb = req.MaxFileSizeMb, expiresAt = req.ExpiresAt, enabled = req.Enabled ?? true,
            key, keyHash = Secrets.Hash(key),
        }, cancellationToken: ct));
        await Send.ResponseAsync(await PhotoRequestStore.GetAsync(conn, HttpContext.Request, id, ct), 201, ct);
    }
}
