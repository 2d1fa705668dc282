using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PhotoRequests;

/// <summary>
/// Deletes a photo request: its link stops working at once. Files already stored stay in the owner's library; files
/// still waiting to be processed are discarded.
/// </summary>
[Access(Permission.PhotoRequestManage, On = "id", What = "The photo request")]
public sealed class DeletePhotoRequestEndpoint(NpgsqlDataSource db, IBlobStore blobs) : Endpoint<IdRequest>
{
    private const string DeleteSql = """
        WITH waiting AS (SELECT raw_blob_key FROM photo_request_uploads WHERE request_id = @id AND raw_blob_key IS NOT NULL),
             gone AS (DELETE FROM photo_requests WHERE id = @id)
        SELECT raw_blob_key FROM waiting
        """;

    public override void Configure()
    {
        Delete("photo-requests/{id}");
        Description(d => d.WithName("deletePhotoRequest").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        List<string> raws;
        await using (var conn = await db.OpenConnectionAsync(ct))
            raws = (await conn.QueryAsync<string>(new CommandDefinition(DeleteSql, new { id = req.Id }, cancellationToken: ct))).AsList();
        foreach (var key in raws) await blobs.DeleteAsync(key, ct);
        await Send.NoContentAsync(ct);
    }
}
