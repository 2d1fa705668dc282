using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Groups;

public sealed class ListGroupsRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListGroupsValidator : Validator<ListGroupsRequest>
{
    public ListGroupsValidator() => this.AddPagingRules();
}

/// <summary>Every signed-in user may read groups (they pick them as invitees); only admins change them.</summary>
[Access(AccessScope.SignedIn)]
public sealed class ListGroupsEndpoint(NpgsqlDataSource db) : Endpoint<ListGroupsRequest, Page<GroupResponse>>
{
    public override void Configure()
    {
        Get("groups");
        Description(d => d.WithName("listGroups"));
    }

    public override async Task HandleAsync(ListGroupsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await GroupStore.ListAsync(conn, null, req.After(), req.Limit() + 1, ct);
        await Send.OkAsync(rows.ToPage(req.Limit(), g => g.Id), ct);
    }
}
