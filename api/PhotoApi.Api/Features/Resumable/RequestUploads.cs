using FastEndpoints;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Features.PublicRequests;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Resumable;

/// <summary>
/// Resumable uploads to a photo request, one tus upload per file, at <c>/api/v1/r/{key}/tus</c> (the multipart route is
/// <c>/r/{key}/uploads</c>). <c>Tus-Max-Size</c> is the request's size limit (413 at creation above it); the request must be
/// open on every request, and is resolved and checked again at completion; then the file goes through the same code as
/// <c>uploadToPhotoRequest</c>: photos and videos only (415, and the upload is deleted), a clean JPEG or video without
/// metadata made by the worker. The result is the photo-request upload's id (<c>Photo-Request-Upload-Id</c>), to poll like any other.
/// </summary>
public sealed class RequestTusRoute(HttpContext http, GuestLinks links, RequestUploadStore store) : ITusRoute
{
    private readonly PhotoRequestLink _link = http.RequestGuest();
    private string Key => http.Request.RouteValues["key"]?.ToString() ?? "";

    public TusScope Scope => TusScope.Request(_link.Id, http);
    public long MaxSize => store.MaxBytes(_link);
    public string BasePath => $"{ApiRoutes.Base}/r/{Key}/tus";

    public async Task<TusNewUpload> CheckNewAsync(IReadOnlyDictionary<string, string> metadata, long length, CancellationToken ct)
    {
        await links.RequestTargetsAsync(_link, ct); // 410 when its owner may no longer send files to its folder
        await store.CountFileAsync(http, ct);
        return new TusNewUpload(null, TusUploads.FileName(metadata), TusUploads.ContentType(metadata), null, null, null);
    }

    public async Task<TusResult> CompleteAsync(TusUploadRow row, IBlobUpload staged, ReadOnlyMemory<byte> head, CancellationToken ct)
    {
        // The request as it is now: turned off or expired since this chunk began refuses it (410).
        var link = await links.PhotoRequestAsync(http, Key, open: true, ct);
        if (link.Id != _link.Id) throw ApiException.NotFound("The upload");
        var (folderId, albumId) = await links.RequestTargetsAsync(link, ct);
        if (row.UploadLength > store.MaxBytes(link))
            throw new ApiException(413, ErrorCodes.UploadTooLarge, $"The file is larger than the {link.MaxFileSizeMb} MB this request accepts now.");
        var (mediaType, _) = MediaTypes.Detect(head.Span, row.FileName, row.ContentType);
        var accepted = RequestUploadStore.EnsurePhotoOrVideo(mediaType, row.FileName);
        var id = row.ResultId!.Value; // chosen at creation: a retry after a process died midway asks ResultExistsAsync
        await store.StoreAsync(http, link, folderId, albumId, [new ReceivedRequestFile(id, row.FileName, staged, accepted)], ct);
        return new TusResult(id);
    }

    public Task<bool> ResultExistsAsync(Guid resultId, CancellationToken ct) => store.StoredAsync(_link, resultId, ct);

    public Task WriteResultAsync(HttpResponse response, TusUploadRow row, CancellationToken ct)
    {
        response.Headers[Tus.RequestUploadIdHeader] = row.ResultId.ToString();
        return Task.CompletedTask;
    }
}

/// <summary>What the request's resumable uploads take: Tus-Max-Size is its size limit.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest | LinkNeeds.Open)]
public sealed class PhotoRequestUploadOptionsEndpoint(RequestUploadStore store) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Verbs(Http.OPTIONS);
        Routes("r/{key}/tus");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("getPhotoRequestUploadOptions").ClearDefaultProduces(200).Produces(204));
    }

    public override Task HandleAsync(CancellationToken ct) => Send.ResultAsync(TypedResults.StatusCode(TusUploads.WriteOptions(HttpContext.Response, store.MaxBytes(HttpContext.RequestGuest()))));
}

/// <summary>Creates a resumable upload of one file to the request.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest | LinkNeeds.Open)]
public sealed class CreatePhotoRequestTusUploadEndpoint(TusUploads tus, GuestLinks links, RequestUploadStore store, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Post("r/{key}/tus");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute(), new UploadSizeLimit(PublicRequestLimits.ServerMaxBytes(configuration)), new RawBody(Tus.OffsetStream)));
        Description(d => d.WithName("createPhotoRequestTusUpload").ClearDefaultProduces(200).Produces(201));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.CreateAsync(HttpContext, new RequestTusRoute(HttpContext, links, store), ct)));
}

/// <summary>The upload's offset; once complete, the photo-request upload it became.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest | LinkNeeds.Open)]
public sealed class GetPhotoRequestTusUploadOffsetEndpoint(TusUploads tus, GuestLinks links, RequestUploadStore store) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Verbs(Http.HEAD);
        Routes("r/{key}/tus/{uploadId}");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("getPhotoRequestTusUploadOffset").ClearDefaultProduces(200).Produces(200));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.HeadAsync(HttpContext, new RequestTusRoute(HttpContext, links, store), Route<string>("uploadId")!, ct)));
}

/// <summary>Appends a chunk; the last one records the file for its clean copy, if the request is still open.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest | LinkNeeds.Open)]
public sealed class AppendPhotoRequestTusUploadEndpoint(TusUploads tus, GuestLinks links, RequestUploadStore store, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Patch("r/{key}/tus/{uploadId}");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute(), new UploadSizeLimit(PublicRequestLimits.ServerMaxBytes(configuration)), new RawBody(Tus.OffsetStream)));
        Description(d => d.WithName("appendPhotoRequestTusUpload").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.PatchAsync(HttpContext, new RequestTusRoute(HttpContext, links, store), Route<string>("uploadId")!, ct)));
}

/// <summary>Ends an upload to the request and deletes its bytes.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest | LinkNeeds.Open)]
public sealed class DeletePhotoRequestTusUploadEndpoint(TusUploads tus, GuestLinks links, RequestUploadStore store) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Delete("r/{key}/tus/{uploadId}");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("deletePhotoRequestTusUpload").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.DeleteAsync(HttpContext, new RequestTusRoute(HttpContext, links, store), Route<string>("uploadId")!, ct)));
}
