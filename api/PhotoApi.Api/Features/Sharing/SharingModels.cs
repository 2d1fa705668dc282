using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;

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
    /// <summary>Runs a list query (parameters @userId, @isAdmin, @afterAt, @afterId, @take) and returns one page and the next cursor.</summary>
    public static async Task<(List<T> Page, string? NextCursor)> FetchAsync<T>(NpgsqlDataSource db, string sql, SharingPageRequest req, Principal principal, CancellationToken ct)
        where T : ISharingRow
    {
        var (afterAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<T>(new CommandDefinition(sql, new { userId = principal.UserId, isAdmin = principal.IsAdmin, afterAt, afterId, take = limit + 1 },
            cancellationToken: ct))).AsList();
        var page = rows.Take(limit).ToList();
        return (page, rows.Count > limit ? TimelineCursor.Of(page[^1].SortAt, page[^1].SortId) : null);
    }
}
