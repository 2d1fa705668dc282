using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

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
public sealed class ListPartnersEndpoint(NpgsqlDataSource db) : Endpoint<ListPartnersRequest, Page<PartnerResponse>>
{
    public override void Configure()
    {
        Get("partners");
        Description(d => d.WithName("listPartners"));
    }

    public override async Task HandleAsync(ListPartnersRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await PartnerStore.ListAsync(conn, HttpContext.Principal().UserId, req.Direction ?? PartnerDirections.SharedBy, null, req.After(), req.Limit() + 1, ct);
        await Send.OkAsync(rows.ToPage(req.Limit(), p => p.UserId), ct);
    }
}
