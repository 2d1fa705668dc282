using FastEndpoints;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;

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
public sealed class UploadToPublicShareEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, AssetIngest ingest, Throttle throttle,
    IOptions<ThrottlingOptions> throttling, IConfiguration configuration, MediaSigner signer) : Endpoint<PublicShareKey, UploadAssetResponse>
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
        if (link.AlbumKind == Albums.AlbumKinds.Conditional)
            throw new ApiException(409, ErrorCodes.AlbumNotManual, "This album is filled by its conditions; files cannot be added to it.");
        if (link.FolderId is { } targetFolder) await links.EnsureCallerMayAsync(HttpContext, link, Permission.FolderUpload, targetFolder, ct);
        else await links.EnsureCallerMayAsync(HttpContext, link, Permission.AlbumAddAssets, link.AlbumId!.Value, ct);
        var o = throttling.Value;
        await throttle.AttemptAsync([new($"guest-upload:ip:{ClientAddress.Of(HttpContext)}", o.GuestUploadsPerIp)], o.Window, ct);
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
            // Never matched against the owner's library: a guest learns nothing of what the owner already has.
            // Into the shared folder, or the owner's Personal Space and the shared album.
            var stored = await ingest.StoreAsync(new IncomingAsset(link.OwnerId, link.FolderId, fileName, mediaType, contentType, null, Deduplicate: false), upload, ct);
            if (link.AlbumId is { } albumId)
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                await AlbumEntries.AddAsync(conn, null, albumId, [stored.Id], link.OwnerId, ct);
            }
            // The guest gets the id the link shows the file by, not the owner's.
            using var ids = await GuestIds.ForAsync(signer, link, ct);
            await Send.ResponseAsync(stored with { Id = ids.Hide(stored.Id) }, 201, ct);
        }
        catch (Exception e) when (MultipartStreaming.Translate(HttpContext, e) is { } problem)
        {
            throw problem;
        }
    }
}
