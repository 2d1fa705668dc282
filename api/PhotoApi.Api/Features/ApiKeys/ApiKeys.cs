using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.ApiKeys;

public sealed class CreateApiKeyRequest
{
    public string Name { get; set; } = "";
}

public sealed class CreateApiKeyValidator : Validator<CreateApiKeyRequest>
{
    public CreateApiKeyValidator() => RuleFor(x => x.Name).NotEmpty().MaximumLength(100);
}

/// <summary>The key itself appears only in this answer; PhotoApi keeps its SHA-256.</summary>
public sealed record CreateApiKeyResponse(Guid Id, string Name, string Prefix, string Key, DateTime CreatedAt);

/// <summary>
/// A key as listed. A password change or reset, or disabling the account, revokes every key of the user for good:
/// it stays listed with <c>RevokedAt</c> and <c>RevokedReason</c> (<c>password_changed</c>, <c>password_reset</c>,
/// <c>account_disabled</c>) until its owner deletes it, or for 90 days.
/// </summary>
public sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt, string? RevokedReason);

/// <summary>Creates an API key for integrations (sent as X-Api-Key). It acts as its user, except for credential management.</summary>
[Access(AccessScope.SignedIn)]
public sealed class CreateApiKeyEndpoint(NpgsqlDataSource db) : Endpoint<CreateApiKeyRequest, CreateApiKeyResponse>
{
    private const string InsertSql = """
        INSERT INTO api_keys (id, user_id, name, prefix, key_hash) VALUES (@id, @userId, @name, @prefix, @hash)
        RETURNING created_at
        """;

    public override void Configure()
    {
        Post("api-keys");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("createApiKey").ClearDefaultProduces(200).Produces<CreateApiKeyResponse>(201));
    }

    public override async Task HandleAsync(CreateApiKeyRequest req, CancellationToken ct)
    {
        var key = Secrets.NewToken("pak_");
        var id = Guid.CreateVersion7();
        var prefix = key[..10];
        await using var conn = await db.OpenConnectionAsync(ct);
        var createdAt = await conn.ExecuteScalarAsync<DateTime>(new CommandDefinition(InsertSql,
            new { id, userId = User.UserId(), name = req.Name.Trim(), prefix, hash = Secrets.Hash(key) }, cancellationToken: ct));
        await Send.ResponseAsync(new CreateApiKeyResponse(id, req.Name.Trim(), prefix, key, createdAt), 201, ct);
    }
}

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
public sealed class ListApiKeysEndpoint(NpgsqlDataSource db) : Endpoint<ListApiKeysRequest, Page<ApiKeyResponse>>
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
        var rows = (await conn.QueryAsync<ApiKeyResponse>(new CommandDefinition(ListSql,
            new { userId = User.UserId(), after = req.After(), take = req.Limit() + 1 }, cancellationToken: ct))).AsList();
        await Send.OkAsync(rows.ToPage(req.Limit(), r => r.Id), ct);
    }
}

public sealed class DeleteApiKeyRequest
{
    public Guid Id { get; set; }
}

/// <summary>Revokes a key at once. Another user's key id answers 404, like an unknown one.</summary>
[Access(AccessScope.SignedIn)]
public sealed class DeleteApiKeyEndpoint(NpgsqlDataSource db) : Endpoint<DeleteApiKeyRequest>
{
    private const string DeleteSql = "DELETE FROM api_keys WHERE id = @id AND user_id = @userId";

    public override void Configure()
    {
        Delete("api-keys/{id}");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("deleteApiKey"));
    }

    public override async Task HandleAsync(DeleteApiKeyRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { id = req.Id, userId = User.UserId() }, cancellationToken: ct)) == 0)
            throw ApiException.NotFound("The API key");
        await Send.NoContentAsync(ct);
    }
}
