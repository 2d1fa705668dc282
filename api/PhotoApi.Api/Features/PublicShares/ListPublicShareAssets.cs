using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;

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
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Unlocked)]
public sealed class ListPublicShareAssetsEndpoint(NpgsqlDataSource db, GuestLinks links, MediaSigner signer) : Endpoint<ListPublicShareAssetsRequest, Page<PublicAssetResponse>>
{
    private static readonly string ListSql = $"""
        SELECT {AssetQueries.Columns} FROM assets a
        WHERE a.id IN ({GuestLinks.LinkMembers})
          AND (@afterTakenAt::timestamptz IS NULL OR (a.taken_at, a.id) < (@afterTakenAt, @afterId))
        ORDER BY a.taken_at DESC, a.id DESC
        LIMIT @take
        """;

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
        var args = GuestLinks.MemberArgs(link);
        args.AddDynamicParams(new { afterTakenAt, afterId, take = limit + 1 });
        var rows = (await conn.QueryAsync<AssetRow>(new CommandDefinition(ListSql, args, cancellationToken: ct))).AsList();
        var page = rows.Take(limit).ToList();
        var visible = await links.VisibleAsync(HttpContext, link, page.Select(a => a.Id).ToList(), ct);
        var items = page.Where(a => visible.Contains(a.Id)).Select(a => PublicAssets.View(a, link, req.Key, token, ids)).ToList();
        await Send.OkAsync(new Page<PublicAssetResponse>(items, rows.Count > limit ? ids.Cursor(rows[limit - 1].TakenAt, rows[limit - 1].Id) : null), ct);
    }
}
