using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Groups;

[Access(AccessScope.Admin)]
public sealed class DeleteGroupEndpoint(NpgsqlDataSource db) : Endpoint<GroupIdRequest>
{
    private const string DeleteSql = "DELETE FROM groups WHERE id = @id";

    public override void Configure()
    {
        Delete("groups/{id}");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("deleteGroup"));
    }

    public override async Task HandleAsync(GroupIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { req.Id }, cancellationToken: ct)) == 0)
            throw ApiException.NotFound("The group");
        await Send.NoContentAsync(ct);
    }
}
