using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.PhotoRequests;

[Access(Permission.PhotoRequestManage, On = "id", What = "The photo request")]
public sealed class GetPhotoRequestEndpoint(NpgsqlDataSource db) : Endpoint<IdRequest, PhotoRequestResponse>
{
    public override void Configure()
    {
        Get("photo-requests/{id}");
        Description(d => d.WithName("getPhotoRequest"));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await PhotoRequestStore.GetAsync(conn, HttpContext.Request, req.Id, ct), ct);
    }
}
