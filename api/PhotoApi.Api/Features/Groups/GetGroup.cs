using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Groups;

[Access(AccessScope.SignedIn)]
public sealed class GetGroupEndpoint(NpgsqlDataSource db) : Endpoint<GroupIdRequest, GroupResponse>
{
    public override void Configure()
    {
        Get("groups/{id}");
        Description(d => d.WithName("getGroup"));
    }

    public override async Task HandleAsync(GroupIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await GroupStore.GetAsync(conn, req.Id, ct), ct);
    }
}
