using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Albums;

public sealed class ListAlbumsRequest : IPagedRequest
{
    /// <summary><c>owned</c>, <c>shared</c> (shared with the caller) or <c>all</c> (default).</summary>
    [QueryParam] public string? Scope { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListAlbumsValidator : Validator<ListAlbumsRequest>
{
    public ListAlbumsValidator()
    {
        RuleFor(x => x.Scope).Must(s => s.IsOneOf("owned", "shared", "all")).When(x => x.Scope is not null).WithMessage("One of: owned, shared, all.");
        this.AddPagingRules();
    }
}

/// <summary>The albums the caller owns and those shared with them (directly or through a group), oldest first.</summary>
/// <remarks>
/// Each scope is its own query, shaped so that its cost follows the caller's own sets: the owned albums are a range of
/// <c>albums_owner_id_idx</c> that stops at the page; the shared ones start from the caller's invitations; <c>all</c>
/// merges the two LIMITed branches. The columns (role, size from the counters) are computed for the page's rows only.
/// </remarks>
[Access(AccessScope.Caller)]
public sealed class ListAlbumsEndpoint(NpgsqlDataSource db, ListQueries lists, Assets.MediaSigner signer) : Endpoint<ListAlbumsRequest, Page<AlbumResponse>>
{
    private const string OwnedIds = """
        SELECT al.id FROM albums al
        WHERE al.owner_id = @userId AND al.kind <> 'selection' AND al.id > @after
        ORDER BY al.id LIMIT @take
        """;

    // Shared with the caller by an active owner; their own albums are listed as owned even when also shared with them.
    private static readonly string SharedIds = $"""
        SELECT al.id FROM albums al
        WHERE al.id IN (SELECT s.album_id FROM ({AccessPolicy.CallerInvitations}) inv JOIN shares s ON s.id = inv.share_id)
          AND al.owner_id <> @userId AND al.kind <> 'selection' AND al.id > @after AND {AccessPolicy.UserActive("al.owner_id")}
        ORDER BY al.id LIMIT @take
        """;

    private static string Page(string ids) => $"""
        SELECT {AlbumStore.Columns}
        FROM ({ids}) page JOIN albums al ON al.id = page.id JOIN users u ON u.id = al.owner_id
        ORDER BY al.id
        """;

    private static readonly Dictionary<string, string> Sql = new()
    {
        ["owned"] = Page(OwnedIds),
        ["shared"] = Page(SharedIds),
        ["all"] = Page($"SELECT id FROM (({OwnedIds}) UNION ALL ({SharedIds})) merged ORDER BY id LIMIT @take"),
    };

    public override void Configure()
    {
        Get("albums");
        Description(d => d.WithName("listAlbums"));
    }

    public override async Task HandleAsync(ListAlbumsRequest req, CancellationToken ct)
    {
        var scope = req.Scope ?? "all";
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await lists.QueryAsync<AlbumStore.Row>(conn, new ListQuery($"listAlbums:{scope}", Sql[scope], new
        {
            userId = HttpContext.Principal().UserId, after = req.After(), take = req.Limit() + 1,
        }), ct)).AsList();
        var urls = await signer.UrlsAsync(ct);
        await Send.OkAsync(rows.Select(r => r.ToResponse(urls)).ToList().ToPage(req.Limit(), a => a.Id), ct);
    }
}
