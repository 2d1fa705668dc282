using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
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
public sealed record PhotoRequestUploadResponse(Guid Id, string FileName, long SizeBytes, string Status, string? FailureReason, Guid? AssetId,
    DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>What guests sent to a request, oldest first, with each file's status and resulting asset.</summary>
[Access(Permission.PhotoRequestManage, On = "id", What = "The photo request")]
public sealed class ListPhotoRequestUploadsEndpoint(NpgsqlDataSource db, ListQueries queries) : Endpoint<ListPhotoRequestUploadsRequest, Page<PhotoRequestUploadResponse>>
{
    /// <summary>A range scan of <c>photo_request_uploads_request_idx (request_id, id)</c> that stops at the LIMIT.</summary>
    private const string ListSql = """
        SELECT id, file_name, size_bytes, status, failure_reason, asset_id, created_at, updated_at
        FROM photo_request_uploads WHERE request_id = @requestId AND id > @after ORDER BY id LIMIT @take
        """;

    public override void Configure()
    {
        Get("photo-requests/{id}/uploads");
        Description(d => d.WithName("listPhotoRequestUploads"));
    }

    public override async Task HandleAsync(ListPhotoRequestUploadsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<PhotoRequestUploadResponse>(queries.Command(new ListQuery("listPhotoRequestUploads", ListSql,
            new { requestId = req.Id, after = req.After(), take = req.Limit() + 1 }), ct))).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), r => r.Id), ct);
    }
}
