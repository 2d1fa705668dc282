using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.Shares;

[Access(Permission.ShareManage, On = "id", What = "The share")]
public sealed class GetShareEndpoint(NpgsqlDataSource db) : Endpoint<IdRequest, ShareResponse>
{
    public override void Configure()
    {
        Get("shares/{id}");
        Description(d => d.WithName("getShare"));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await ShareStore.GetAsync(conn, HttpContext.Request, req.Id, ct), ct);
    }
}
