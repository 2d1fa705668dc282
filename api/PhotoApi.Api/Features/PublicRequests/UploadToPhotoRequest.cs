using FastEndpoints;
using Microsoft.Net.Http.Headers;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicRequests;

/// <summary>The multipart form of <c>uploadToPhotoRequest</c> (documentation and the contract test; the endpoint streams it).</summary>
public sealed class UploadToPhotoRequestForm
{
    /// <summary>One or more photos or videos, each in a part named <c>files</c> (up to 100 per request).</summary>
    public IFormFile[] Files { get; set; } = [];
}

public sealed record UploadToPhotoRequestResponse(IReadOnlyList<PhotoRequestUploadStatus> Uploads);

/// <summary>
/// A guest sends photos and videos, streamed: each file goes straight to the blob store's staging area, and a file is
/// refused the moment it passes the request's size limit (413 <c>upload.too_large</c>; the partial file is discarded). Only
/// photos and videos are taken (415 <c>upload.unsupported_type</c> otherwise). All or nothing: the files are recorded only once the whole body
/// has arrived and every file passed, then each gets an id and a worker job that stores a clean copy. Throttled per IP.
/// </summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest | LinkNeeds.Open)]
public sealed class UploadToPhotoRequestEndpoint(IBlobStore blobs, GuestLinks links, RequestUploadStore store, IConfiguration configuration) : Endpoint<PublicPhotoRequestKey, UploadToPhotoRequestResponse>
{
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
        var link = HttpContext.RequestGuest();
        var (folderId, albumId) = await links.RequestTargetsAsync(link, ct);
        var maxBytes = store.MaxBytes(link);
        var received = new List<ReceivedRequestFile>();
        try
        {
            var reader = MultipartStreaming.Reader(HttpContext);
            var head = new byte[MediaTypes.SniffBytes];
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ||
                    disposition.Name.Value != "files" || !(disposition.FileName.HasValue || disposition.FileNameStar.HasValue))
                    throw ApiException.Validation("files", "Send photos and videos as file parts named 'files'; no other fields are taken.");
                if (received.Count == PublicRequestLimits.MaxFiles)
                    throw ApiException.Validation("files", $"At most {PublicRequestLimits.MaxFiles} files per request; send the rest in another.");
                await store.CountFileAsync(HttpContext, ct);

                var fileName = MultipartStreaming.SafeFileName(disposition.FileNameStar.Value ?? disposition.FileName.Value);
                var upload = await blobs.BeginUploadAsync(ct);
                var file = new ReceivedRequestFile(Guid.CreateVersion7(), fileName, upload);
                received.Add(file);
                Array.Clear(head);
                var headLength = await MultipartStreaming.CopyAsync(section.Body, upload.Content, head, maxBytes, ct);
                var (mediaType, _) = MediaTypes.Detect(head.AsSpan(0, headLength), fileName, section.ContentType);
                received[^1] = file with { MediaType = RequestUploadStore.EnsurePhotoOrVideo(mediaType, fileName) };
            }
            if (received.Count == 0) throw new ApiException(400, ErrorCodes.UploadMissingFile, "The form has no photo or video in a part named 'files'.",
                new() { ["files"] = ["At least one photo or video is required."] });

            await store.StoreAsync(HttpContext, link, folderId, albumId, received, ct);
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
