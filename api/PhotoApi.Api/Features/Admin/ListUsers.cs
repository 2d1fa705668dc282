using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Admin;

public sealed class ListUsersRequest : IPagedRequest
{
    /// <summary>Part of the username, display name or email.</summary>
    [QueryParam] public string? Q { get; set; }
    [QueryParam] public string? Status { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListUsersValidator : Validator<ListUsersRequest>
{
    public ListUsersValidator()
    {
        this.AddPagingRules();
        RuleFor(x => x.Q).MaximumLength(100);
        RuleFor(x => x.Status).Must(s => s.IsOneOf("pending", "active", "disabled")).When(x => x.Status is not null)
            .WithMessage("One of: pending, active, disabled.");
    }
}

[Access(AccessScope.Admin)]
public sealed class ListUsersEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListUsersRequest, Page<UserResponse>>
{
    // A range of users_pkey that stops at the page; the filters given (and only those) are checked on the rows it reads.
    private static string ListSql(bool status, bool q) => $"""
        SELECT {UserQueries.Columns} FROM users
        WHERE id > @after
          {(status ? "AND status = @status" : "")}
          {(q ? "AND (username ILIKE @pattern OR display_name ILIKE @pattern OR email ILIKE @pattern)" : "")}
        ORDER BY id LIMIT @take
        """;

    private static readonly Dictionary<(bool Status, bool Q), string> Sql = new()
    {
        [(false, false)] = ListSql(false, false), [(true, false)] = ListSql(true, false),
        [(false, true)] = ListSql(false, true), [(true, true)] = ListSql(true, true),
    };

    public override void Configure()
    {
        Get("admin/users");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("listUsers"));
    }

    public override async Task HandleAsync(ListUsersRequest req, CancellationToken ct)
    {
        var filters = (Status: req.Status is not null, Q: req.Q is not null);
        var args = new DynamicParameters(new { after = req.After(), take = req.Limit() + 1 });
        if (filters.Status) args.Add("status", req.Status);
        if (filters.Q) args.Add("pattern", Like.Contains(req.Q));
        var name = "listUsers" + (filters.Status ? ":status" : "") + (filters.Q ? ":q" : "");
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await lists.QueryAsync<UserResponse>(conn, new ListQuery(name, Sql[filters], args), ct)).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), u => u.Id), ct);
    }
}
