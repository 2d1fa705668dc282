using Dapper;
using FastEndpoints;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicRequests;

public sealed class PublicPhotoRequestKey
{
    public string Key { get; set; } = "";
}

/// <summary>A photo of the request's album, as a guest sees it: an image, no metadata.</summary>
public sealed record PublicAlbumPhoto(Guid Id, int? Width, int? Height, string? ThumbnailUrl, string? PreviewUrl);

/// <summary>The request's album, shown to guests only when its owner shares that album.</summary>
public sealed record PublicRequestAlbum(string Name, int PhotoCount, IReadOnlyList<PublicAlbumPhoto> Photos);

/// <summary>What a guest with the link sees.</summary>
/// <param name="MaxFileSizeMb">The largest file accepted, in MB.</param>
/// <param name="AcceptedMediaTypes">What may be sent: <c>image</c>.</param>
/// <param name="Album">The album's newest photos (up to 200), where the album is shared; otherwise null.</param>
public sealed record PublicPhotoRequestResponse(string Subject, string Description, string OwnerDisplayName, int MaxFileSizeMb,
    DateTime? ExpiresAt, IReadOnlyList<string> AcceptedMediaTypes, PublicRequestAlbum? Album);

/// <summary>
/// The public page of a photo request. An unknown key is 404 <c>request.not_found</c> (counted per IP: too many and the IP
/// is throttled); a disabled or expired request is 410 with its reason, so the guest knows not to try again.
/// </summary>
[Access(AccessScope.Guest)]
public sealed class GetPublicPhotoRequestEndpoint(NpgsqlDataSource db, GuestLinks links, MediaSigner signer, IConfiguration configuration)
    : Endpoint<PublicPhotoRequestKey, PublicPhotoRequestResponse>
{
    private static readonly string PhotosSql = $"""
        SELECT {AssetQueries.Columns} FROM assets a
        WHERE a.id IN ({AccessPolicy.AlbumMembers("@albumId")}) AND a.media_type = 'image'
        ORDER BY a.taken_at DESC, a.id DESC LIMIT 200
        """;

    private static readonly string CountSql = $"""
        SELECT count(*)::int FROM assets a WHERE a.id IN ({AccessPolicy.AlbumMembers("@albumId")}) AND a.media_type = 'image'
        """;

    public override void Configure()
    {
        Get("r/{key}");
        AllowAnonymous();
        Description(d => d.WithName("getPublicPhotoRequest"));
    }

    public override async Task HandleAsync(PublicPhotoRequestKey req, CancellationToken ct)
    {
        var link = await links.PhotoRequestAsync(HttpContext, req.Key, open: true, ct);
        PublicRequestAlbum? album = null;
        if (await links.SharedRequestAlbumAsync(link, ct) is { } shared)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var rows = (await conn.QueryAsync<AssetRow>(new CommandDefinition(PhotosSql, new { albumId = shared.Id }, cancellationToken: ct))).AsList();
            var count = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountSql, new { albumId = shared.Id }, cancellationToken: ct));
            var urls = await signer.UrlsAsync(ct);
            album = new PublicRequestAlbum(shared.Name, count, rows.Select(r =>
            {
                var u = urls.For(r, downloadable: false);
                return new PublicAlbumPhoto(r.Id, r.Width, r.Height, u.Thumbnail, u.Preview);
            }).ToList());
        }
        await Send.OkAsync(new PublicPhotoRequestResponse(link.Subject, link.Description, link.OwnerDisplayName,
            link.MaxFileSizeMb ?? PublicRequestLimits.ServerMaxMb(configuration), link.ExpiresAt, ["image"], album), ct);
    }
}

internal static class PublicRequestLimits
{
    /// <summary>The largest file the server takes at all (<c>Uploads:MaxBytes</c>), in MB, capped at the request maximum of 3,000.</summary>
    public static int ServerMaxMb(IConfiguration configuration) =>
        (int)Math.Min(3000, ServerMaxBytes(configuration) / (1024 * 1024));

    public static long ServerMaxBytes(IConfiguration configuration) => UploadSizeLimit.MaxBytes(configuration);

    /// <summary>Files per request body.</summary>
    public const int MaxFiles = 100;
}

/// <summary>The multipart form of <c>uploadToPhotoRequest</c> (documentation and the contract test; the endpoint streams it).</summary>
public sealed class UploadToPhotoRequestForm
{
    /// <summary>One or more photos, each in a part named <c>files</c> (up to 100 per request).</summary>
    public IFormFile[] Files { get; set; } = [];
}

/// <param name="Status"><c>pending</c> → <c>processing</c> → <c>ready</c> or <c>failed</c> (with <paramref name="FailureReason"/>).</param>
public sealed record PhotoRequestUploadStatus(Guid Id, string FileName, long SizeBytes, string Status, string? FailureReason);

public sealed record UploadToPhotoRequestResponse(IReadOnlyList<PhotoRequestUploadStatus> Uploads);

/// <summary>
/// A guest sends photos, streamed: each file goes straight to the blob store's staging area, and a file is refused the
/// moment it passes the request's size limit (413 <c>upload.too_large</c>; the partial file is discarded). Only photos are
/// taken (415 <c>upload.unsupported_type</c> otherwise). All or nothing: the files are recorded only once the whole body
/// has arrived and every file passed, then each gets an id and a worker job that stores a clean copy. Throttled per IP.
/// </summary>
[Access(AccessScope.Guest)]
public sealed class UploadToPhotoRequestEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, IJobQueue jobs, Throttle throttle,
    IOptions<ThrottlingOptions> throttling, IConfiguration configuration) : Endpoint<PublicPhotoRequestKey, UploadToPhotoRequestResponse>
{
    private const string InsertSql = """
        INSERT INTO photo_request_uploads (id, request_id, status, file_name, size_bytes, raw_blob_key, folder_id, album_id)
        VALUES (@id, @requestId, 'pending', @fileName, @size, @rawKey, @folderId, @albumId)
        """;

    private sealed record Received(Guid Id, string FileName, IBlobUpload Upload);

    public override void Configure()
    {
        Post("r/{key}/uploads");
        AllowAnonymous();
        AllowFileUploads(dontAutoBindFormData: true);
        Options(b => b.WithMetadata(new UploadSizeLimit(PublicRequestLimits.ServerMaxBytes(configuration)), new MultipartForm(typeof(UploadToPhotoRequestForm))));
        Description(d => d.WithName("uploadToPhotoRequest").ClearDefaultProduces(200).Produces<UploadToPhotoRequestResponse>(202));
    }

    public override async Task HandleAsync(PublicPhotoRequestKey req, CancellationToken ct)
    {
        var link = await links.PhotoRequestAsync(HttpContext, req.Key, open: true, ct);
        var (folderId, albumId) = await links.RequestTargetsAsync(link, ct);
        var maxBytes = (link.MaxFileSizeMb ?? PublicRequestLimits.ServerMaxMb(configuration)) * 1024L * 1024;
        var received = new List<Received>();
        try
        {
            var reader = MultipartStreaming.Reader(HttpContext);
            var o = throttling.Value;
            var head = new byte[MediaTypes.SniffBytes];
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    disposition.Name.Value != "files" || !(disposition.FileName.HasValue || disposition.FileNameStar.HasValue))
                    throw ApiException.Validation("files", "Send photos as file parts named 'files'; no other fields are taken.");
                if (received.Count == PublicRequestLimits.MaxFiles)
                    throw ApiException.Validation("files", $"At most {PublicRequestLimits.MaxFiles} files per request; send the rest in another.");
                await throttle.AttemptAsync([new($"request-upload:ip:{ClientAddress.Of(HttpContext)}", o.GuestUploadsPerIp)], o.Window, ct);

                var fileName = MultipartStreaming.SafeFileName(disposition.FileNameStar.Value ?? disposition.FileName.Value);
                var upload = await blobs.BeginUploadAsync(ct);
                received.Add(new Received(Guid.CreateVersion7(), fileName, upload));
                Array.Clear(head);
                var headLength = await MultipartStreaming.CopyAsync(section.Body, upload.Content, head, maxBytes, ct);
                var (mediaType, _) = MediaTypes.Detect(head.AsSpan(0, headLength), fileName, section.ContentType);
                if (mediaType != "image")
                    throw new ApiException(415, ErrorCodes.UploadUnsupportedType,
                        $"'{fileName}' is not a photo. This request takes photos (JPEG, HEIC, PNG, WebP, …) only.");
            }
            if (received.Count == 0) throw new ApiException(400, ErrorCodes.UploadMissingFile, "The form has no photo in a part named 'files'.",
                new() { ["files"] = ["At least one photo is required."] });

            var committed = new List<string>();
            try
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                await using var tx = await conn.BeginTransactionAsync(ct);
                foreach (var r in received)
                {
                    var rawKey = BlobKeys.RequestUpload(r.Id);
                    await conn.ExecuteAsync(new CommandDefinition(InsertSql,
                        new { id = r.Id, requestId = link.Id, fileName = r.FileName, size = r.Upload.Length, rawKey, folderId, albumId }, tx, cancellationToken: ct));
                    await r.Upload.CommitAsync(rawKey, ct);
                    committed.Add(rawKey);
                }
                await tx.CommitAsync(ct);
            }
            catch (Exception e)
            {
                // The rows are gone with the transaction: so must be the guest's files moved into place for them.
                foreach (var key in committed) await blobs.DeleteAsync(key, CancellationToken.None);
                if (e is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
                    throw new ApiException(404, ErrorCodes.RequestNotFound, "This photo request link does not exist. Check the address you were sent.");
                throw;
            }
            foreach (var r in received) jobs.Enqueue<IProcessRequestUploadJob>(Queues.Media, j => j.ProcessAsync(r.Id, CancellationToken.None));
            await Send.ResponseAsync(new UploadToPhotoRequestResponse(received.Select(r =>
                new PhotoRequestUploadStatus(r.Id, r.FileName, r.Upload.Length, "pending", null)).ToList()), 202, ct);
        }
        catch (Exception e) when (MultipartStreaming.Translate(HttpContext, e) is { } problem)
        {
            throw problem;
        }
        finally
        {
            // Uncommitted staging files are deleted here, whatever went wrong.
            foreach (var r in received) await r.Upload.DisposeAsync();
        }
    }
}

public sealed class PhotoRequestUploadStatusRequest
{
    public string Key { get; set; } = "";
    public Guid UploadId { get; set; }
}

/// <summary>The status of one file a guest sent, for them to poll. Works while the request exists, even once it is closed.</summary>
[Access(AccessScope.Guest)]
public sealed class GetPhotoRequestUploadStatusEndpoint(NpgsqlDataSource db, GuestLinks links) : Endpoint<PhotoRequestUploadStatusRequest, PhotoRequestUploadStatus>
{
    private const string StatusSql = """
        SELECT id, file_name, size_bytes, status, failure_reason FROM photo_request_uploads WHERE id = @uploadId AND request_id = @requestId
        """;

    public override void Configure()
    {
        Get("r/{key}/uploads/{uploadId}");
        AllowAnonymous();
        Description(d => d.WithName("getPhotoRequestUploadStatus"));
    }

    public override async Task HandleAsync(PhotoRequestUploadStatusRequest req, CancellationToken ct)
    {
        var link = await links.PhotoRequestAsync(HttpContext, req.Key, open: false, ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        var status = await conn.QuerySingleOrDefaultAsync<PhotoRequestUploadStatus>(new CommandDefinition(StatusSql,
            new { uploadId = req.UploadId, requestId = link.Id }, cancellationToken: ct)) ?? throw ApiException.NotFound("The upload");
        await Send.OkAsync(status, ct);
    }
}
