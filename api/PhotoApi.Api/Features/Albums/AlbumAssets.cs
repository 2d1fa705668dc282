using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Albums;

public sealed class AlbumAssetsRequest
{
    public Guid Id { get; set; }
    public Guid[] AssetIds { get; set; } = [];
}

public sealed class AlbumAssetsValidator : Validator<AlbumAssetsRequest>
{
    public AlbumAssetsValidator() =>
        RuleFor(x => x.AssetIds).NotEmpty().Must(a => a.Length <= 10_000).WithMessage("Between 1 and 10,000 asset ids.");
}

/// <param name="Added">Assets that became entries now.</param>
/// <param name="AlreadyInAlbum">Assets that were entries already (an album holds an asset once).</param>
public sealed record AddAlbumAssetsResponse(IReadOnlyList<Guid> Added, IReadOnlyList<Guid> AlreadyInAlbum);

public sealed record RemoveAlbumAssetsResponse(IReadOnlyList<Guid> Removed);

internal static class AlbumEntries
{
    /// <summary>Conditional albums are filled by their conditions: they take no entries.</summary>
    public static async Task EnsureManualAsync(NpgsqlConnection conn, Guid albumId, CancellationToken ct)
    {
        if (await AlbumStore.KindAsync(conn, albumId, ct) == AlbumKinds.Conditional)
            throw new ApiException(409, ErrorCodes.AlbumNotManual, "A conditional album is filled by its conditions; change them instead.");
    }
}

/// <summary>
/// Adds the caller's own assets to an album (its owner, or a Provider of its share). Each new entry remembers who added
/// it; assets already there are reported, not added twice. All or nothing: one asset the caller may not share → 404.
/// </summary>
[Access(Permission.AlbumAddAssets, Permission.AlbumView, Permission.AssetShare)]
public sealed class AddAlbumAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AlbumAssetsRequest, AddAlbumAssetsResponse>
{
    private const string ExistingSql = "SELECT asset_id FROM album_assets WHERE album_id = @albumId AND asset_id = ANY(@ids)";

    public override void Configure()
    {
        Put("albums/{id}/assets");
        Description(d => d.WithName("addAlbumAssets"));
    }

    public override async Task HandleAsync(AlbumAssetsRequest req, CancellationToken ct)
    {
        var principal = Principal.Of(User);
        await policy.EnsureAsync(principal, Permission.AlbumView, req.Id, ct, "The album");
        await using var conn = await db.OpenConnectionAsync(ct);
        await AlbumEntries.EnsureManualAsync(conn, req.Id, ct);
        await policy.EnsureRoleAsync(principal, Permission.AlbumAddAssets, req.Id, Permission.AlbumView, "The album", ct);
        var ids = req.AssetIds.Distinct().ToArray();
        await policy.EnsureAsync(principal, Permission.AssetShare, ids, ct, "An asset");

        await using var tx = await conn.BeginTransactionAsync(ct);
        var existing = (await conn.QueryAsync<Guid>(new CommandDefinition(ExistingSql, new { albumId = req.Id, ids }, tx, cancellationToken: ct))).ToHashSet();
        var fresh = ids.Where(i => !existing.Contains(i)).ToArray();
        await AlbumStore.AddEntriesAsync(conn, tx, req.Id, fresh, principal.UserId, ct);
        if (fresh.Length > 0) await AlbumStore.TouchAsync(conn, tx, req.Id, ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(new AddAlbumAssetsResponse(fresh, ids.Where(existing.Contains).ToList()), ct);
    }
}

/// <summary>
/// Removes entries from an album: its owner removes any, a Provider only the ones they added. The assets themselves stay.
/// All or nothing: an asset that is not an entry → 404 <c>album.entry_missing</c>; one the caller may not remove → 403.
/// </summary>
[Access(Permission.AlbumRemoveAssets, Permission.AlbumView)]
public sealed class RemoveAlbumAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AlbumAssetsRequest, RemoveAlbumAssetsResponse>
{
    private const string EntriesSql = "SELECT asset_id FROM album_assets WHERE album_id = @albumId AND asset_id = ANY(@ids)";
    private const string DeleteSql = "DELETE FROM album_assets WHERE album_id = @albumId AND asset_id = ANY(@ids)";

    public override void Configure()
    {
        Delete("albums/{id}/assets");
        Description(d => d.WithName("removeAlbumAssets"));
    }

    public override async Task HandleAsync(AlbumAssetsRequest req, CancellationToken ct)
    {
        var principal = Principal.Of(User);
        await policy.EnsureAsync(principal, Permission.AlbumView, req.Id, ct, "The album");
        await using var conn = await db.OpenConnectionAsync(ct);
        await AlbumEntries.EnsureManualAsync(conn, req.Id, ct);
        var ids = req.AssetIds.Distinct().ToArray();
        var entries = (await conn.QueryAsync<Guid>(new CommandDefinition(EntriesSql, new { albumId = req.Id, ids }, cancellationToken: ct))).ToHashSet();
        if (ids.Any(i => !entries.Contains(i)))
            throw new ApiException(404, ErrorCodes.AlbumEntryMissing, "An asset named is not in the album.");
        var removable = await policy.AllowedAsync(principal, Permission.AlbumRemoveAssets, ids, ct, within: req.Id);
        if (ids.Any(i => !removable.Contains(i)))
            throw new ApiException(403, ErrorCodes.RoleInsufficient, "Only the album's owner removes entries that others added; a Viewer or Downloader removes none.");

        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { albumId = req.Id, ids }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE albums SET cover_asset_id = NULL WHERE id = @albumId AND cover_asset_id = ANY(@ids)", new { albumId = req.Id, ids }, tx, cancellationToken: ct));
        await AlbumStore.TouchAsync(conn, tx, req.Id, ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(new RemoveAlbumAssetsResponse(ids), ct);
    }
}

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
[Access(Permission.AlbumView)]
public sealed class ListAlbumAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy, AssetViews views) : Endpoint<ListAlbumAssetsRequest, Page<AlbumEntryResponse>>
{
    private static string Sql(string order, string after) => $"""
        SELECT {AssetQueries.Columns}, aa.added_at, aa.added_by FROM assets a
        LEFT JOIN album_assets aa ON aa.album_id = @albumId AND aa.asset_id = a.id
        WHERE a.id IN ({AccessPolicy.AlbumMembers("@albumId")})
          AND (@afterTakenAt::timestamptz IS NULL OR (a.taken_at, a.id) {after} (@afterTakenAt, @afterId))
        ORDER BY a.taken_at {order}, a.id {order}
        LIMIT @take
        """;

    private static readonly string NewestSql = Sql("DESC", "<");
    private static readonly string OldestSql = Sql("ASC", ">");

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
        var principal = Principal.Of(User);
        await policy.EnsureAsync(principal, Permission.AlbumView, req.Id, ct, "The album");
        var (afterTakenAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        await using var conn = await db.OpenConnectionAsync(ct);
        var order = await conn.ExecuteScalarAsync<string>(new CommandDefinition("SELECT sort_order FROM albums WHERE id = @id", new { id = req.Id }, cancellationToken: ct));
        var rows = (await conn.QueryAsync<AssetRow, EntryAdded, EntryRow>(new CommandDefinition(order == "oldest" ? OldestSql : NewestSql,
            new { albumId = req.Id, afterTakenAt, afterId, take = limit + 1 }, cancellationToken: ct),
            (asset, added) => new EntryRow { Asset = asset, AddedBy = added?.AddedBy, AddedAt = added?.AddedAt }, splitOn: "added_at")).AsList();
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
