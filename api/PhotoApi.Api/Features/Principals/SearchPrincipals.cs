using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Principals;

public sealed class SearchPrincipalsRequest
{
    /// <summary>Part of a username, display name or group name. Empty lists the first principals by name.</summary>
    [QueryParam] public string? Q { get; set; }
    /// <summary><c>user</c> or <c>group</c>; both when absent.</summary>
    [QueryParam] public string? Type { get; set; }
    [QueryParam] public int? Limit { get; set; }
}

public sealed class SearchPrincipalsValidator : Validator<SearchPrincipalsRequest>
{
    public SearchPrincipalsValidator()
    {
        RuleFor(x => x.Q).MaximumLength(100);
        RuleFor(x => x.Type).Must(t => t.IsOneOf("user", "group")).When(x => x.Type is not null).WithMessage("One of: user, group.");
        RuleFor(x => x.Limit).InclusiveBetween(1, 100).When(x => x.Limit is not null);
    }
}

/// <summary>A user or group as an invitee picker shows it. Emails are not shown to other users.</summary>
public sealed record PrincipalResponse(string Type, Guid Id, string Name, string DisplayName);

public sealed record SearchPrincipalsResponse(IReadOnlyList<PrincipalResponse> Items);

/// <summary>Finds active users and groups to share with. Pending and disabled accounts are not offered.</summary>
[Access(AccessScope.SignedIn)]
public sealed class SearchPrincipalsEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<SearchPrincipalsRequest, SearchPrincipalsResponse>
{
    // A merge of the kinds asked for, each read in name order from its index (users_active_name_idx, groups_name_key)
    // and cut at the limit before the merge; a search term is checked on the rows read.
    private static string SearchSql(bool users, bool groups, bool q)
    {
        var branches = new List<string>();
        if (users) branches.Add($"""
            SELECT 'user' AS type, id, username AS name, display_name FROM users
            WHERE status = 'active' {(q ? "AND (username ILIKE @pattern OR display_name ILIKE @pattern)" : "")}
            ORDER BY lower(display_name), id LIMIT @take
            """);
        if (groups) branches.Add($"""
            SELECT 'group' AS type, id, name, name AS display_name FROM groups
            {(q ? "WHERE name ILIKE @pattern" : "")}
            ORDER BY lower(name), id LIMIT @take
            """);
        return $"""
            SELECT type, id, name, display_name FROM ({string.Join(" UNION ALL ", branches.Select(b => $"({b})"))}) p
            ORDER BY lower(display_name), id
            LIMIT @take
            """;
    }

    private static readonly Dictionary<(string? Type, bool Q), string> Sql = new[] { (string?)null, "user", "group" }
        .SelectMany(type => new[] { false, true }.Select(q => (type, q)))
        .ToDictionary(k => k, k => SearchSql(k.type != "group", k.type != "user", k.q));

    public override void Configure()
    {
        Get("principals");
        Description(d => d.WithName("searchPrincipals"));
    }

    public override async Task HandleAsync(SearchPrincipalsRequest req, CancellationToken ct)
    {
        var q = string.IsNullOrWhiteSpace(req.Q) ? null : req.Q.Trim();
        var args = new DynamicParameters(new { take = req.Limit ?? 20 });
        if (q is not null) args.Add("pattern", Like.Contains(q));
        var name = "searchPrincipals" + (req.Type is null ? "" : $":{req.Type}") + (q is null ? "" : ":q");
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await lists.QueryAsync<PrincipalResponse>(conn, new ListQuery(name, Sql[(req.Type, q is not null)], args), ct);
        await Send.OkAsync(new SearchPrincipalsResponse(rows.AsList()), ct);
    }
}
