using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class ListPublicShareAssetsRequest : IPagedRequest
{
    public string Key { get; set; } = "";
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPublicShareAssetsValidator : Validator<ListPublicShareAssetsRequest>
{
    public ListPublicShareAssetsValidator() => this.AddPagingRules(maxCursorLength: 200);
}

/// <summary>What the link shows, newest first (never the trash).</summary>
/// <remarks>The page query: <see cref="PublicAssets.PageAsync"/>.</remarks>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Unlocked)]
public sealed class ListPublicShareAssetsEndpoint(NpgsqlDataSource db, MediaSigner signer, ListQueries queries) : Endpoint<ListPublicShareAssetsRequest, Page<PublicAssetResponse>>
{
    public override void Configure()
    {
        Get("s/{key}/assets");
        AllowAnonymous();
        Description(d => d.WithName("listPublicShareAssets"));
    }

    public override async Task HandleAsync(ListPublicShareAssetsRequest req, CancellationToken ct)
    {
        var (link, token, _) = HttpContext.LinkGuest();
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var (afterTakenAt, afterId) = ids.ParseCursor(req.Cursor);
        var limit = req.Limit();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await PublicAssets.PageAsync(HttpContext, conn, queries, link, new AssetListFilter { AfterTakenAt = afterTakenAt, AfterId = afterId }, limit + 1, ct);
        var items = rows.Take(limit).Select(a => PublicAssets.View(a, link, req.Key, token, ids)).ToList();
        await Send.OkAsync(new Page<PublicAssetResponse>(items, rows.Count > limit ? ids.Cursor(rows[limit - 1].TakenAt, rows[limit - 1].Id) : null), ct);
    }
}
