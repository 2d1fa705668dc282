using Dapper;
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
/// <remarks>
/// What its owner (and, on a non-public link, the signed-in caller) may not view is left out inside the page query, so
/// pages are full. Album links walk the album's entries (<see cref="AlbumPages"/>); folder links walk the folder index of
/// the folder — and of each folder below it when the share applies to subfolders, one LIMITed walk per folder, merged.
/// </remarks>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.Unlocked)]
public sealed class ListPublicShareAssetsEndpoint(NpgsqlDataSource db, MediaSigner signer, ListQueries queries) : Endpoint<ListPublicShareAssetsRequest, Page<PublicAssetResponse>>
{
    private static ListQuery FolderPage(ShareLink link, AssetListFilter filter, string visible, DynamicParameters args)
    {
        args.Add("folderId", link.FolderId);
        args.Add("below", link.ApplyToSubfolders);
        return new ListQuery("listPublicShareAssets:folder", $"""
            SELECT x.* FROM ({GuestLinks.LinkFolders}) t JOIN folders f ON f.id = t.id
            CROSS JOIN LATERAL (
                SELECT {AssetQueries.Columns} FROM assets a
                WHERE a.folder_id = f.id AND a.trashed_at IS NULL{filter.Sql(args)}{visible}
                {filter.OrderBy()} LIMIT @take) x
            {filter.OrderBy("x.taken_at", "x.id")} LIMIT @take
            """, args);
    }

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
        var filter = new AssetListFilter { AfterTakenAt = afterTakenAt, AfterId = afterId };
        await using var conn = await db.OpenConnectionAsync(ct);
        var args = new DynamicParameters(new { take = limit + 1 });
        var visible = GuestLinks.VisibleSql(HttpContext, link, args);
        List<AssetRow> rows;
        if (link.AlbumId is { } albumId)
        {
            var album = await AlbumPages.FindAsync(conn, albumId, ct);
            rows = album is null ? [] : (await conn.QueryAsync<AssetRow>(queries.Command(AlbumPages.Page("listPublicShareAssets:album", album, filter, limit + 1, visible, args), ct))).AsList();
        }
        else rows = (await conn.QueryAsync<AssetRow>(queries.Command(FolderPage(link, filter, visible, args), ct))).AsList();
        var items = rows.Take(limit).Select(a => PublicAssets.View(a, link, req.Key, token, ids)).ToList();
        await Send.OkAsync(new Page<PublicAssetResponse>(items, rows.Count > limit ? ids.Cursor(rows[limit - 1].TakenAt, rows[limit - 1].Id) : null), ct);
    }
}
