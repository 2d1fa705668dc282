using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class PublicSharePlaybackRequest
{
    public string Key { get; set; } = "";
    public Guid AssetId { get; set; }
    /// <summary>The unlock token, for a <c>&lt;video src&gt;</c> that cannot send the header.</summary>
    [QueryParam] public string? Token { get; set; }
}

/// <summary>
/// A shared video to play in the page, where the link allows downloads (a guest who plays a video has its bytes). The
/// worker's transcoded copy has no metadata and is sent as it is; where the video plays from its original and the link
/// hides metadata, the copy of the original without it is sent instead (<see cref="CleanOriginals"/>), never the original.
/// </summary>
[Access(AccessScope.Guest, Permission.AssetDownload, Link = "key", LinkNeeds = LinkNeeds.Unlocked | LinkNeeds.Download)]
public sealed class GetPublicSharePlaybackEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, MediaSigner signer, IJobQueue jobs)
    : Endpoint<PublicSharePlaybackRequest>
{
    public override void Configure()
    {
        Get("s/{key}/assets/{assetId}/playback");
        AllowAnonymous();
        Description(d => d.WithName("getPublicSharePlayback").ClearDefaultProduces(200).Produces<Stream>(200, "video/mp4")
            .Produces<Stream>(206, "video/mp4").Produces(304));
    }

    public override async Task HandleAsync(PublicSharePlaybackRequest req, CancellationToken ct)
    {
        var link = HttpContext.LinkGuest().Link;
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var asset = await PublicAssets.RequireAsync(HttpContext, db, links, link, ids, req.AssetId, ct);
        await links.EnsureCallerMayAsync(HttpContext, link, Permission.AssetDownload, asset.Id, ct);
        string key;
        await using (var conn = await db.OpenConnectionAsync(ct))
            key = await Playbacks.RequireKeyAsync(conn, asset, ct);
        HttpContext.Response.Headers.CacheControl = "private, max-age=3600";
        if (!link.ShowMetadata && key == asset.BlobKey)
        {
            // The original carries the metadata the link hides: its copy without it (409 until made, 403 where none can be).
            var clean = await CleanOriginals.RequireAsync(db, jobs, asset, ct);
            await Send.ResultAsync(Playbacks.ServeClean(await blobs.OpenReadAsync(clean.BlobKey, ct), clean));
            return;
        }
        await Send.ResultAsync(Playbacks.Serve(await blobs.OpenReadAsync(key, ct), asset, key));
    }
}
