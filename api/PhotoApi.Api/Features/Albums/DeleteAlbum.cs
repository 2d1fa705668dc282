using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.Albums;

/// <summary>Deletes an album and its share (its owner only). The assets stay where they are.</summary>
[Access(Permission.AlbumDelete, Permission.AlbumView, On = "id", What = "The album", SeenWith = Permission.AlbumView)]
public sealed class DeleteAlbumEndpoint(NpgsqlDataSource db) : Endpoint<IdRequest>
{
    public override void Configure()
    {
        Delete("albums/{id}");
        Description(d => d.WithName("deleteAlbum").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM albums WHERE id = @id", new { id = req.Id }, cancellationToken: ct));
        await Send.NoContentAsync(ct);
    }
}
