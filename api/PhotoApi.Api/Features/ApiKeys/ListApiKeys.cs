using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.ApiKeys;

/// <summary>
/// A key as listed. A password change or reset, or disabling the account, revokes every key of the user for good:
/// it stays listed with <c>RevokedAt</c> and <c>RevokedReason</c> (<c>password_changed</c>, <c>password_reset</c>,
/// <c>account_disabled</c>) until its owner deletes it, or for 90 days.
/// </summary>
public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt, string? RevokedReason);

public sealed class ListApiKeysRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListApiKeysValidator : Validator<ListApiKeysRequest>
{
    public ListApiKeysValidator() => this.AddPagingRules();
}

/// <summary>The caller's keys. Like every credential operation it needs a signed-in person, not an API key.</summary>
[Access(AccessScope.SignedIn)]
public sealed class ListApiKeysEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListApiKeysRequest, Page<ApiKeyResponse>>
{
    private const string ListSql = """
        SELECT id, name, prefix, created_at, last_used_at, revoked_at, revoked_why AS revoked_reason FROM api_keys
        WHERE user_id = @userId AND id > @after
        ORDER BY id LIMIT @take
        """;

    public override void Configure()
    {
        Get("api-keys");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("listApiKeys"));
    }

    public override async Task HandleAsync(ListApiKeysRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await lists.QueryAsync<ApiKeyResponse>(conn, new ListQuery("listApiKeys", ListSql,
            new { userId = User.UserId(), after = req.After(), take = req.Limit() + 1 }), ct)).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), r => r.Id), ct);
    }
}
