using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Exports;

public sealed class ListExportsRequest : PagedRequest;

public sealed class ListExportsValidator : Validator<ListExportsRequest>
{
    // The cursor carries a time and an id (the timeline's cursor), longer than an id alone.
    public ListExportsValidator() => this.AddPagingRules(maxCursorLength: 200);
}

/// <summary>
/// The caller's exports (an API key's: its user's), newest first by (<c>createdAt</c>, <c>id</c>), each as
/// <c>getExport</c> answers it but without a download link (a link is a row written: a list, read by scripts and on every
/// visit of the account page, writes none; <c>getExport</c> of a ready one gives it) — so that a page that was left finds
/// the export it asked for (<c>?limit=1</c>: the newest). A range of <c>exports_owner_created_idx</c> that stops at the page.
/// </summary>
[Access(AccessScope.Caller)]
public sealed class ListExportsEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListExportsRequest, Page<ExportResponse>>
{
    private const string FirstSql = $"""
        SELECT {ExportQueries.Columns} FROM exports
        WHERE owner_id = @ownerId
        ORDER BY created_at DESC, id DESC LIMIT @take
        """;

    private const string NextSql = $"""
        SELECT {ExportQueries.Columns} FROM exports
        WHERE owner_id = @ownerId AND (created_at, id) < (@afterAt, @afterId)
        ORDER BY created_at DESC, id DESC LIMIT @take
        """;

    public override void Configure()
    {
        Get("users/me/exports");
        Description(d => d.WithName("listExports"));
    }

    public override async Task HandleAsync(ListExportsRequest req, CancellationToken ct)
    {
        var (afterAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        var query = afterAt is { } at
            ? new ListQuery("listExports:next", NextSql, new { ownerId = User.UserId(), afterAt = at, afterId, take = limit + 1 })
            : new ListQuery("listExports", FirstSql, new { ownerId = User.UserId(), take = limit + 1 });
        List<ExportRow> rows;
        await using (var conn = await db.OpenConnectionAsync(ct))
            rows = (await lists.QueryAsync<ExportRow>(conn, query, ct)).AsList();
        var items = rows.Take(limit).Select(ExportQueries.Listed).ToList();
        var next = rows.Count > limit ? TimelineCursor.Of(items[^1].CreatedAt, items[^1].Id) : null;
        await Send.OkAsync(new Page<ExportResponse>(items, next), ct);
    }
}
