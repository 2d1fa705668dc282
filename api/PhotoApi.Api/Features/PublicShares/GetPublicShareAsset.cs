using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class PublicShareAssetRequest
{
    public string Key { get; set; } = "";
    public Guid AssetId { get; set; }
}

/// <summary>
/// One asset the link shows, as its list shows it: how a guest who sent a file through the link follows its processing
/// (<c>status</c>) until it has its thumbnail, and how a page reads one tile again.
/// </summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Unlocked)]
public sealed class GetPublicShareAssetEndpoint(NpgsqlDataSource db, GuestLinks links, MediaSigner signer) : Endpoint<PublicShareAssetRequest, PublicAssetResponse>
{
    public override void Configure()
    {
        Get("s/{key}/assets/{assetId}");
        AllowAnonymous();
        Description(d => d.WithName("getPublicShareAsset"));
    }

    public override async Task HandleAsync(PublicShareAssetRequest req, CancellationToken ct)
    {
        var (link, token, _) = HttpContext.LinkGuest();
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var asset = await PublicAssets.RequireAsync(HttpContext, db, links, link, ids, req.AssetId, ct);
        await Send.OkAsync(PublicAssets.View(asset, link, req.Key, token, ids), ct);
    }
}
