using FastEndpoints;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Features.PublicShares;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Resumable;

/// <summary>
/// Resumable uploads through a share link that allows uploads, tus 1.0.0 at <c>/api/v1/s/{key}/uploads</c>. The link
/// stage checks the link on every request (unlocked, uploads allowed, its owner may still upload there); an upload belongs
/// to its link (another link's upload URL is 404), and at completion the link is resolved and checked again before the file
/// becomes the owner's asset through the same code as <c>uploadToPublicShare</c>.
/// </summary>
public sealed class ShareTusRoute(HttpContext http, GuestLinks links, ShareUploadStore store, IConfiguration configuration) : ITusRoute
{
    private readonly ShareLink _link = http.LinkGuest().Link;
    private string Key => http.Request.RouteValues["key"]?.ToString() ?? "";

    public TusScope Scope => TusScope.Share(_link.Id, http);
    public long MaxSize => UploadSizeLimit.MaxBytes(configuration);
    public string BasePath => $"{ApiRoutes.Base}/s/{Key}/uploads";

    public async Task<TusNewUpload> CheckNewAsync(IReadOnlyDictionary<string, string> metadata, long length, CancellationToken ct)
    {
        await store.EnsureMayAddAsync(http, _link, ct);
        await store.CountFileAsync(http, ct);
        return new TusNewUpload(null, TusUploads.FileName(metadata), TusUploads.ContentType(metadata), null, null, null);
    }

    public async Task<TusResult> CompleteAsync(TusUploadRow row, IBlobUpload staged, ReadOnlyMemory<byte> head, CancellationToken ct)
    {
        // The link as it is now: turned off, its uploads stopped or its key rotated since this chunk began refuses it.
        var now = await links.UnlockedShareAsync(http, Key, ct);
        await links.EnsureTakesUploadsAsync(now.Link, ct);
        if (now.Link.Id != _link.Id) throw ApiException.NotFound("The upload");
        await store.EnsureMayAddAsync(http, now.Link, ct);
        var (mediaType, contentType) = MediaTypes.Detect(head.Span, row.FileName, row.ContentType);
        // The row keeps the owner's id for the asset (the one chosen at creation); the guest is answered the link's id for it.
        var resultId = row.ResultId!.Value;
        await store.StoreAsync(now.Link, row.FileName, mediaType, contentType, staged, resultId, ct);
        return new TusResult(resultId);
    }

    public Task<bool> ResultExistsAsync(Guid resultId, CancellationToken ct) => store.StoredAsync(_link, resultId, ct);

    public async Task WriteResultAsync(HttpResponse response, TusUploadRow row, CancellationToken ct) =>
        response.Headers[Tus.AssetIdHeader] = (await store.GuestIdAsync(_link, row.ResultId!.Value, ct)).ToString();
}

/// <summary>What the link's resumable uploads take.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Upload)]
public sealed class PublicShareUploadOptionsEndpoint(IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Verbs(Http.OPTIONS);
        Routes("s/{key}/uploads");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("getPublicShareUploadOptions").ClearDefaultProduces(200).Produces(204));
    }

    public override Task HandleAsync(CancellationToken ct) => Send.ResultAsync(TypedResults.StatusCode(TusUploads.WriteOptions(HttpContext.Response, UploadSizeLimit.MaxBytes(configuration))));
}

/// <summary>Creates a resumable upload through the link (counted against the client address like any guest file).</summary>
[Access(AccessScope.Guest, Permission.AlbumAddAssets, Permission.FolderUpload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Upload)]
public sealed class CreatePublicShareUploadEndpoint(TusUploads tus, GuestLinks links, ShareUploadStore store, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Post("s/{key}/uploads");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute(), new UploadSizeLimit(UploadSizeLimit.MaxBytes(configuration)), new RawBody(Tus.OffsetStream)));
        Description(d => d.WithName("createPublicShareUpload").ClearDefaultProduces(200).Produces(201));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.CreateAsync(HttpContext, new ShareTusRoute(HttpContext, links, store, configuration), ct)));
}

/// <summary>The upload's offset; once complete, the asset (the id the link shows it by).</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Upload)]
public sealed class GetPublicShareUploadOffsetEndpoint(TusUploads tus, GuestLinks links, ShareUploadStore store, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Verbs(Http.HEAD);
        Routes("s/{key}/uploads/{uploadId}");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("getPublicShareUploadOffset").ClearDefaultProduces(200).Produces(200));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.HeadAsync(HttpContext, new ShareTusRoute(HttpContext, links, store, configuration), Route<string>("uploadId")!, ct)));
}

/// <summary>Appends a chunk; the last one makes the asset, if the link still takes uploads.</summary>
[Access(AccessScope.Guest, Permission.AlbumAddAssets, Permission.FolderUpload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Upload)]
public sealed class AppendPublicShareUploadEndpoint(TusUploads tus, GuestLinks links, ShareUploadStore store, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Patch("s/{key}/uploads/{uploadId}");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute(), new UploadSizeLimit(UploadSizeLimit.MaxBytes(configuration)), new RawBody(Tus.OffsetStream)));
        Description(d => d.WithName("appendPublicShareUpload").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.PatchAsync(HttpContext, new ShareTusRoute(HttpContext, links, store, configuration), Route<string>("uploadId")!, ct)));
}

/// <summary>Ends an upload through the link and deletes its bytes.</summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Upload)]
public sealed class DeletePublicShareUploadEndpoint(TusUploads tus, GuestLinks links, ShareUploadStore store, IConfiguration configuration) : EndpointWithoutRequest
{
    public override void Configure()
    {
        Delete("s/{key}/uploads/{uploadId}");
        AllowAnonymous();
        Options(b => b.WithMetadata(new TusRoute()));
        Description(d => d.WithName("deletePublicShareUpload").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.ResultAsync(TypedResults.StatusCode(await tus.DeleteAsync(HttpContext, new ShareTusRoute(HttpContext, links, store, configuration), Route<string>("uploadId")!, ct)));
}
