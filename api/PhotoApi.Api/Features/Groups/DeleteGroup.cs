using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Groups;

[Access(AccessScope.Admin)]
public sealed class DeleteGroupEndpoint(NpgsqlDataSource db) : Endpoint<GroupIdRequest>
{
    private const string DeleteSql = "DELETE FROM groups WHERE id = @id RETURNING name";

    public override void Configure()
    {
        Delete("groups/{id}");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("deleteGroup"));
    }

    public override async Task HandleAsync(GroupIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var name = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(DeleteSql, new { req.Id }, tx, cancellationToken: ct))
            ?? throw ApiException.NotFound("The group");
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("group.deleted", null, "group", req.Id, new { name }), ct);
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
