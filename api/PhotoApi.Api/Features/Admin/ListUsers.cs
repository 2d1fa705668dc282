using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;

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
public sealed class ListUsersEndpoint(NpgsqlDataSource db) : Endpoint<ListUsersRequest, Page<UserResponse>>
{
    private const string ListSql = $"""
        SELECT {UserQueries.Columns} FROM users
        WHERE id > @after
          AND (@status::text IS NULL OR status = @status)
          AND (@q::text IS NULL OR username ILIKE @pattern OR display_name ILIKE @pattern OR email ILIKE @pattern)
        ORDER BY id LIMIT @take
        """;

    public override void Configure()
    {
        Get("admin/users");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("listUsers"));
    }

    public override async Task HandleAsync(ListUsersRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<UserResponse>(new CommandDefinition(ListSql, new
        {
            after = req.After(), status = req.Status, q = req.Q, pattern = Like.Contains(req.Q), take = req.Limit() + 1,
        }, cancellationToken: ct))).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), u => u.Id), ct);
    }
}
