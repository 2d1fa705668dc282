using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.SharedSpace;

/// <summary>Who has which Shared Space access (admins). A user's own setting wins over their groups'; among groups the widest wins; admins always have Full Access.</summary>
[Access(AccessScope.Admin)]
public sealed class GetSharedSpaceAccessEndpoint(NpgsqlDataSource db) : EndpointWithoutRequest<SharedSpaceAccessResponse>
{
    public override void Configure()
    {
        Get("shared-space/access");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("getSharedSpaceAccess"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await SharedSpaceAccessStore.GetAsync(conn, ct), ct);
    }
}
