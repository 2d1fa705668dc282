using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Partners;

public sealed class ListPartnersRequest : IPagedRequest
{
    /// <summary><c>shared-by</c> (default: whom I share my library with) or <c>shared-with</c> (who shares theirs with me).</summary>
    [QueryParam] public string? Direction { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPartnersValidator : Validator<ListPartnersRequest>
{
    public ListPartnersValidator()
    {
        RuleFor(x => x.Direction).Must(d => d.IsOneOf(PartnerDirections.SharedBy, PartnerDirections.SharedWith)).When(x => x.Direction is not null)
            .WithMessage("One of: shared-by, shared-with.");
        this.AddPagingRules();
    }
}

[Access(AccessScope.Caller)]
public sealed class ListPartnersEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListPartnersRequest, Page<PartnerResponse>>
{
    // Each direction is a range of one key in the other user's id order: partners_pkey (owner_id, partner_id) for the
    // partners the caller shares with, partners_partner_id_idx for those who share with the caller.
    private static string PageSql(string direction, string mine, string other) => $"""
        SELECT u.id AS user_id, u.username, u.display_name, '{direction}' AS direction, p.in_timeline, p.created_at
        FROM partners p JOIN users u ON u.id = {other}
        WHERE {mine} = @userId AND {other} > @after
        ORDER BY {other} LIMIT @take
        """;

    private static readonly Dictionary<string, string> Sql = new()
    {
        [PartnerDirections.SharedBy] = PageSql(PartnerDirections.SharedBy, "p.owner_id", "p.partner_id"),
        [PartnerDirections.SharedWith] = PageSql(PartnerDirections.SharedWith, "p.partner_id", "p.owner_id"),
    };

    public override void Configure()
    {
        Get("partners");
        Description(d => d.WithName("listPartners"));
    }

    public override async Task HandleAsync(ListPartnersRequest req, CancellationToken ct)
    {
        var direction = req.Direction ?? PartnerDirections.SharedBy;
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await lists.QueryAsync<PartnerResponse>(conn, new ListQuery($"listPartners:{direction}", Sql[direction],
            new { userId = HttpContext.Principal().UserId, after = req.After(), take = req.Limit() + 1 }), ct)).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), p => p.UserId), ct);
    }
}
