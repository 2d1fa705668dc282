using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.Assets;

public sealed class ListAssetsRequest : IPagedRequest
{
    /// <summary>That folder's files (FolderView on it) instead of the timeline.</summary>
    [QueryParam] public Guid? FolderId { get; set; }
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
        RuleFor(x => x.To).GreaterThan(x => x.From).When(x => x.From is not null && x.To is not null).WithMessage("'to' must be after 'from'.");
    }
}

/// <summary>
/// The timeline: newest first by the time taken, with keyset pagination on (takenAt, id). Without a folder it is the
/// caller's own library plus the partners' libraries they chose to show there; with a folder, that folder's files as far
/// as the caller may view the folder and each file; with an album, what the album shows; with a partner, that partner's library.
/// </summary>
[Access(Permission.AlbumView, Permission.AssetView, Permission.FolderView, Permission.PartnerLibraryView)]
public sealed class ListAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy, AssetViews views) : Endpoint<ListAssetsRequest, Page<AssetResponse>>
{
    private static readonly string ListSql = $"""
        SELECT {AssetQueries.Columns} FROM assets a
        WHERE (CASE WHEN @folderId::uuid IS NOT NULL THEN a.folder_id = @folderId
                         AND EXISTS (SELECT 1 FROM folders f WHERE f.id = a.folder_id AND {AccessPolicy.AssetViewable})
                    WHEN @albumId::uuid IS NOT NULL THEN a.id IN ({AccessPolicy.AlbumMembers("@albumId")})
                    WHEN @partnerId::uuid IS NOT NULL THEN a.owner_id = @partnerId AND {AccessPolicy.PartnerShows("a")}
                    ELSE {AccessPolicy.InTimeline("a")} END)
          AND (a.trashed_at IS NOT NULL) = @trashed
          AND (NOT @trashed OR a.owner_id = @userId)
          AND (@from::timestamptz IS NULL OR a.taken_at >= @from)
          AND (@to::timestamptz IS NULL OR a.taken_at < @to)
          AND (@type::text IS NULL OR a.media_type = @type)
          AND (@minRating::int IS NULL OR a.rating >= @minRating)
          AND (@tag::text IS NULL OR EXISTS (SELECT 1 FROM unnest(a.tags) tag WHERE lower(tag) = lower(@tag)))
          AND (@q::text IS NULL OR a.original_file_name ILIKE @q OR a.description ILIKE @q OR EXISTS (SELECT 1 FROM unnest(a.tags) t WHERE t ILIKE @q))
          AND (@afterTakenAt::timestamptz IS NULL OR (a.taken_at, a.id) < (@afterTakenAt, @afterId))
        ORDER BY a.taken_at DESC, a.id DESC
        LIMIT @take
        """;

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
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<AssetRow>(new CommandDefinition(ListSql, new
        {
            userId = principal.UserId, isAdmin = principal.IsAdmin, folderId = req.FolderId, albumId = req.AlbumId, partnerId = req.PartnerId, trashed = req.Trashed ?? false,
            from = req.From, to = req.To, type = req.Type, minRating = req.MinRating, tag = req.Tag,
            q = Like.Contains(string.IsNullOrWhiteSpace(req.Q) ? null : req.Q.Trim()),
            afterTakenAt, afterId, take = limit + 1,
        }, cancellationToken: ct))).AsList();
        // In a Shared Space folder a Custom user sees only the files their permissions let them view (applies-to): the
        // page query applies it, so every page is full.
        var items = await views.ForAsync(principal, rows.Take(limit).ToList(), ct);
        var last = rows.Count > limit ? rows[limit - 1] : null;
        await Send.OkAsync(new Page<AssetResponse>(items, last is null ? null : TimelineCursor.Of(last.TakenAt, last.Id)), ct);
    }
}
