using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Access;

using PhotoApi.Api.Infrastructure.Data;

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
public sealed class ListGroupsEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListGroupsRequest, Page<GroupResponse>>
{
    // A range of groups_pkey that stops at the page; each row's members are read by group_members' key.
    private const string ListSql = """
        SELECT g.id, g.name, g.description, g.photo_library_allowed,
               coalesce((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM group_members m WHERE m.group_id = g.id), '{}') AS member_ids,
               g.created_at, g.updated_at
        FROM groups g
        WHERE g.id > @after
        ORDER BY g.id LIMIT @take
        """;

    public override void Configure()
    {
        Get("groups");
        Description(d => d.WithName("listGroups"));
    }

    public override async Task HandleAsync(ListGroupsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync(lists.Command(new ListQuery("listGroups", ListSql, new { after = req.After(), take = req.Limit() + 1 }), ct)))
            .Select(r => new GroupResponse((Guid)r.id, (string)r.name, (string)r.description, (bool)r.photo_library_allowed, (Guid[])r.member_ids,
                (DateTime)r.created_at, (DateTime)r.updated_at)).ToList();
        await Send.OkAsync(rows.ToPage(req.Limit(), g => g.Id), ct);
    }
}
