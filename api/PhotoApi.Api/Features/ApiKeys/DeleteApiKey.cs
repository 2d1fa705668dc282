using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.ApiKeys;

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
