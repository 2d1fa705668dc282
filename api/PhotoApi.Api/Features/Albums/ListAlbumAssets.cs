using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Albums;

public sealed class ListAlbumAssetsRequest : IPagedRequest
{
    public Guid Id { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListAlbumAssetsValidator : Validator<ListAlbumAssetsRequest>
{
    public ListAlbumAssetsValidator() => this.AddPagingRules(maxCursorLength: 200);
}

/// <summary>One thing an album shows: the asset, and for manual and selection albums who added it and when.</summary>
public sealed record AlbumEntryResponse(AssetResponse Asset, Guid? AddedBy, DateTime? AddedAt);

/// <summary>What an album shows, in its sort order (conditional albums evaluated now); never the trash.</summary>
[Access(Permission.AlbumView, On = "id", What = "The album")]
public sealed class ListAlbumAssetsEndpoint(NpgsqlDataSource db, AssetViews views, ListQueries queries) : Endpoint<ListAlbumAssetsRequest, Page<AlbumEntryResponse>>
{
    private sealed class EntryRow
    {
        public AssetRow Asset { get; init; } = null!;
        public Guid? AddedBy { get; init; }
        public DateTime? AddedAt { get; init; }
    }

    public override void Configure()
    {
        Get("albums/{id}/assets");
        Description(d => d.WithName("listAlbumAssets"));
    }

    public override async Task HandleAsync(ListAlbumAssetsRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var (afterTakenAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        await using var conn = await db.OpenConnectionAsync(ct);
        var album = await AlbumPages.FindAsync(conn, req.Id, ct) ?? throw ApiException.NotFound("The album");
        var filter = new AssetListFilter { AfterTakenAt = afterTakenAt, AfterId = afterId, Oldest = album.SortOrder == "oldest" };
        var rows = await queries.QueryAsync<AssetRow, EntryAdded, EntryRow>(conn, AlbumPages.Page("listAlbumAssets", album, filter, limit + 1),
            (asset, added) => new EntryRow { Asset = asset, AddedBy = added?.AddedBy, AddedAt = added?.AddedAt }, "added_at", ct);
        var page = rows.Take(limit).ToList();
        var assets = await views.ForAsync(principal, page.Select(r => r.Asset).ToList(), ct);
        var items = page.Zip(assets, (r, a) => new AlbumEntryResponse(a, r.AddedBy, r.AddedAt)).ToList();
        await Send.OkAsync(new Page<AlbumEntryResponse>(items, rows.Count > limit ? TimelineCursor.Of(items[^1].Asset.TakenAt, items[^1].Asset.Id) : null), ct);
    }

    private sealed class EntryAdded
    {
        public Guid? AddedBy { get; init; }
        public DateTime? AddedAt { get; init; }
    }
}
