using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

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
[Access(AccessScope.Caller)]
public sealed class ListAlbumsEndpoint(NpgsqlDataSource db) : Endpoint<ListAlbumsRequest, Page<AlbumResponse>>
{
    private static readonly string ListSql = $"""
        SELECT {AlbumStore.Columns} FROM albums al JOIN users u ON u.id = al.owner_id
        WHERE al.kind <> 'selection' AND al.id > @after AND {AccessPolicy.AlbumVisible("al")}
          AND (@scope <> 'owned' OR al.owner_id = @userId)
          AND (@scope <> 'shared' OR al.owner_id <> @userId)
        ORDER BY al.id LIMIT @take
        """;

    public override void Configure()
    {
        Get("albums");
        Description(d => d.WithName("listAlbums"));
    }

    public override async Task HandleAsync(ListAlbumsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<AlbumStore.Row>(new CommandDefinition(ListSql, new
        {
            userId = HttpContext.Principal().UserId, scope = req.Scope ?? "all", after = req.After(), take = req.Limit() + 1,
        }, cancellationToken: ct))).AsList();
        await Send.OkAsync(rows.Select(r => r.ToResponse()).ToList().ToPage(req.Limit(), a => a.Id), ct);
    }
}
