using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Assets;

public sealed class ListAssetsRequest : IPagedRequest
{
    /// <summary>That folder's files (FolderView on it) instead of the timeline.</summary>
    [QueryParam] public Guid? FolderId { get; set; }
    /// <summary>false: the caller's files in no folder (the top of their Personal Space) instead of the timeline.</summary>
    [QueryParam] public bool? InFolder { get; set; }
    /// <summary>What that album shows (AlbumView on it) instead of the timeline.</summary>
    [QueryParam] public Guid? AlbumId { get; set; }
    /// <summary>The library of that partner (a user who shares theirs with the caller) instead of the timeline.</summary>
    [QueryParam] public Guid? PartnerId { get; set; }
    /// <summary>Taken at or after.</summary>
    [QueryParam] public DateTime? From { get; set; }
    /// <summary>Taken before.</summary>
    [QueryParam] public DateTime? To { get; set; }
    [QueryParam] public string? Type { get; set; }
    [QueryParam] public int? MinRating { get; set; }
    [QueryParam] public string? Tag { get; set; }
    /// <summary>Words found in the file name, description or tags.</summary>
    [QueryParam] public string? Q { get; set; }
    /// <summary>true: the trash instead of the timeline.</summary>
    [QueryParam] public bool? Trashed { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListAssetsValidator : Validator<ListAssetsRequest>
{
    public ListAssetsValidator()
    {
        RuleFor(x => x.Type).Must(t => t.IsOneOf("image", "video", "other")).When(x => x.Type is not null).WithMessage("One of: image, video, other.");
        RuleFor(x => x.MinRating).InclusiveBetween(0, 5).When(x => x.MinRating is not null);
        RuleFor(x => x.Tag).MaximumLength(100);
        RuleFor(x => x.Q).MaximumLength(200);
        this.AddPagingRules(maxCursorLength: 200);
        RuleFor(x => x).Must(x => new[] { x.FolderId, x.AlbumId, x.PartnerId }.Count(i => i is not null) <= 1)
            .OverridePropertyName("folderId").WithMessage("Give at most one of folderId, albumId, partnerId.");
        RuleFor(x => x.Trashed).Must(t => t != true).When(x => x.AlbumId is not null || x.PartnerId is not null)
            .WithMessage("Albums and partners' libraries never show the trash.");
        RuleFor(x => x.InFolder).Must(i => i == false).When(x => x.InFolder is not null)
            .WithMessage("Only false: the files in no folder (the top of the Personal Space). Without it, the timeline holds every file.");
        RuleFor(x => x.InFolder).Null().When(x => x.FolderId is not null || x.AlbumId is not null || x.PartnerId is not null || x.Trashed == true)
            .WithMessage("inFolder=false lists the top of the Personal Space: not with folderId, albumId, partnerId or trashed=true.");
        RuleFor(x => x.To).GreaterThan(x => x.From).When(x => x.From is not null && x.To is not null).WithMessage("'to' must be after 'from'.");
    }
}

/// <summary>
/// The timeline: newest first by the time taken, with keyset pagination on (takenAt, id). Without a folder it is the
/// caller's own library plus the partners' libraries they chose to show there; with a folder, that folder's files as far
/// as the caller may view the folder and each file; with <c>inFolder=false</c>, the caller's files in no folder (the top
/// of their Personal Space); with an album, what the album shows; with a partner, that partner's library.
/// </summary>
/// <remarks>
/// Each mode is its own query, built from the filters actually given, so that each is a range scan of an index in the
/// page's order that stops at the LIMIT, with access applied per row along the scan (pages are full): the owners'
/// timeline index (<c>assets_timeline_idx</c>), the folder index, the trash index, or the album's entries.
/// </remarks>
[Access(Permission.AlbumView, Permission.AssetView, Permission.FolderView, Permission.PartnerLibraryView)]
public sealed class ListAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy, AssetViews views, ListQueries queries) : Endpoint<ListAssetsRequest, Page<AssetResponse>>
{
    /// <summary>
    /// The caller's library and the partners' they show there: one LIMITed walk of the timeline index per owner (the
    /// caller, then each partner with the timeline on), merged and cut to the page.
    /// </summary>
    private static ListQuery Timeline(AssetListFilter filter, DynamicParameters args)
    {
        var own = OwnerWalk("@userId", filter, AccessPolicy.OwnInTimeline("a"), args);
        var partner = OwnerWalk("p.owner_id", filter, AccessPolicy.PartnerShows("a"), new DynamicParameters());
        return new ListQuery("listAssets:timeline", $"""
            SELECT t.* FROM (
                ({own})
                UNION ALL
                SELECT x.* FROM partners p CROSS JOIN LATERAL ({partner}) x
                WHERE p.partner_id = @userId AND p.in_timeline AND {AccessPolicy.UserActive("p.owner_id")}
            ) t
            {filter.OrderBy("t.taken_at", "t.id")} LIMIT @take
            """, args);
    }

    /// <summary>Past this many matches of a tag in one library, walking its timeline finds a page sooner than reading them all.</summary>
    private const int TagWalkThreshold = 1000;

    /// <summary>
    /// One page of <paramref name="owner"/>'s library (an SQL expression), newest first, with what
    /// <paramref name="visible"/> (a predicate over <c>a</c>) lets the caller see. With a tag, how to find the page depends
    /// on how common the tag is in that library, which a prepared (generic) plan cannot know: the query counts the
    /// tag's matches there on the owner-keyed tag index, up to <see cref="TagWalkThreshold"/>, and either reads those few
    /// matches and sorts them, or walks the timeline checking the tag — each branch gated, so only one runs.
    /// </summary>
    private static string OwnerWalk(string owner, AssetListFilter filter, string visible, DynamicParameters args)
    {
        var where = $"a.owner_id = {owner} AND a.trashed_at IS NULL{(filter with { Tag = null }).Sql(args, owner: owner)} AND {visible}";
        if (filter.Tag is not { } tag)
            return $"SELECT {AssetQueries.Columns} FROM assets a WHERE {where} {filter.OrderBy()} LIMIT @take";
        args.Add("tag", tag);
        var key = $"ARRAY[{owner}::text || ':' || lower(@tag)]";
        // Counted once; both branches are gated on the answer, so only one of them runs.
        return $"""
            SELECT w.* FROM (
                SELECT (SELECT count(*) FROM (SELECT 1 FROM assets c WHERE owner_tags(c.owner_id, c.tags) @> {key} AND c.trashed_at IS NULL
                                              LIMIT {TagWalkThreshold}) z) >= {TagWalkThreshold} AS common
                OFFSET 0 -- kept a row of its own: pulled up, the count would be copied into both branches and run twice
            ) k CROSS JOIN LATERAL (
                (SELECT {AssetQueries.Columns} FROM assets a
                 WHERE {where} AND lower_tags(a.tags) @> ARRAY[lower(@tag)] AND k.common
                 {filter.OrderBy()} LIMIT @take)
                UNION ALL
                (SELECT m.* FROM (SELECT {AssetQueries.Columns} FROM assets a
                                  WHERE {where} AND owner_tags(a.owner_id, a.tags) @> {key} AND NOT k.common OFFSET 0) m
                 {filter.OrderBy("m.taken_at", "m.id")} LIMIT @take)
            ) w
            """;
    }

    /// <summary>
    /// The top of the caller's Personal Space: their files in no folder (a Shared Space file is always in a folder), on
    /// <c>assets_personal_root_idx</c>, with the timeline's filters and cursor.
    /// </summary>
    private static ListQuery PersonalRoot(AssetListFilter filter, DynamicParameters args) =>
        new("listAssets:root", OwnerWalk("@userId", filter, "a.folder_id IS NULL", args), args);

    /// <summary>A folder's files the caller may view, on <c>assets_folder_idx</c>.</summary>
    private static ListQuery Folder(AssetListFilter filter, DynamicParameters args) => new("listAssets:folder", $"""
        SELECT {AssetQueries.Columns} FROM assets a
        WHERE a.folder_id = @folderId AND a.trashed_at IS NULL{filter.Sql(args)}
          AND EXISTS (SELECT 1 FROM folders f WHERE f.id = a.folder_id AND {AccessPolicy.AssetViewable})
        {filter.OrderBy()} LIMIT @take
        """, args);

    /// <summary>A partner's Personal Space, on that owner's timeline index.</summary>
    private static ListQuery Partner(AssetListFilter filter, DynamicParameters args) =>
        new("listAssets:partner", OwnerWalk("@partnerId", filter, AccessPolicy.PartnerShows("a"), args), args);

    /// <summary>The caller's trash (of one folder, with a folder), in the timeline's order, on <c>assets_trash_order_idx</c>.</summary>
    private static ListQuery Trash(AssetListFilter filter, DynamicParameters args, bool inFolder) => new("listAssets:trash", $"""
        SELECT {AssetQueries.Columns} FROM assets a
        WHERE a.owner_id = @userId AND a.trashed_at IS NOT NULL{(inFolder ? " AND a.folder_id = @folderId" : "")}{filter.Sql(args)}
          AND {AccessPolicy.OwnInTimeline("a")}
        {filter.OrderBy()} LIMIT @take
        """, args);

    public override void Configure()
    {
        Get("assets");
        Description(d => d.WithName("listAssets"));
    }

    public override async Task HandleAsync(ListAssetsRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        if (req.FolderId is { } folderId) await policy.EnsureAsync(principal, Permission.FolderView, folderId, ct, "The folder");
        if (req.AlbumId is { } albumId) await policy.EnsureAsync(principal, Permission.AlbumView, albumId, ct, "The album");
        if (req.PartnerId is { } partnerId) await policy.EnsureAsync(principal, Permission.PartnerLibraryView, partnerId, ct, "The partner");
        var (afterTakenAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        var filter = new AssetListFilter
        {
            From = req.From, To = req.To, Type = req.Type, MinRating = req.MinRating, Tag = req.Tag,
            Q = Like.Contains(string.IsNullOrWhiteSpace(req.Q) ? null : req.Q.Trim()),
            AfterTakenAt = afterTakenAt, AfterId = afterId,
        };
        await using var conn = await db.OpenConnectionAsync(ct);
        var query = await QueryAsync(conn, req, principal, filter, limit + 1, ct);
        var rows = (await queries.QueryAsync<AssetRow>(conn, query, ct)).AsList();
        // In a Shared Space folder a Custom user sees only the files their permissions let them view (applies-to): the
        // page query applies it, so every page is full.
        var items = await views.ForAsync(principal, rows.Take(limit).ToList(), ct);
        var last = rows.Count > limit ? rows[limit - 1] : null;
        await Send.OkAsync(new Page<AssetResponse>(items, last is null ? null : TimelineCursor.Of(last.TakenAt, last.Id)), ct);
    }

    private static async Task<ListQuery> QueryAsync(NpgsqlConnection conn, ListAssetsRequest req, Principal principal, AssetListFilter filter, int take,
        CancellationToken ct)
    {
        if (req.AlbumId is { } albumId)
            return AlbumPages.Page("listAssets:album", await AlbumPages.FindAsync(conn, albumId, ct) ?? throw ApiException.NotFound("The album"), filter, take);
        var args = new DynamicParameters(new { userId = principal.UserId, isAdmin = principal.IsAdmin, take });
        if (req.Trashed == true)
        {
            if (req.FolderId is { } trashFolder) args.Add("folderId", trashFolder);
            return Trash(filter, args, req.FolderId is not null);
        }
        if (req.FolderId is { } folderId)
        {
            args.Add("folderId", folderId);
            return Folder(filter, args);
        }
        if (req.PartnerId is { } partnerId)
        {
            args.Add("partnerId", partnerId);
            return Partner(filter, args);
        }
        return req.InFolder == false ? PersonalRoot(filter, args) : Timeline(filter, args);
    }
}
