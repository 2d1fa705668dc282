using FastEndpoints;
using FluentValidation;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Common;

/// <summary>The envelope of every list: <c>{ items, nextCursor }</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Query parameters shared by every list.</summary>
public interface IPagedRequest
{
    int? Limit { get; }
    string? Cursor { get; }
}

/// <summary>The query of a list that takes nothing but the paging (<c>listExports</c>'s; the older lists spell it out).</summary>
public class PagedRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

/// <summary>
/// Keyset pagination over UUIDv7 ids (they sort by creation time). The cursor is the last id seen, base64url-encoded;
/// clients treat it as opaque.
/// </summary>
public static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static int Limit(this IPagedRequest r) => r.Limit ?? DefaultLimit;

    /// <summary>The id after which the page starts; <see cref="Guid.Empty"/> for the first page.</summary>
    public static Guid After(this IPagedRequest r)
    {
        if (string.IsNullOrEmpty(r.Cursor)) return Guid.Empty;
        try
        {
            return new Guid(Secrets.FromBase64Url(r.Cursor));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw ApiException.Validation("cursor", "The cursor is not one this API returned.");
        }
    }

    /// <summary>Builds the page from rows fetched with <c>LIMIT limit + 1</c>.</summary>
    public static Page<T> ToPage<T>(this IReadOnlyList<T> rows, int limit, Func<T, Guid> id)
    {
        if (rows.Count <= limit) return new Page<T>(rows, null);
        var items = rows.Take(limit).ToList();
        return new Page<T>(items, Secrets.Base64Url(id(items[^1]).ToByteArray()));
    }

    /// <summary>The limit and cursor rules of every list; lists whose cursor carries more than an id allow a longer one.</summary>
    public static void AddPagingRules<T>(this AbstractValidator<T> v, int maxCursorLength = 64) where T : IPagedRequest
    {
        v.RuleFor(x => x.Limit).InclusiveBetween(1, MaxLimit).When(x => x.Limit is not null);
        v.RuleFor(x => x.Cursor).MaximumLength(maxCursorLength);
    }
}
