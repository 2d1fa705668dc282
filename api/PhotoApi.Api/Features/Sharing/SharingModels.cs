using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Sharing;

public sealed class SharingPageRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class SharingPageValidator : Validator<SharingPageRequest>
{
    public SharingPageValidator() => this.AddPagingRules(maxCursorLength: 200);
}

/// <summary>A row of a Sharing page list, ordered by (<see cref="SortAt"/>, <see cref="SortId"/>) descending.</summary>
internal interface ISharingRow
{
    DateTime SortAt { get; }
    Guid SortId { get; }
}

internal static class SharingPages
{
    /// <summary>The keyset condition of the pages after the first, on the columns <paramref name="at"/> and <paramref name="id"/>.</summary>
    public static string After(string at, string id) => $"({at}, {id}) < (@afterAt, @afterId)";

    /// <summary>
    /// Runs a page query (<paramref name="sql"/> for the first page, or for the pages after a cursor; parameters @userId,
    /// @isAdmin, @take, and @afterAt, @afterId after a cursor) as list query <paramref name="name"/>, and returns one page
    /// and the next cursor.
    /// </summary>
    public static async Task<(List<T> Page, string? NextCursor)> FetchAsync<T>(NpgsqlDataSource db, ListQueries lists, string name,
        Func<bool, string> sql, SharingPageRequest req, Principal principal, CancellationToken ct)
        where T : ISharingRow
    {
        var (afterAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        var args = new DynamicParameters(new { userId = principal.UserId, isAdmin = principal.IsAdmin, take = limit + 1 });
        if (afterAt is { } at)
        {
            args.Add("afterAt", at);
            args.Add("afterId", afterId);
        }
        await using var conn = await db.OpenConnectionAsync(ct);
        var query = new ListQuery(afterAt is null ? name : $"{name}:next", sql(afterAt is not null), args);
        var rows = (await lists.QueryAsync<T>(conn, query, ct)).AsList();
        var page = rows.Take(limit).ToList();
        return (page, rows.Count > limit ? TimelineCursor.Of(page[^1].SortAt, page[^1].SortId) : null);
    }
}
