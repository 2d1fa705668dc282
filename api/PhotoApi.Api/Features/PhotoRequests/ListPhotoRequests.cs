using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.PhotoRequests;

public sealed class ListPhotoRequestsRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPhotoRequestsValidator : Validator<ListPhotoRequestsRequest>
{
    public ListPhotoRequestsValidator() => this.AddPagingRules();
}

/// <summary>The caller's photo requests (the Sharing page's "Photo Requests"), oldest first.</summary>
[Access(AccessScope.Caller)]
public sealed class ListPhotoRequestsEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListPhotoRequestsRequest, Page<PhotoRequestResponse>>
{
    private const string ListSql = $"""
        SELECT {PhotoRequestStore.Columns} FROM photo_requests r
        WHERE r.owner_id = @userId AND r.id > @after ORDER BY r.id LIMIT @take
        """;

    public override void Configure()
    {
        Get("photo-requests");
        Description(d => d.WithName("listPhotoRequests"));
    }

    public override async Task HandleAsync(ListPhotoRequestsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await lists.QueryAsync<PhotoRequestResponse>(conn, new ListQuery("listPhotoRequests", ListSql,
            new { userId = HttpContext.Principal().UserId, after = req.After(), take = req.Limit() + 1 }), ct))
            .Select(r => PhotoRequestStore.WithUrl(r, HttpContext.Request)).ToList();
        await Send.OkAsync(rows.ToPage(req.Limit(), r => r.Id), ct);
    }
}
