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
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PhotoRequests;

/// <summary>A photo request as its owner sees it.</summary>
public sealed record PhotoRequestResponse
{
    public Guid Id { get; init; }
    public string Subject { get; init; } = "";
    public string Description { get; init; } = "";
    /// <summary>Where the files go; null: the top of the owner's Personal Space.</summary>
    public Guid? FolderId { get; init; }
    /// <summary>The album the files are also added to, if any.</summary>
    public Guid? AlbumId { get; init; }
    /// <summary>The largest file accepted, in MB (1–3,000); null: the server's upload limit.</summary>
    public int? MaxFileSizeMb { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public bool Enabled { get; init; }
    /// <summary>The link key (256 random bits, URL-safe).</summary>
    public string Key { get; init; } = "";
    /// <summary>The guest address of the request.</summary>
    public string Url { get; init; } = "";
    /// <summary>Files guests sent, by status.</summary>
    public int UploadCount { get; init; }
    public int ReadyCount { get; init; }
    public int FailedCount { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal static class PhotoRequestStore
{
    public const string Columns = """
        r.id, r.subject, r.description, r.folder_id, r.album_id, r.max_file_size_mb, r.expires_at, r.enabled, r.link_key AS key,
        (SELECT count(*) FROM photo_request_uploads pu WHERE pu.request_id = r.id)::int AS upload_count,
        (SELECT count(*) FROM photo_request_uploads pu WHERE pu.request_id = r.id AND pu.status = 'ready')::int AS ready_count,
        (SELECT count(*) FROM photo_request_uploads pu WHERE pu.request_id = r.id AND pu.status = 'failed')::int AS failed_count,
        r.created_at, r.updated_at
        """;

    private const string ByIdSql = $"SELECT {Columns} FROM photo_requests r WHERE r.id = @id";

    public static async Task<PhotoRequestResponse> GetAsync(NpgsqlConnection conn, HttpRequest request, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        var row = await conn.QuerySingleOrDefaultAsync<PhotoRequestResponse>(new CommandDefinition(ByIdSql, new { id }, tx, cancellationToken: ct))
                  ?? throw ApiException.NotFound("The photo request");
        return WithUrl(row, request);
    }

    public static PhotoRequestResponse WithUrl(PhotoRequestResponse r, HttpRequest request) =>
        r with { Url = Shares.ShareStore.Origin(request) + ApiRoutes.Base + "/r/" + r.Key };

    /// <summary>
    /// The destination must be a folder the creator may upload to, and the album one they own or are a Provider of
    /// (a manual album: conditional ones are filled by their conditions).
    /// </summary>
    public static async Task EnsureTargetsAsync(NpgsqlConnection conn, AccessPolicy policy, Principal principal, Guid? folderId, Guid? albumId, CancellationToken ct)
    {
        if (folderId is { } folder) await policy.EnsureAsync(principal, Permission.FolderPhotoRequest, folder, ct, "The folder");
        if (albumId is not { } album) return;
        await policy.EnsureAsync(principal, Permission.AlbumView, album, ct, "The album");
        if (await AlbumStore.KindAsync(conn, album, ct) != AlbumKinds.Manual ||
            !(await policy.AllowedAsync(principal, Permission.AlbumAddAssets, [album], ct)).Contains(album))
            throw new ApiException(400, ErrorCodes.RequestAlbumInvalid, "Photo requests add files to a manual album you own or are a Provider of.",
                new() { ["albumId"] = ["Choose a manual album you own or are a Provider of."] });
    }
}

/// <summary>The fields shared by creation and update.</summary>
public interface IPhotoRequestFields
{
    string? Subject { get; }
    string? Description { get; }
    int? MaxFileSizeMb { get; }
    DateTime? ExpiresAt { get; }
}

public static class PhotoRequestRules
{
    public static void AddPhotoRequestRules<T>(this AbstractValidator<T> v) where T : IPhotoRequestFields
    {
        v.RuleFor(x => x.Subject).Must(s => !string.IsNullOrWhiteSpace(s)).When(x => x.Subject is not null).WithMessage("A subject is required.")
            .MaximumLength(200).WithMessage("At most 200 characters.");
        v.RuleFor(x => x.Description).MaximumLength(2000).WithMessage("At most 2,000 characters.");
        v.RuleFor(x => x.MaxFileSizeMb).InclusiveBetween(1, 3000).When(x => x.MaxFileSizeMb is not null)
            .WithMessage("The largest file accepted is between 1 and 3,000 MB.");
        v.RuleFor(x => x.ExpiresAt).Must(e => e > DateTime.UtcNow).When(x => x.ExpiresAt is not null).WithMessage("The expiry must be in the future.");
    }
}

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
        var principal = Principal.Of(User);
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

public sealed class ListPhotoRequestsRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPhotoRequestsValidator : Validator<ListPhotoRequestsRequest>
{
    public ListPhotoRequestsValidator() => this.AddPagingRules();
}

/// <summary>The caller's photo requests (the Sharing page's "Photo Requests"), oldest first.</summary>
[Access(AccessScope.Caller)]
public sealed class ListPhotoRequestsEndpoint(NpgsqlDataSource db) : Endpoint<ListPhotoRequestsRequest, Page<PhotoRequestResponse>>
{
    private const string ListSql = $"""
        SELECT {PhotoRequestStore.Columns} FROM photo_requests r
        WHERE r.owner_id = @userId AND r.id > @after ORDER BY r.id LIMIT @take
        """;

    public override void Configure()
    {
        Get("photo-requests");
        Description(d => d.WithName("listPhotoRequests"));
    }

    public override async Task HandleAsync(ListPhotoRequestsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<PhotoRequestResponse>(new CommandDefinition(ListSql,
            new { userId = Principal.Of(User).UserId, after = req.After(), take = req.Limit() + 1 }, cancellationToken: ct)))
            .Select(r => PhotoRequestStore.WithUrl(r, HttpContext.Request)).ToList();
        await Send.OkAsync(rows.ToPage(req.Limit(), r => r.Id), ct);
    }
}

[Access(Permission.PhotoRequestManage)]
public sealed class GetPhotoRequestEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<IdRequest, PhotoRequestResponse>
{
    public override void Configure()
    {
        Get("photo-requests/{id}");
        Description(d => d.WithName("getPhotoRequest"));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await policy.EnsureAsync(Principal.Of(User), Permission.PhotoRequestManage, req.Id, ct, "The photo request");
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await PhotoRequestStore.GetAsync(conn, HttpContext.Request, req.Id, ct), ct);
    }
}

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
[Access(Permission.AlbumAddAssets, Permission.AlbumView, Permission.FolderPhotoRequest, Permission.PhotoRequestManage)]
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
        var principal = Principal.Of(User);
        await policy.EnsureAsync(principal, Permission.PhotoRequestManage, req.Id, ct, "The photo request");
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

/// <summary>
/// Deletes a photo request: its link stops working at once. Files already stored stay in the owner's library; files
/// still waiting to be processed are discarded.
/// </summary>
[Access(Permission.PhotoRequestManage)]
public sealed class DeletePhotoRequestEndpoint(NpgsqlDataSource db, AccessPolicy policy, IBlobStore blobs) : Endpoint<IdRequest>
{
    private const string DeleteSql = """
        WITH waiting AS (SELECT raw_blob_key FROM photo_request_uploads WHERE request_id = @id AND raw_blob_key IS NOT NULL),
             gone AS (DELETE FROM photo_requests WHERE id = @id)
        SELECT raw_blob_key FROM waiting
        """;

    public override void Configure()
    {
        Delete("photo-requests/{id}");
        Description(d => d.WithName("deletePhotoRequest").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await policy.EnsureAsync(Principal.Of(User), Permission.PhotoRequestManage, req.Id, ct, "The photo request");
        List<string> raws;
        await using (var conn = await db.OpenConnectionAsync(ct))
            raws = (await conn.QueryAsync<string>(new CommandDefinition(DeleteSql, new { id = req.Id }, cancellationToken: ct))).AsList();
        foreach (var key in raws) await blobs.DeleteAsync(key, ct);
        await Send.NoContentAsync(ct);
    }
}

public sealed class ListPhotoRequestUploadsRequest : IPagedRequest
{
    public Guid Id { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPhotoRequestUploadsValidator : Validator<ListPhotoRequestUploadsRequest>
{
    public ListPhotoRequestUploadsValidator() => this.AddPagingRules();
}

/// <summary>One file a guest sent.</summary>
/// <param name="Status"><c>pending</c> → <c>processing</c> → <c>ready</c> (see <paramref name="AssetId"/>) or <c>failed</c> (see <paramref name="FailureReason"/>).</param>
/// <param name="AssetId">The clean asset stored in the owner's library (null until ready, or once that asset is purged).</param>
public sealed record PhotoRequestUploadResponse(Guid Id, string FileName, long SizeBytes, string Status, string? FailureReason, Guid? AssetId,
    DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>What guests sent to a request, oldest first, with each file's status and resulting asset.</summary>
[Access(Permission.PhotoRequestManage)]
public sealed class ListPhotoRequestUploadsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<ListPhotoRequestUploadsRequest, Page<PhotoRequestUploadResponse>>
{
    private const string ListSql = """
        SELECT id, file_name, size_bytes, status, failure_reason, asset_id, created_at, updated_at
        FROM photo_request_uploads WHERE request_id = @requestId AND id > @after ORDER BY id LIMIT @take
        """;

    public override void Configure()
    {
        Get("photo-requests/{id}/uploads");
        Description(d => d.WithName("listPhotoRequestUploads"));
    }

    public override async Task HandleAsync(ListPhotoRequestUploadsRequest req, CancellationToken ct)
    {
        await policy.EnsureAsync(Principal.Of(User), Permission.PhotoRequestManage, req.Id, ct, "The photo request");
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<PhotoRequestUploadResponse>(new CommandDefinition(ListSql,
            new { requestId = req.Id, after = req.After(), take = req.Limit() + 1 }, cancellationToken: ct))).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), r => r.Id), ct);
    }
}
