using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

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
        var userId = User.UserId();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var createdAt = await conn.ExecuteScalarAsync<DateTime>(new CommandDefinition(InsertSql,
            new { id, userId, name = req.Name.Trim(), prefix, hash = Secrets.Hash(key) }, tx, cancellationToken: ct));
        // The prefix only (what the key list shows too), never the key.
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("api-key.created", userId, "api-key", id, new { name = req.Name.Trim(), prefix }), ct);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(new CreateApiKeyResponse(id, req.Name.Trim(), prefix, key, createdAt), 201, ct);
    }
}
