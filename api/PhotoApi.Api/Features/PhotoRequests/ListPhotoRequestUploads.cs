using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.PhotoRequests;

public sealed class ListPhotoRequestUploadsRequest : IPagedRequest
{
    public Guid Id { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPhotoRequestUploadsValidator : Validator<ListPhotoRequestUploadsRequest>
{
    public ListPhotoRequestUploadsValidator() => this.AddPagingRules();
}

/// <summary>One file a guest sent.</summary>
/// <param name="Status"><c>pending</c> → <c>processing</c> → <c>ready</c> (see <paramref name="AssetId"/>) or <c>failed</c> (see <paramref name="FailureReason"/>).</param>
/// <param name="AssetId">The clean asset stored in the owner's library (null until ready, or once that asset is purged).</param>
/// <param name="ThumbnailUrl">
/// The asset's 250 px WebP thumbnail, signed like <c>AssetMediaUrls.thumbnail</c>; null while there is no asset, until the
/// worker has made the thumbnail, and where the owner may no longer view the asset.
/// </param>
public sealed record PhotoRequestUploadResponse(Guid Id, string FileName, long SizeBytes, string Status, string? FailureReason, Guid? AssetId,
    string? ThumbnailUrl, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>What guests sent to a request, oldest first, with each file's status, resulting asset and its thumbnail.</summary>
[Access(Permission.PhotoRequestManage, On = "id", What = "The photo request")]
public sealed class ListPhotoRequestUploadsEndpoint(NpgsqlDataSource db, ListQueries queries, AssetViews views)
    : Endpoint<ListPhotoRequestUploadsRequest, Page<PhotoRequestUploadResponse>>
{
    /// <summary>
    /// A range scan of <c>photo_request_uploads_request_idx (request_id, id)</c> that stops at the LIMIT; each row of the
    /// page looks its asset up by key for whether it has a thumbnail yet.
    /// </summary>
    private const string ListSql = """
        SELECT u.id, u.file_name, u.size_bytes, u.status, u.failure_reason, u.asset_id,
               (SELECT a.thumbnail_key IS NOT NULL FROM assets a WHERE a.id = u.asset_id) AS has_thumbnail, u.created_at, u.updated_at
        FROM photo_request_uploads u WHERE u.request_id = @requestId AND u.id > @after ORDER BY u.id LIMIT @take
        """;

    private sealed class Row
    {
        public Guid Id { get; init; }
        public string FileName { get; init; } = "";
        public long SizeBytes { get; init; }
        public string Status { get; init; } = "";
        public string? FailureReason { get; init; }
        public Guid? AssetId { get; init; }
        public bool? HasThumbnail { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    public override void Configure()
    {
        Get("photo-requests/{id}/uploads");
        Description(d => d.WithName("listPhotoRequestUploads"));
    }

    public override async Task HandleAsync(ListPhotoRequestUploadsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await queries.QueryAsync<Row>(conn, new ListQuery("listPhotoRequestUploads", ListSql,
            new { requestId = req.Id, after = req.After(), take = req.Limit() + 1 }), ct)).AsList();
        await conn.CloseAsync();
        var page = rows.ToPage(req.Limit(), r => r.Id);
        // The owner's own asset, unless it went where they may no longer view it (a Shared Space folder).
        var thumbnails = await views.ThumbnailsAsync(HttpContext.Principal(),
            page.Items.Where(r => r.HasThumbnail == true).Select(r => r.AssetId!.Value).ToList(), ct);
        await Send.OkAsync(new Page<PhotoRequestUploadResponse>(page.Items.Select(r => new PhotoRequestUploadResponse(r.Id, r.FileName, r.SizeBytes,
            r.Status, r.FailureReason, r.AssetId, r.AssetId is { } a ? thumbnails.GetValueOrDefault(a) : null, r.CreatedAt, r.UpdatedAt)).ToList(),
            page.NextCursor), ct);
    }
}
