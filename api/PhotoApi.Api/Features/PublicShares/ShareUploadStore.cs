using Microsoft.Extensions.Options;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>
/// What every share-link upload route shares (multipart and resumable): what is checked before a byte is taken (a manual
/// album or a folder, the caller's own right on a non-public link, the per-IP file throttle), and storing the file — the
/// link owner's asset, never matched against their library, in the shared folder or album — answered by the id the link
/// shows it by.
/// </summary>
public sealed class ShareUploadStore(GuestLinks links, AssetIngest ingest, Throttle throttle,
    IOptions<ThrottlingOptions> throttling, MediaSigner signer)
{
    /// <summary>The link takes files into its target for this caller (the link stage has checked that it allows uploads).</summary>
    public async Task EnsureMayAddAsync(HttpContext http, ShareLink link, CancellationToken ct)
    {
        if (link.AlbumKind == Albums.AlbumKinds.Conditional)
            throw new ApiException(409, ErrorCodes.AlbumNotManual, "This album is filled by its conditions; files cannot be added to it.");
        if (link.FolderId is { } targetFolder) await links.EnsureCallerMayAsync(http, link, Permission.FolderUpload, targetFolder, ct);
        else await links.EnsureCallerMayAsync(http, link, Permission.AlbumAddAssets, link.AlbumId!.Value, ct);
    }

    /// <summary>One more file from this client address (429 past <c>Throttling:GuestUploadsPerIp</c>).</summary>
    public Task CountFileAsync(HttpContext http, CancellationToken ct)
    {
        var o = throttling.Value;
        return throttle.AttemptAsync([new($"guest-upload:ip:{ClientAddress.Of(http)}", o.GuestUploadsPerIp)], o.Window, ct);
    }

    /// <summary>Stores the staged file as the owner's asset in the link's target (as <paramref name="id"/> when the
    /// caller chose it: <see cref="StoredAsync"/> then says whether it exists); the answer carries the guest's id for it.</summary>
    public async Task<UploadAssetResponse> StoreAsync(ShareLink link, string fileName, string mediaType, string contentType, IBlobUpload upload,
        Guid? id, CancellationToken ct)
    {
        // Never matched against the owner's library: a guest learns nothing of what the owner already has.
        // Into the shared folder, or the owner's Personal Space and the shared album (in the asset's transaction).
        var stored = await ingest.StoreAsync(new IncomingAsset(link.OwnerId, link.FolderId, fileName, mediaType, contentType, null, Deduplicate: false,
            Id: id, AlbumId: link.AlbumId), upload, ct);
        return stored with { Id = await GuestIdAsync(link, stored.Id, ct) };
    }

    /// <summary>Whether the link's owner has the asset <paramref name="id"/> stored through it.</summary>
    public Task<bool> StoredAsync(ShareLink link, Guid id, CancellationToken ct) => ingest.StoredAsync(link.OwnerId, id, ct);

    /// <summary>The id the link shows the owner's asset by (guests never get the owner's).</summary>
    public async Task<Guid> GuestIdAsync(ShareLink link, Guid assetId, CancellationToken ct)
    {
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        return ids.Hide(assetId);
    }
}
