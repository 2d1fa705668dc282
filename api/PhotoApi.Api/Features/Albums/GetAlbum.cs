using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.Albums;

[Access(Permission.AlbumView, On = "id", What = "The album")]
public sealed class GetAlbumEndpoint(NpgsqlDataSource db, Assets.MediaSigner signer) : Endpoint<IdRequest, AlbumResponse>
{
    public override void Configure()
    {
        Get("albums/{id}");
        Description(d => d.WithName("getAlbum"));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await AlbumStore.GetAsync(conn, signer, HttpContext.Principal().UserId, req.Id, ct), ct);
    }
}
