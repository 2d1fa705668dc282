using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Resumable;

/// <summary>The tus 1.0.0 protocol's constants as this server speaks it.</summary>
public static class Tus
{
    public const string Version = "1.0.0";
    public const string Extensions = "creation,creation-with-upload,termination,checksum,expiration";
    public const string ChecksumAlgorithms = "sha1,sha256";
    public const string OffsetStream = "application/offset+octet-stream";
    /// <summary>The completed upload's asset (library and share links: the id the caller knows it by).</summary>
    public const string AssetIdHeader = "Asset-Id";
    /// <summary>With <see cref="AssetIdHeader"/>: <c>true</c> when the owner already had these bytes (library uploads only).</summary>
    public const string AssetDuplicateHeader = "Asset-Duplicate";
    /// <summary>The completed photo-request upload, to poll with <c>getPhotoRequestUploadStatus</c>.</summary>
    public const string RequestUploadIdHeader = "Photo-Request-Upload-Id";
    /// <summary>What answers of tus routes expose to browsers on other origins.</summary>
    public static readonly string[] ExposedHeaders =
    [
        "Location", "Tus-Resumable", "Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm", "Upload-Offset", "Upload-Length",
        "Upload-Metadata", "Upload-Expires", AssetIdHeader, AssetDuplicateHeader, RequestUploadIdHeader,
    ];
}

/// <summary>Endpoint metadata of a tus route: every answer carries <c>Tus-Resumable</c>, and a request in another protocol
/// version is refused with 412 (<see cref="TusHeaders"/>).</summary>
public sealed record TusRoute;

public static class TusHeaders
{
    /// <summary>After routing: <c>Tus-Resumable: 1.0.0</c> on every answer of a tus route (errors too), and 412
    /// <c>upload.protocol_unsupported</c> with <c>Tus-Version</c> for a request (other than OPTIONS) in another version.</summary>
    public static void UseTusHeaders(this WebApplication app) => app.Use(async (ctx, next) =>
    {
        if (ctx.GetEndpoint()?.Metadata.GetMetadata<TusRoute>() is null)
        {
            await next(ctx);
            return;
        }
        ctx.Response.OnStarting(() =>
        {
            ctx.Response.Headers["Tus-Resumable"] = Tus.Version;
            if (ctx.Response.StatusCode == 412) ctx.Response.Headers["Tus-Version"] = Tus.Version;
            return Task.CompletedTask;
        });
        if (!HttpMethods.IsOptions(ctx.Request.Method) && ctx.Request.Headers["Tus-Resumable"] != Tus.Version)
            throw new ApiException(412, ErrorCodes.UploadProtocolUnsupported,
                $"This server speaks tus {Tus.Version}: send Tus-Resumable: {Tus.Version}.");
        await next(ctx);
    });
}

/// <summary>Who a resumable upload belongs to: a user's library, a share link or a photo request (and, for guests, the
/// client address their caps count against).</summary>
public sealed record TusScope(string Kind, Guid? OwnerId, Guid? ShareId, Guid? RequestId, string ClientIp)
{
    public static TusScope Library(Guid userId, HttpContext http) => new("library", userId, null, null, ClientAddress.Of(http));
    public static TusScope Share(Guid shareId, HttpContext http) => new("share", null, shareId, null, ClientAddress.Of(http));
    public static TusScope Request(Guid requestId, HttpContext http) => new("request", null, null, requestId, ClientAddress.Of(http));
    public bool Guest => OwnerId is null;
}

/// <summary>A resumable upload's row. <see cref="ResultId"/> is chosen when the upload is created (what the route stores
/// it as); only <see cref="CompletedAt"/> says the upload is complete. Rows made before result ids were chosen at creation
/// have none until they complete.</summary>
public sealed record TusUploadRow(byte[] IdHash, string Kind, Guid? FolderId, string FileName, string? ContentType, string? DeviceId, string? DeviceAssetId,
    DateTime? TakenAt, string Metadata, long UploadLength, long UploadOffset, string StagingKey, DateTime ExpiresAt, DateTime? CompletedAt,
    Guid? ResultId, bool ResultDuplicate);

/// <summary>What a new upload stores, checked by its route.</summary>
public sealed record TusNewUpload(Guid? FolderId, string FileName, string? ContentType, string? DeviceId, string? DeviceAssetId, DateTime? TakenAt);

/// <summary>The completed upload's result, sent as a header (and again by HEAD).</summary>
public sealed record TusResult(Guid Id, bool Duplicate = false);

/// <summary>A route family's part of the protocol: its limit, what it checks at creation and at completion, and how it
/// names its result. A completion is idempotent: the route stores its result under the row's pre-chosen
/// <see cref="TusUploadRow.ResultId"/>, and <see cref="ResultExistsAsync"/> tells a retry that an earlier run (one whose
/// process died before the upload's row said complete) already did.</summary>
public interface ITusRoute
{
    TusScope Scope { get; }
    /// <summary>The largest upload this route takes (Tus-Max-Size).</summary>
    long MaxSize { get; }
    string BasePath { get; }
    /// <summary>Checks the metadata and who may upload there, before the upload is created (and so before a byte is taken).</summary>
    Task<TusNewUpload> CheckNewAsync(IReadOnlyDictionary<string, string> metadata, long length, CancellationToken ct);
    /// <summary>Checks again (rights and links change), then stores the completed bytes through the route's ingest, as
    /// <paramref name="row"/>'s <see cref="TusUploadRow.ResultId"/> (all of it in one transaction: it exists whole or not at all).</summary>
    Task<TusResult> CompleteAsync(TusUploadRow row, IBlobUpload staged, ReadOnlyMemory<byte> head, CancellationToken ct);
    /// <summary>Whether this route (scoped as it is: the user's library, the link's owner, the request) already stored
    /// <paramref name="resultId"/>.</summary>
    Task<bool> ResultExistsAsync(Guid resultId, CancellationToken ct);
    /// <summary>The completed upload's result headers.</summary>
    Task WriteResultAsync(HttpResponse response, TusUploadRow row, CancellationToken ct);
}

public sealed class ResumableOptions
{
    /// <summary>How long an unfinished upload lives (Upload-Expires), from its creation.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);
    /// <summary>Unfinished uploads per user.</summary>
    public int MaxUnfinished { get; set; } = 20;
    /// <summary>Bytes declared by a user's unfinished uploads.</summary>
    public long MaxUnfinishedBytes { get; set; } = 128L * 1024 * 1024 * 1024;
    /// <summary>Unfinished uploads per link (share or photo request) and client address.</summary>
    public int GuestMaxUnfinished { get; set; } = 20;
    /// <summary>Bytes declared by the unfinished uploads of one link and client address.</summary>
    public long GuestMaxUnfinishedBytes { get; set; } = 16L * 1024 * 1024 * 1024;
}

/// <summary>
/// The tus 1.0.0 protocol (core, creation, creation-with-upload, termination, checksum, expiration) over PostgreSQL and
/// the blob store's resumable staging objects, for every upload route. Each upload is a row (its URL's 256 random bits
/// kept as SHA-256) and a staging object; a PATCH holds a transaction-scoped advisory lock on the upload (a concurrent one
/// gets 423) and acknowledges a new offset only once the bytes are durable, so any API process takes the next PATCH and a
/// restart loses nothing acknowledged. The SHA-256 of the whole file is carried in this process between chunks and
/// computed again from the staged bytes only when another process wrote the last ones (or after a restart).
/// <para>Completion survives a process dying midway: the route stores its result under the id the row was created with,
/// in its own transaction, and the staging object stays until the row's transaction has said complete (then it is
/// deleted; a delete lost is the sweep's). A retry of the last chunk after a death finds either the result (the row is
/// then marked complete with it, nothing is stored again) or the staged bytes to complete from. An upload whose staged
/// bytes are gone anyway is deleted and answered 410 <c>upload.bytes_lost</c>, so the client starts over.</para>
/// </summary>
public sealed class TusUploads(NpgsqlDataSource db, IBlobStore blobs, Microsoft.Extensions.Options.IOptions<ResumableOptions> options,
    ILogger<TusUploads> logger)
{
    private const string Columns = """
        id_hash, kind, folder_id, file_name, content_type, device_id, device_asset_id, taken_at, metadata, upload_length, upload_offset,
        staging_key, expires_at, completed_at, result_id, result_duplicate
        """;
    private const string ScopeSql = """
        kind = @Kind AND owner_id IS NOT DISTINCT FROM @OwnerId AND share_id IS NOT DISTINCT FROM @ShareId
        AND request_id IS NOT DISTINCT FROM @RequestId
        """;
    private const string FindSql = $"SELECT {Columns} FROM resumable_uploads WHERE id_hash = @idHash AND {ScopeSql}";
    private const string LockSql = "SELECT pg_try_advisory_xact_lock(hashtextextended('resumable:' || encode(@idHash, 'hex'), 0))";
    private const string ScopeLockSql = "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))";
    private const string UnfinishedSql = """
        SELECT count(*) AS count, coalesce(sum(upload_length), 0)::bigint AS bytes FROM resumable_uploads
        WHERE completed_at IS NULL AND expires_at > now()
          AND (@OwnerId::uuid IS NOT NULL AND owner_id = @OwnerId
               OR @OwnerId::uuid IS NULL AND coalesce(share_id, request_id) = coalesce(@ShareId, @RequestId) AND client_ip = @ClientIp AND owner_id IS NULL)
        """;
    private const string InsertSql = """
        INSERT INTO resumable_uploads (id_hash, kind, owner_id, share_id, request_id, client_ip, folder_id, file_name, content_type, device_id,
            device_asset_id, taken_at, metadata, upload_length, staging_key, expires_at, result_id)
        VALUES (@idHash, @Kind, @OwnerId, @ShareId, @RequestId, @ClientIp, @folderId, @fileName, @contentType, @deviceId,
            @deviceAssetId, @takenAt, @metadata, @length, @stagingKey, @expiresAt, @resultId)
        """;
    private const string AdvanceSql = "UPDATE resumable_uploads SET upload_offset = @offset WHERE id_hash = @idHash";
    private const string CompleteSql = """
        UPDATE resumable_uploads SET upload_offset = upload_length, completed_at = now(), result_id = @resultId, result_duplicate = @duplicate
        WHERE id_hash = @idHash
        """;
    private const string DeleteSql = "DELETE FROM resumable_uploads WHERE id_hash = @idHash";

    /// <summary>SHA-256 state of uploads this process wrote last, by staging key, valid at <see cref="HashState.Offset"/>.</summary>
    private readonly ConcurrentDictionary<string, HashState> _hashes = new();

    private sealed class HashState(long offset) : IDisposable
    {
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public long Offset { get; set; } = offset;
        public DateTime UsedAt { get; set; } = DateTime.UtcNow;
        public void Dispose() => Hash.Dispose();
    }

    private ResumableOptions O => options.Value;

    // ---------------------------------------------------------------- OPTIONS

    public static int WriteOptions(HttpResponse response, long maxSize)
    {
        response.StatusCode = 204;
        response.Headers["Tus-Version"] = Tus.Version;
        response.Headers["Tus-Extension"] = Tus.Extensions;
        response.Headers["Tus-Max-Size"] = maxSize.ToString(CultureInfo.InvariantCulture);
        response.Headers["Tus-Checksum-Algorithm"] = Tus.ChecksumAlgorithms;
        return response.StatusCode;
    }

    // ---------------------------------------------------------------- POST (creation, creation-with-upload)

    /// <returns>The status to answer (headers are set); the endpoint sends it.</returns>
    public async Task<int> CreateAsync(HttpContext http, ITusRoute route, CancellationToken ct)
    {
        var request = http.Request;
        if (request.Headers.ContainsKey("Upload-Defer-Length"))
            throw ApiException.Validation("Upload-Defer-Length", "This server needs the length up front: send Upload-Length.");
        var length = ParseNumber(request.Headers["Upload-Length"], "Upload-Length") ??
                     throw ApiException.Validation("Upload-Length", "Send the upload's size in bytes in Upload-Length.");
        if (length > route.MaxSize)
            throw new ApiException(413, ErrorCodes.UploadTooLarge, $"The file is larger than the {route.MaxSize} bytes this route accepts.");
        var rawMetadata = request.Headers["Upload-Metadata"].ToString();
        var metadata = ParseMetadata(rawMetadata);
        var withBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (withBody) EnsureOffsetStream(request);
        var upload = await route.CheckNewAsync(metadata, length, ct);

        var id = Secrets.NewToken();
        var idHash = Secrets.Hash(id);
        var scope = route.Scope;
        var expiresAt = DateTime.UtcNow.Add(O.Lifetime);
        var stagingKey = await blobs.CreateStagedAsync(ct);
        try
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            // One creation per user (or link and address) at a time: the caps cannot be passed by creating in parallel.
            await conn.ExecuteAsync(new CommandDefinition(ScopeLockSql,
                new { key = $"resumable-scope:{scope.OwnerId}:{scope.ShareId}:{scope.RequestId}:{(scope.Guest ? scope.ClientIp : "")}" }, tx, cancellationToken: ct));
            var (count, bytes) = await conn.QuerySingleAsync<(long Count, long Bytes)>(new CommandDefinition(UnfinishedSql, scope, tx, cancellationToken: ct));
            var (maxCount, maxBytes) = scope.Guest ? (O.GuestMaxUnfinished, O.GuestMaxUnfinishedBytes) : (O.MaxUnfinished, O.MaxUnfinishedBytes);
            if (count >= maxCount || bytes + length > maxBytes)
                throw new ApiException(429, ErrorCodes.UploadUnfinishedLimit,
                    $"Too many unfinished uploads (at most {maxCount}, {maxBytes} bytes): finish or delete some, or wait until they expire.");
            var args = new DynamicParameters(scope);
            args.AddDynamicParams(new
            {
                idHash, folderId = upload.FolderId, fileName = upload.FileName, contentType = upload.ContentType, deviceId = upload.DeviceId,
                deviceAssetId = upload.DeviceAssetId, takenAt = upload.TakenAt, metadata = rawMetadata, length, stagingKey, expiresAt,
                resultId = Guid.CreateVersion7(),
            });
            await conn.ExecuteAsync(new CommandDefinition(InsertSql, args, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        catch
        {
            await blobs.DeleteStagedAsync(stagingKey, CancellationToken.None);
            throw;
        }

        var response = http.Response;
        response.Headers.Location = $"{http.Request.PathBase}{route.BasePath}/{id}";
        response.Headers["Upload-Expires"] = HttpDate(expiresAt);
        long offset = 0;
        if (withBody || length == 0)
        {
            // creation-with-upload (and an empty file, complete at once): the body is the first PATCH.
            offset = await AppendAsync(http, route, idHash, 0, ct);
        }
        response.StatusCode = 201;
        response.Headers["Upload-Offset"] = offset.ToString(CultureInfo.InvariantCulture);
        return response.StatusCode;
    }

    // ---------------------------------------------------------------- HEAD

    /// <returns>The status to answer (headers are set); the endpoint sends it.</returns>
    public async Task<int> HeadAsync(HttpContext http, ITusRoute route, string uploadId, CancellationToken ct)
    {
        var response = http.Response;
        response.Headers.CacheControl = "no-store";
        await using var conn = await db.OpenConnectionAsync(ct);
        var row = await FindAsync(conn, null, route, uploadId, ct);
        if (row.CompletedAt is null && row.ExpiresAt <= DateTime.UtcNow) throw Expired();
        response.StatusCode = 200;
        response.Headers["Upload-Offset"] = row.UploadOffset.ToString(CultureInfo.InvariantCulture);
        response.Headers["Upload-Length"] = row.UploadLength.ToString(CultureInfo.InvariantCulture);
        if (row.Metadata.Length > 0) response.Headers["Upload-Metadata"] = row.Metadata;
        if (row.CompletedAt is null) response.Headers["Upload-Expires"] = HttpDate(row.ExpiresAt);
        else await route.WriteResultAsync(response, row, ct);
        return response.StatusCode;
    }

    // ---------------------------------------------------------------- PATCH

    /// <returns>The status to answer (headers are set); the endpoint sends it.</returns>
    public async Task<int> PatchAsync(HttpContext http, ITusRoute route, string uploadId, CancellationToken ct)
    {
        EnsureOffsetStream(http.Request);
        var offset = ParseNumber(http.Request.Headers["Upload-Offset"], "Upload-Offset") ??
                     throw ApiException.Validation("Upload-Offset", "Send the offset this chunk starts at in Upload-Offset.");
        var newOffset = await AppendAsync(http, route, HashOf(uploadId), offset, ct);
        http.Response.StatusCode = 204;
        http.Response.Headers["Upload-Offset"] = newOffset.ToString(CultureInfo.InvariantCulture);
        return http.Response.StatusCode;
    }

    // ---------------------------------------------------------------- DELETE (termination)

    /// <returns>The status to answer (headers are set); the endpoint sends it.</returns>
    public async Task<int> DeleteAsync(HttpContext http, ITusRoute route, string uploadId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await LockAsync(conn, tx, HashOf(uploadId), ct);
        var row = await FindAsync(conn, tx, route, uploadId, ct);
        await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { idHash = row.IdHash }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await blobs.DeleteStagedAsync(row.StagingKey, CancellationToken.None); // a completed upload's too: its delete may have been lost
        Forget(row.StagingKey);
        http.Response.StatusCode = 204;
        return http.Response.StatusCode;
    }

    // ---------------------------------------------------------------- the append, shared by PATCH and creation-with-upload

    /// <summary>
    /// Appends the request body at <paramref name="offset"/> under the upload's lock, and acknowledges the new offset once the
    /// bytes are durable; the last byte completes the upload through the route's ingest. A body cut off midway keeps what
    /// arrived (unless it carried a checksum, which can then not be verified); a checksum mismatch keeps nothing.
    /// </summary>
    private async Task<long> AppendAsync(HttpContext http, ITusRoute route, byte[] idHash, long offset, CancellationToken ct)
    {
        var checksum = ParseChecksum(http.Request.Headers["Upload-Checksum"]);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await LockAsync(conn, tx, idHash, ct);
        var row = await FindAsync(conn, tx, route, idHash, ct);
        if (row.CompletedAt is not null)
            throw new ApiException(409, ErrorCodes.UploadOffsetMismatch, "This upload is complete; HEAD says what it became.");
        if (row.ExpiresAt <= DateTime.UtcNow) throw Expired();
        if (offset != row.UploadOffset)
            throw new ApiException(409, ErrorCodes.UploadOffsetMismatch, $"The upload is at offset {row.UploadOffset}, not {offset}: resume from there.");
        var remaining = row.UploadLength - offset;
        if (http.Request.ContentLength > remaining)
            throw new ApiException(413, ErrorCodes.UploadTooLarge, $"The chunk goes past the upload's length ({row.UploadLength} bytes).");

        // The last chunk again, after a process stored the result and died before this row said so: that run completed it.
        if (row.ResultId is { } chosen && await route.ResultExistsAsync(chosen, ct))
            return await MarkCompleteAsync(http, route, conn, tx, row, new TusResult(chosen));
        row = row with { ResultId = row.ResultId ?? Guid.CreateVersion7() };

        HashState state;
        IStagedAppend started;
        try
        {
            state = await HashUpToAsync(row, ct);
            started = await blobs.AppendStagedAsync(row.StagingKey, offset, ct);
        }
        catch (FileNotFoundException)
        {
            throw await LostAsync(conn, tx, row);
        }
        long written;
        await using (var append = started)
        {
            using var chunkHash = checksum is null ? null : IncrementalHash.CreateHash(checksum.Value.Algorithm);
            var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
            try
            {
                try
                {
                    int read;
                    while ((read = await http.Request.Body.ReadAsync(buffer, ct)) > 0)
                    {
                        if (append.Written + read > remaining)
                            throw new ApiException(413, ErrorCodes.UploadTooLarge, $"The chunk goes past the upload's length ({row.UploadLength} bytes).");
                        await append.Content.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None);
                        state.Hash.AppendData(buffer, 0, read);
                        chunkHash?.AppendData(buffer, 0, read);
                    }
                }
                catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException { StatusCode: not 413 })
                {
                    // The client went away mid-chunk: keep what arrived (tus: the server should), unless it could not be verified.
                    if (checksum is not null) throw;
                }
                if (checksum is { } c && !CryptographicOperations.FixedTimeEquals(chunkHash!.GetHashAndReset(), c.Digest))
                    throw new ApiException(460, ErrorCodes.UploadChecksumMismatch, "The chunk does not match its Upload-Checksum; nothing of it was kept.");
                await append.SaveAsync(CancellationToken.None); // durable before it is acknowledged
                written = append.Written;
            }
            catch
            {
                // Not saved: disposing the append takes its bytes back; the hash state has seen them, so it goes too.
                Forget(row.StagingKey);
                throw;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        var newOffset = offset + written;
        state.Offset = newOffset;
        state.UsedAt = DateTime.UtcNow;
        if (newOffset < row.UploadLength)
        {
            await conn.ExecuteAsync(new CommandDefinition(AdvanceSql, new { idHash, offset = newOffset }, tx));
            await tx.CommitAsync(CancellationToken.None);
            return newOffset;
        }

        // The last byte: checked again and stored through the route's ingest, then the upload is complete.
        TusResult result;
        try
        {
            var head = await HeadBytesAsync(row.StagingKey, ct);
            result = await route.CompleteAsync(row, new StagedBlob(blobs, row.StagingKey, row.UploadLength, state.Hash.GetHashAndReset()), head, ct);
        }
        catch (FileNotFoundException)
        {
            Forget(row.StagingKey);
            throw await LostAsync(conn, tx, row);
        }
        catch (ApiException e) when (e.Status == 415)
        {
            // A file the route never takes (a photo request's non-photo): the upload goes, with its bytes.
            await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { idHash }, tx));
            await tx.CommitAsync(CancellationToken.None);
            await blobs.DeleteStagedAsync(row.StagingKey, CancellationToken.None);
            Forget(row.StagingKey);
            throw;
        }
        catch
        {
            // Refused (a link turned off meanwhile, a folder gone): the last chunk is not acknowledged; the upload stays as it was.
            Forget(row.StagingKey);
            throw;
        }
        return await MarkCompleteAsync(http, route, conn, tx, row, result);
    }

    /// <summary>Records the upload complete with its result, then deletes its staging object (only now: until the row says
    /// complete, a retry may need the bytes) and answers the result.</summary>
    private async Task<long> MarkCompleteAsync(HttpContext http, ITusRoute route, NpgsqlConnection conn, NpgsqlTransaction tx, TusUploadRow row, TusResult result)
    {
        Forget(row.StagingKey);
        await conn.ExecuteAsync(new CommandDefinition(CompleteSql, new { idHash = row.IdHash, resultId = result.Id, duplicate = result.Duplicate }, tx));
        await tx.CommitAsync(CancellationToken.None);
        try
        {
            await blobs.DeleteStagedAsync(row.StagingKey, CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The upload is complete all the same; the sweep deletes the staging object with the row, or as one no row names.
            logger.LogWarning(e, "Could not delete the staging object {StagingKey} of a completed upload", row.StagingKey);
        }
        await route.WriteResultAsync(http.Response, row with { ResultId = result.Id, ResultDuplicate = result.Duplicate, CompletedAt = DateTime.UtcNow },
            CancellationToken.None);
        return row.UploadLength;
    }

    /// <summary>The upload's staged bytes are gone (they should never be): the upload goes too, and the client is told to
    /// start over rather than retry the same chunk forever.</summary>
    private async Task<ApiException> LostAsync(NpgsqlConnection conn, NpgsqlTransaction tx, TusUploadRow row)
    {
        logger.LogWarning("The staging object {StagingKey} of an unfinished upload is missing: the upload is deleted", row.StagingKey);
        await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { idHash = row.IdHash }, tx));
        await tx.CommitAsync(CancellationToken.None);
        return new ApiException(410, ErrorCodes.UploadBytesLost, "This upload's bytes were lost on the server; start a new upload.");
    }

    /// <summary>The hash state at the row's offset: this process's own, or made again from the staged bytes.</summary>
    private async Task<HashState> HashUpToAsync(TusUploadRow row, CancellationToken ct)
    {
        if (_hashes.TryGetValue(row.StagingKey, out var known) && known.Offset == row.UploadOffset) return known;
        Forget(row.StagingKey);
        var state = new HashState(0);
        if (row.UploadOffset > 0)
        {
            await using var staged = await blobs.OpenStagedReadAsync(row.StagingKey, ct);
            var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
            try
            {
                long left = row.UploadOffset;
                while (left > 0)
                {
                    var read = await staged.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
                    if (read == 0) throw new InvalidOperationException($"Staged object {row.StagingKey} is shorter than its acknowledged offset.");
                    state.Hash.AppendData(buffer, 0, read);
                    left -= read;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            state.Offset = row.UploadOffset;
        }
        // Hash states of uploads left unfinished here for an hour are dropped (a later PATCH reads the bytes again).
        foreach (var (key, old) in _hashes)
            if (old.UsedAt < DateTime.UtcNow.AddHours(-1) && _hashes.TryRemove(key, out var gone)) gone.Dispose();
        _hashes[row.StagingKey] = state;
        return state;
    }

    private void Forget(string stagingKey)
    {
        if (_hashes.TryRemove(stagingKey, out var state)) state.Dispose();
    }

    private async Task<ReadOnlyMemory<byte>> HeadBytesAsync(string stagingKey, CancellationToken ct)
    {
        var head = new byte[Assets.MediaTypes.SniffBytes];
        await using var staged = await blobs.OpenStagedReadAsync(stagingKey, ct);
        var total = 0;
        int read;
        while (total < head.Length && (read = await staged.ReadAsync(head.AsMemory(total), ct)) > 0) total += read;
        return head.AsMemory(0, total);
    }

    /// <summary>The completed staging object as the upload the ingest takes: its hash is known; committing copies (or
    /// links) it into place and leaves the staging object to <see cref="MarkCompleteAsync"/>.</summary>
    private sealed class StagedBlob(IBlobStore blobs, string stagingKey, long length, byte[] sha256) : IBlobUpload
    {
        public Stream Content => throw new NotSupportedException("A completed resumable upload takes no more bytes.");
        public long Length => length;
        public byte[] Sha256() => sha256;
        public Task CommitAsync(string key, CancellationToken ct) => blobs.CommitStagedAsync(stagingKey, length, key, ct);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    // ---------------------------------------------------------------- lookups and parsing

    private static byte[] HashOf(string uploadId) =>
        uploadId.Length is > 0 and <= 64 ? Secrets.Hash(uploadId) : throw Unknown();

    private static Task<TusUploadRow> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, ITusRoute route, string uploadId, CancellationToken ct) =>
        FindAsync(conn, tx, route, HashOf(uploadId), ct);

    private static async Task<TusUploadRow> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, ITusRoute route, byte[] idHash, CancellationToken ct)
    {
        var args = new DynamicParameters(route.Scope);
        args.Add("idHash", idHash);
        // Written under the upload's lock, and locked against the sweep while it is.
        return await conn.QuerySingleOrDefaultAsync<TusUploadRow>(new CommandDefinition(tx is null ? FindSql : FindSql + " FOR UPDATE", args, tx, cancellationToken: ct))
               ?? throw Unknown();
    }

    private static async Task LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, byte[] idHash, CancellationToken ct)
    {
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(LockSql, new { idHash }, tx, cancellationToken: ct)))
            throw new ApiException(423, ErrorCodes.UploadLocked, "Another request is writing this upload right now; ask HEAD for its offset and try again.");
    }

    private static ApiException Unknown() => new(404, ErrorCodes.NotFound, "No such upload (unknown, finished and cleared, or not yours).");

    private static ApiException Expired() => new(410, ErrorCodes.UploadExpired, "This upload has expired; start a new one.");

    private static void EnsureOffsetStream(HttpRequest request)
    {
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), Tus.OffsetStream, StringComparison.OrdinalIgnoreCase))
            throw new ApiException(415, ErrorCodes.UnsupportedMediaType, $"Send the bytes as {Tus.OffsetStream}.");
    }

    private static long? ParseNumber(string? value, string header)
    {
        if (string.IsNullOrEmpty(value)) return null;
        return value.All(char.IsAsciiDigit) && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n : throw ApiException.Validation(header, "A non-negative integer.");
    }

    private static (HashAlgorithmName Algorithm, byte[] Digest)? ParseChecksum(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var parts = value.Split(' ', 2);
        HashAlgorithmName algorithm = parts[0] switch
        {
            "sha1" => HashAlgorithmName.SHA1,
            "sha256" => HashAlgorithmName.SHA256,
            _ => throw ApiException.Validation("Upload-Checksum", $"Supported algorithms: {Tus.ChecksumAlgorithms}."),
        };
        try
        {
            return parts.Length == 2 ? (algorithm, Convert.FromBase64String(parts[1])) : throw new FormatException();
        }
        catch (FormatException)
        {
            throw ApiException.Validation("Upload-Checksum", "'<algorithm> <Base64 digest>'.");
        }
    }

    /// <summary>Upload-Metadata: comma-separated <c>key base64(value)</c> pairs, keys unique.</summary>
    public static Dictionary<string, string> ParseMetadata(string header)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (header.Length > 8 * 1024) throw ApiException.Validation("Upload-Metadata", "At most 8 KiB.");
        foreach (var pair in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(' ', 2);
            var key = parts[0];
            if (key.Length == 0 || result.ContainsKey(key)) throw ApiException.Validation("Upload-Metadata", $"Keys are unique and not empty ('{key}').");
            try
            {
                result[key] = parts.Length == 2 ? new UTF8Encoding(false, true).GetString(Convert.FromBase64String(parts[1])) : "";
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw ApiException.Validation("Upload-Metadata", $"The value of '{key}' is not Base64 of UTF-8 text.");
            }
            if (result[key].Contains('\0')) throw ApiException.Validation("Upload-Metadata", $"The value of '{key}' holds a NUL character.");
        }
        return result;
    }

    /// <summary>The file name a client gave (<c>filename</c>, or <c>name</c> as Uppy sends it), made safe; else <c>upload</c>.</summary>
    public static string FileName(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue("filename", out var f) || metadata.TryGetValue("name", out f) ? MultipartStreaming.SafeFileName(f) : "upload";

    /// <summary>The type a client declared (<c>filetype</c>, or <c>type</c>); only a hint to the sniffing.</summary>
    public static string? ContentType(IReadOnlyDictionary<string, string> metadata) =>
        metadata.TryGetValue("filetype", out var t) || metadata.TryGetValue("type", out t) ? t : null;

    private static string HttpDate(DateTime utc) => utc.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
}
