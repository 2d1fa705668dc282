using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Access;

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
public sealed class SearchPrincipalsEndpoint(NpgsqlDataSource db) : Endpoint<SearchPrincipalsRequest, SearchPrincipalsResponse>
{
    private const string SearchSql = """
        SELECT type, id, name, display_name FROM (
            SELECT 'user' AS type, id, username AS name, display_name FROM users
            WHERE status = 'active' AND (@pattern::text IS NULL OR username ILIKE @pattern OR display_name ILIKE @pattern)
            UNION ALL
            SELECT 'group', id, name, name FROM groups
            WHERE @pattern::text IS NULL OR name ILIKE @pattern
        ) p
        WHERE @type::text IS NULL OR type = @type
        ORDER BY lower(display_name), id
        LIMIT @take
        """;

    public override void Configure()
    {
        Get("principals");
        Description(d => d.WithName("searchPrincipals"));
    }

    public override async Task HandleAsync(SearchPrincipalsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var q = string.IsNullOrWhiteSpace(req.Q) ? null : req.Q.Trim();
        var rows = await conn.QueryAsync<PrincipalResponse>(new CommandDefinition(SearchSql,
            new { pattern = Like.Contains(q), type = req.Type, take = req.Limit ?? 20 }, cancellationToken: ct));
        await Send.OkAsync(new SearchPrincipalsResponse(rows.AsList()), ct);
    }
}
