using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.ApiKeys;

public sealed class DeleteApiKeyRequest
{
    public Guid Id { get; set; }
}

/// <summary>Revokes a key at once. Another user's key id answers 404, like an unknown one.</summary>
[Access(AccessScope.SignedIn)]
public sealed class DeleteApiKeyEndpoint(NpgsqlDataSource db) : Endpoint<DeleteApiKeyRequest>
{
    private const string DeleteSql = "DELETE FROM api_keys WHERE id = @id AND user_id = @userId RETURNING name, prefix";

    private sealed record Revoked(string Name, string Prefix);

    public override void Configure()
    {
        Delete("api-keys/{id}");
        Policies(Infrastructure.Auth.Policies.InteractiveSession);
        Description(d => d.WithName("deleteApiKey"));
    }

    public override async Task HandleAsync(DeleteApiKeyRequest req, CancellationToken ct)
    {
        var userId = User.UserId();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var key = await conn.QuerySingleOrDefaultAsync<Revoked>(new CommandDefinition(DeleteSql, new { id = req.Id, userId }, tx, cancellationToken: ct))
            ?? throw ApiException.NotFound("The API key");
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("api-key.revoked", userId, "api-key", req.Id, new { name = key.Name, prefix = key.Prefix }), ct);
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
