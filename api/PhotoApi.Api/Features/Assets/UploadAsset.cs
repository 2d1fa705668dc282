using System.Globalization;
using Dapper;
using FastEndpoints;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

/// <summary>The multipart form of <c>uploadAsset</c> (documentation and the contract test; the endpoint streams it by hand).</summary>
public sealed class UploadAssetForm
{
    /// <summary>The file. Send it last: fields before it are checked before a byte of it is stored.</summary>
    public IFormFile File { get; set; } = null!;
    public Guid? FolderId { get; set; }
    public string? DeviceId { get; set; }
    public string? DeviceAssetId { get; set; }
    public DateTime? TakenAt { get; set; }
}

public sealed record UploadAssetResponse(Guid Id, bool Duplicate, string Status);

/// <summary>
/// Uploads one file, streamed: the bytes go straight from the socket to the blob store's staging area while SHA-256 is
/// computed, so memory stays flat whatever the size. Only when the whole body has arrived is the blob committed and the
/// asset row inserted (status <c>pending</c>) and the processing job enqueued. A failure at any point — bad fields, a
/// client that disconnects — leaves nothing behind: the staging file is deleted and no row exists. The same owner
/// uploading the same bytes again gets 200 with <c>duplicate: true</c> and the existing id.
/// </summary>
[Access(Permission.FolderUpload)]
public sealed class UploadAssetEndpoint(NpgsqlDataSource db, IBlobStore blobs, AccessPolicy policy, AssetIngest ingest, IConfiguration configuration)
    : EndpointWithoutRequest<UploadAssetResponse>
{
    private const string DeviceFailureSql = """
        INSERT INTO device_backups AS d (user_id, device_id, upload_failures, last_failure_at, last_failure_reason)
        VALUES (@userId, @deviceId, 1, now(), @reason)
        ON CONFLICT (user_id, device_id) DO UPDATE SET
            upload_failures = d.upload_failures + 1, last_failure_at = now(), last_failure_reason = @reason
        """;

    public override void Configure()
    {
        Post("assets");
        AllowFileUploads(dontAutoBindFormData: true);
        Options(b => b.WithMetadata(new UploadSizeLimit(UploadSizeLimit.MaxBytes(configuration)),
            new MultipartForm(typeof(UploadAssetForm))));
        Description(d => d.WithName("uploadAsset").ClearDefaultProduces(200).Produces<UploadAssetResponse>(201).Produces<UploadAssetResponse>(200));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? deviceId = null;
        try
        {
            var reader = MultipartStreaming.Reader(HttpContext);
            await using var upload = await blobs.BeginUploadAsync(ct);
            string? fileName = null, declaredType = null;
            var head = new byte[MediaTypes.SniffBytes];
            var headLength = 0;

            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value is not { } name)
                    throw ApiException.Validation("body", "Every part needs a Content-Disposition with a name.");
                if (disposition.FileName.HasValue || disposition.FileNameStar.HasValue)
                {
                    if (name != "file") throw ApiException.Validation(name, "Only one file part, named 'file', is accepted.");
                    if (fileName is not null) throw ApiException.Validation("file", "Send one file per request.");
                    fileName = MultipartStreaming.SafeFileName(disposition.FileNameStar.Value ?? disposition.FileName.Value);
                    declaredType = section.ContentType;
                    // The folder, when named first, is checked before a byte is stored.
                    if (fields.TryGetValue("folderId", out var early) && early.Length > 0) await CheckFolderAsync(principal, ParseFolder(early), ct);
                    headLength = await MultipartStreaming.CopyAsync(section.Body, upload.Content, head, null, ct);
                }
                else
                {
                    var value = await MultipartStreaming.ReadFieldAsync(section.Body, name, ct);
                    if (name == "deviceId" && value.Length > 0) deviceId = value;
                    fields[name] = value;
                }
            }
            if (fileName is null) throw new ApiException(400, ErrorCodes.UploadMissingFile, "The form has no part named 'file'.",
                new() { ["file"] = ["A file is required."] });

            var form = ParseFields(fields);
            if (form.FolderId is { } folderId) await CheckFolderAsync(principal, folderId, ct);
            var (mediaType, contentType) = MediaTypes.Detect(head.AsSpan(0, headLength), fileName, declaredType);
            var response = await ingest.StoreAsync(new IncomingAsset(principal.UserId, form.FolderId, fileName, mediaType, contentType, form.TakenAt,
                form.DeviceId, form.DeviceAssetId), upload, ct);
            await Send.ResponseAsync(response, response.Duplicate ? 200 : 201, ct);
        }
        catch (Exception e) when (deviceId is not null && e is not ApiException { Status: 401 or 403 or 404 })
        {
            await RecordDeviceFailureAsync(principal.UserId, deviceId, e);
            if (MultipartStreaming.Translate(HttpContext, e) is { } problem) throw problem;
            throw;
        }
        catch (Exception e) when (MultipartStreaming.Translate(HttpContext, e) is { } problem)
        {
            throw problem;
        }
    }

    private async Task RecordDeviceFailureAsync(Guid userId, string deviceId, Exception e)
    {
        var reason = e switch
        {
            ApiException api => api.Code,
            BadHttpRequestException { StatusCode: 413 } => ErrorCodes.UploadTooLarge,
            OperationCanceledException or IOException => "upload.interrupted",
            _ => "upload.failed",
        };
        try
        {
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync(new CommandDefinition(DeviceFailureSql, new { userId, deviceId = deviceId[..Math.Min(deviceId.Length, 200)], reason }));
        }
        catch (NpgsqlException)
        {
            // Bookkeeping only; the upload's own error is what the client must see.
        }
    }

    private Task CheckFolderAsync(Principal principal, Guid folderId, CancellationToken ct) =>
        policy.EnsureAsync(principal, Permission.FolderUpload, folderId, ct, "The folder");

    internal sealed record ParsedFields(Guid? FolderId, string? DeviceId, string? DeviceAssetId, DateTime? TakenAt);

    internal static readonly string[] KnownFields = ["folderId", "deviceId", "deviceAssetId", "takenAt"];

    /// <summary>The optional fields of an upload (multipart fields, or a resumable upload's metadata), checked.</summary>
    internal static ParsedFields ParseFields(Dictionary<string, string> fields)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var unknown in fields.Keys.Except(KnownFields)) errors[unknown] = ["Unknown field."];
        Guid? folderId = null;
        if (fields.TryGetValue("folderId", out var f) && f.Length > 0)
        {
            if (Guid.TryParse(f, out var g)) folderId = g;
            else errors["folderId"] = ["Not a folder id."];
        }
        DateTime? takenAt = null;
        if (fields.TryGetValue("takenAt", out var t) && t.Length > 0)
        {
            if (DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto)) takenAt = dto.UtcDateTime;
            else errors["takenAt"] = ["Not an RFC 3339 date-time."];
        }
        string? Text(string name)
        {
            if (!fields.TryGetValue(name, out var v) || v.Length == 0) return null;
            if (v.Length > 200 || v.Any(char.IsControl)) errors[name] = ["At most 200 printable characters."];
            return v;
        }
        var deviceId = Text("deviceId");
        var deviceAssetId = Text("deviceAssetId");
        if (errors.Count > 0) throw new ApiException(400, ErrorCodes.ValidationFailed, "One or more fields are invalid.", errors);
        return new ParsedFields(folderId, deviceId, deviceAssetId, takenAt);
    }

    private static Guid ParseFolder(string value) =>
        Guid.TryParse(value, out var id) ? id : throw ApiException.Validation("folderId", "Not a folder id.");
}
