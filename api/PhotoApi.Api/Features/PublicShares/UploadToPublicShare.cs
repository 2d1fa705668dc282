using FastEndpoints;
using Microsoft.Net.Http.Headers;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>The multipart form of <c>uploadToPublicShare</c> (documentation and the contract test; the endpoint streams it).</summary>
public sealed class UploadToPublicShareForm
{
    /// <summary>The file.</summary>
    public IFormFile File { get; set; } = null!;
}

/// <summary>
/// A guest adds a file to a link that allows uploads: streamed like any upload, owned by (and counted against) the
/// link's owner, added to the shared album or selection, and processed by the worker like any upload.
/// </summary>
[Access(AccessScope.Guest, Permission.AlbumAddAssets, Permission.FolderUpload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Upload)]
public sealed class UploadToPublicShareEndpoint(IBlobStore blobs, ShareUploadStore store, IConfiguration configuration) : Endpoint<PublicShareKey, UploadAssetResponse>
{
    public override void Configure()
    {
        Post("s/{key}/assets");
        AllowAnonymous();
        AllowFileUploads(dontAutoBindFormData: true);
        Options(b => b.WithMetadata(new UploadSizeLimit(UploadSizeLimit.MaxBytes(configuration)),
            new MultipartForm(typeof(UploadToPublicShareForm))));
        Description(d => d.WithName("uploadToPublicShare").ClearDefaultProduces(200).Produces<UploadAssetResponse>(201));
    }

    public override async Task HandleAsync(PublicShareKey req, CancellationToken ct)
    {
        var link = HttpContext.LinkGuest().Link;
        await store.EnsureMayAddAsync(HttpContext, link, ct);
        await store.CountFileAsync(HttpContext, ct);
        try
        {
            var reader = MultipartStreaming.Reader(HttpContext);
            await using var upload = await blobs.BeginUploadAsync(ct);
            string? fileName = null, declaredType = null;
            var head = new byte[MediaTypes.SniffBytes];
            var headLength = 0;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value != "file" ||
                    !(disposition.FileName.HasValue || disposition.FileNameStar.HasValue) || fileName is not null)
                    throw ApiException.Validation("file", "Send one file in a part named 'file'; no other fields are taken.");
                fileName = MultipartStreaming.SafeFileName(disposition.FileNameStar.Value ?? disposition.FileName.Value);
                declaredType = section.ContentType;
                headLength = await MultipartStreaming.CopyAsync(section.Body, upload.Content, head, null, ct);
            }
            if (fileName is null) throw new ApiException(400, ErrorCodes.UploadMissingFile, "The form has no part named 'file'.",
                new() { ["file"] = ["A file is required."] });
            var (mediaType, contentType) = MediaTypes.Detect(head.AsSpan(0, headLength), fileName, declaredType);
            await Send.ResponseAsync(await store.StoreAsync(link, fileName, mediaType, contentType, upload, null, ct), 201, ct);
        }
        catch (Exception e) when (MultipartStreaming.Translate(HttpContext, e) is { } problem)
        {
            throw problem;
        }
    }
}
