using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.PublicRequests;

/// <summary>A guest's file whose bytes are staged, about to be recorded for a photo request.</summary>
/// <param name="MediaType">What its first bytes (or name) say it is: <c>image</c> or <c>video</c>.</param>
public sealed record ReceivedRequestFile(Guid Id, string FileName, IBlobUpload Upload, string MediaType = "image");

/// <summary>
/// What every photo-request upload route shares (multipart and resumable): the request's size limit, the photos-and-videos
/// rule, and recording the files — the rows and the guest's bytes in one go, all or nothing — then one clean-copy job each.
/// </summary>
public sealed class RequestUploadStore(NpgsqlDataSource db, IBlobStore blobs, IJobQueue jobs, IConfiguration configuration, Throttle throttle,
    IOptions<ThrottlingOptions> throttling)
{
    /// <summary>One more file from this client address (429 past <c>Throttling:GuestUploadsPerIp</c>).</summary>
    public Task CountFileAsync(HttpContext http, CancellationToken ct)
    {
        var o = throttling.Value;
        return throttle.AttemptAsync([new($"request-upload:ip:{ClientAddress.Of(http)}", o.GuestUploadsPerIp)], o.Window, ct);
    }

    private const string InsertSql = """
        INSERT INTO photo_request_uploads (id, request_id, status, file_name, media_type, size_bytes, raw_blob_key, folder_id, album_id)
        VALUES (@id, @requestId, 'pending', @fileName, @mediaType, @size, @rawKey, @folderId, @albumId)
        """;

    private const string StoredSql = "SELECT EXISTS (SELECT 1 FROM photo_request_uploads WHERE id = @id AND request_id = @requestId)";

    /// <summary>Whether the request holds the upload <paramref name="id"/> (recorded by <see cref="StoreAsync"/> with the
    /// rest of its files, all or nothing).</summary>
    public async Task<bool> StoredAsync(PhotoRequestLink link, Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(StoredSql, new { id, requestId = link.Id }, cancellationToken: ct));
    }

    /// <summary>The largest file the request takes: its own limit, else the server's (at most 3,000 MB).</summary>
    public long MaxBytes(PhotoRequestLink link) => (link.MaxFileSizeMb ?? PublicRequestLimits.ServerMaxMb(configuration)) * 1024L * 1024;

    /// <summary>
    /// Only photos and videos are taken (the worker stores each as a new file without its metadata): 415
    /// <c>upload.unsupported_type</c> for anything the sniffed type says is neither.
    /// </summary>
    /// <returns><paramref name="mediaType"/>: <c>image</c> or <c>video</c>.</returns>
    public static string EnsurePhotoOrVideo(string mediaType, string fileName) =>
        mediaType is "image" or "video"
            ? mediaType
            : throw new ApiException(415, ErrorCodes.UploadUnsupportedType,
                $"'{fileName}' is neither a photo nor a video. This request takes photos (JPEG, HEIC, PNG, WebP, …) and videos (MP4, MOV, M4V, 3GP, WebM, MKV) only.");

    /// <summary>
    /// Records the files (status <c>pending</c>) and enqueues their clean copies; on any failure nothing stays. The
    /// request's owner finds the upload in their audit trail (<c>photo-request.upload</c>: no actor, the guest's address).
    /// </summary>
    public async Task StoreAsync(HttpContext http, PhotoRequestLink link, Guid? folderId, Guid? albumId, IReadOnlyList<ReceivedRequestFile> files, CancellationToken ct)
    {
        var committed = new List<string>();
        try
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            foreach (var r in files)
            {
                var rawKey = BlobKeys.RequestUpload(r.Id);
                await conn.ExecuteAsync(new CommandDefinition(InsertSql,
                    new { id = r.Id, requestId = link.Id, fileName = r.FileName, mediaType = r.MediaType, size = r.Upload.Length, rawKey, folderId, albumId }, tx, cancellationToken: ct));
                await r.Upload.CommitAsync(rawKey, ct);
                committed.Add(rawKey);
            }
            await AuditTrail.RecordAsync(conn, tx, http.Audit("photo-request.upload", link.OwnerId, "photo-request", link.Id,
                new { files = files.Select(f => new { f.Id, f.FileName, f.MediaType, sizeBytes = f.Upload.Length }) }) with { ActorId = null }, ct);
            await tx.CommitAsync(ct);
            foreach (var r in files) PhotoApi.Persistence.Telemetry.PhotoTelemetry.UploadCommitted("request", r.Upload.Length);
        }
        catch (Exception e)
        {
            // The rows are gone with the transaction: so must be the guest's files moved into place for them.
            foreach (var key in committed) await blobs.DeleteAsync(key, CancellationToken.None);
            if (e is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation })
                throw new ApiException(404, ErrorCodes.RequestNotFound, "This photo request link does not exist. Check the address you were sent.");
            throw;
        }
        // A video is rewritten by ffmpeg, which may mean a transcode: on the video queue, never in the way of photos (the
        // sweeper picks the same queue from the recorded media_type).
        foreach (var r in files)
            jobs.Enqueue<IProcessRequestUploadJob>(r.MediaType == "video" ? Queues.Video : Queues.Media, j => j.ProcessAsync(r.Id, CancellationToken.None));
    }
}
