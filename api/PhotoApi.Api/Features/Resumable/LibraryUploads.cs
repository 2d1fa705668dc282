using FastEndpoints;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Resumable;

/// <summary>
/// Resumable uploads into the caller's library (signed-in users and API keys), tus 1.0.0 at <c>/api/v1/uploads</c>.
/// <c>Upload-Metadata</c> carries what <c>uploadAsset</c>'s form fields do: <c>filename</c>, <c>folderId</c>, <c>deviceId</c>,
/// <c>deviceAssetId</c>, <c>takenAt</c> (and <c>filetype</c>, a hint). The folder is checked when the upload is created and
/// again when it completes; the completed file goes through the same ingest as <c>uploadAsset</c> (the same owner's same
/// bytes: the existing asset, <c>Asset-Duplicate: true</c>).
/// </summary>
public sealed class LibraryTusRoute(HttpContext http, AccessPolicy policy, AssetIngest ingest, IConfiguration configuration) : ITusRoute
{
    private readonly Principal _principal = http.Principal();

    public TusScope Scope => TusScope.Library(_principal.UserId, http);
    public long MaxSize => UploadSizeLimit.MaxBytes(configuration);
    public string BasePath => ApiRoutes.Base + "/uploads";

    public async Task<TusNewUpload> CheckNewAsync(IReadOnlyDictionary<string, string> metadata, long length, CancellationToken ct)
    {
        // The form fields of uploadAsset, checked by the same code; other keys (Uppy's name, type, relativePath…) are ignored.
        var fields = UploadAssetEndpoint.ParseFields(metadata.Where(m => UploadAssetEndpoint.KnownFields.Contains(m.Key))
            .ToDictionary(m => m.Key, m => m.Value.Trim(), StringComparer.Ordinal));
        if (fields.FolderId is { } folderId) await EnsureFolderAsync(folderId, ct);
        return new TusNewUpload(fields.FolderId, TusUploads.FileName(metadata), TusUploads.ContentType(metadata), fields.DeviceId, fields.DeviceAssetId, fields.TakenAt);
    }

    public async Task<TusResult> CompleteAsync(TusUploadRow row, IBlobUpload staged, ReadOnlyMemory<byte> head, CancellationToken ct)
    {
        if (row.FolderId is { } folderId) await EnsureFolderAsync(folderId, ct);
        var (mediaType, contentType) = MediaTypes.Detect(head.Span, row.FileName, row.ContentType);
        // Bytes the user has already: that asset (no new one); else a new one with the row's id.
        var stored = await ingest.StoreAsync(new IncomingAsset(_principal.UserId, row.FolderId, row.FileName, mediaType, contentType, row.TakenAt,
            row.DeviceId, row.DeviceAssetId, Id: row.ResultId), staged, ct);
        return new TusResult(stored.Id, stored.Duplicate);
    }

    public Task<bool> ResultExistsAsync(Guid resultId, CancellationToken ct) => ingest.StoredAsync(_principal.UserId, resultId, ct);

    public Task WriteResultAsync(HttpResponse response, TusUploadRow row, CancellationToken ct)
    {
        response.Headers[Tus.AssetIdHeader] = row.ResultId.ToString();
        response.Headers[Tus.AssetDuplicateHeader] = row.ResultDuplicate ? "true" : "false";
        return Task.CompletedTask;
    }

    private Task EnsureFolderAsync(Guid folderId, CancellationToken ct) =>
        policy.EnsureAsync(_principal, Permission.FolderUpload, folderId, ct, "The folder");
}

/// <summary>What the library's resumable uploads take (anyone may ask: the limit is the server's).</summary>
[Access(AccessScope.Anonymous)]
public sealed class LibraryUploadOptionsEndpoint(IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Verbs(Http.OPTIONS);
        Routes("uploads");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("getUploadOptions").ClearDefaultProduces(200).Produces(204));
    }

    public override Task HandleAsync(CancellationToken ct) => Send.ResultAsync(TypedResults.StatusCode(TusUploads.WriteOptions(HttpContext.Response, UploadSizeLimit.MaxBytes(configuration))));
}

/// <summary>Creates a resumable upload (tus creation; with a body, creation-with-upload).</summary>
[Access(Permission.FolderUpload)]
public sealed class CreateUploadEndpoint(TusUploads tus, AccessPolicy policy, AssetIngest ingest, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Post("uploads");
        Options(b => b.WithMetadata(new TusRoute(), new UploadSizeLimit(UploadSizeLimit.MaxBytes(configuration)), new RawBody(Tus.OffsetStream)));
        Description(d => d.WithName("createUpload").ClearDefaultProduces(200).Produces(201));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.CreateAsync(HttpContext, new LibraryTusRoute(HttpContext, policy, ingest, configuration), ct)));
}

/// <summary>The upload's offset (tus HEAD); once complete, its asset.</summary>
[Access(AccessScope.Caller)]
public sealed class GetUploadOffsetEndpoint(TusUploads tus, AccessPolicy policy, AssetIngest ingest, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Verbs(Http.HEAD);
        Routes("uploads/{uploadId}");
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("getUploadOffset").ClearDefaultProduces(200).Produces(200));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.HeadAsync(HttpContext, new LibraryTusRoute(HttpContext, policy, ingest, configuration), Route<string>("uploadId")!, ct)));
}

/// <summary>Appends a chunk (tus PATCH); the last one makes the asset.</summary>
[Access(Permission.FolderUpload)]
public sealed class AppendUploadEndpoint(TusUploads tus, AccessPolicy policy, AssetIngest ingest, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Patch("uploads/{uploadId}");
        Options(b => b.WithMetadata(new TusRoute(), new UploadSizeLimit(UploadSizeLimit.MaxBytes(configuration)), new RawBody(Tus.OffsetStream)));
        Description(d => d.WithName("appendUpload").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.PatchAsync(HttpContext, new LibraryTusRoute(HttpContext, policy, ingest, configuration), Route<string>("uploadId")!, ct)));
}

/// <summary>Ends an upload and deletes its bytes (tus termination).</summary>
[Access(AccessScope.Caller)]
public sealed class DeleteUploadEndpoint(TusUploads tus, AccessPolicy policy, AssetIngest ingest, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Delete("uploads/{uploadId}");
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("deleteUpload").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.DeleteAsync(HttpContext, new LibraryTusRoute(HttpContext, policy, ingest, configuration), Route<string>("uploadId")!, ct)));
}
