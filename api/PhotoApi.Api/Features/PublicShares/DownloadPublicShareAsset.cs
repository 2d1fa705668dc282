using FastEndpoints;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class PublicShareOriginalRequest
{
    public string Key { get; set; } = "";
    public Guid AssetId { get; set; }
    /// <summary>The unlock token, for a link or <c>&lt;video src&gt;</c> that cannot send the header.</summary>
    [QueryParam] public string? Token { get; set; }
}

/// <summary>
/// A shared asset's original, through the link, where the owner allows downloads (HTTP Range supported). Where the link
/// hides metadata, a copy without it instead (<see cref="CleanOriginals"/>), never the original itself.
/// </summary>
[Access(AccessScope.Guest, Permission.AssetDownload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Download)]
public sealed class DownloadPublicShareAssetEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, MediaSigner signer, IJobQueue jobs)
    : Endpoint<PublicShareOriginalRequest>
{
    public override void Configure()
    {
        Get("s/{key}/assets/{assetId}/original");
        AllowAnonymous();
        Description(d => d.WithName("downloadPublicShareAsset").ClearDefaultProduces(200).Produces<Stream>(200, "application/octet-stream")
            .Produces<Stream>(206, "application/octet-stream"));
    }

    public override async Task HandleAsync(PublicShareOriginalRequest req, CancellationToken ct)
    {
        var link = HttpContext.LinkGuest().Link;
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var asset = await PublicAssets.RequireAsync(HttpContext, db, links, link, ids, req.AssetId, ct);
        await links.EnsureCallerMayAsync(HttpContext, link, Permission.AssetDownload, asset.Id, ct);
        // Without metadata, the copy the worker made without it (409 until it is ready).
        var clean = link.ShowMetadata ? null : await CleanOriginals.RequireAsync(db, jobs, asset, ct);
        // One download is counted once: not again for each later range of it (video players fetch many).
        var range = HttpContext.Request.Headers.Range.ToString();
        if (range.Length == 0 || range.StartsWith("bytes=0-", StringComparison.Ordinal)) await links.RecordAsync(link, download: true, ct);
        // Without metadata the file name is not shown either: the copy is named by the id the link shows.
        var name = clean is null ? asset.OriginalFileName : $"{req.AssetId:N}{clean.Extension}";
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(clean?.CleanChecksum ?? asset.Checksum)}\"");
        await Send.ResultAsync(MediaTypes.Original(await blobs.OpenReadAsync(clean?.BlobKey ?? asset.BlobKey, ct), clean?.ContentType ?? asset.ContentType,
            name, etag));
    }
}
