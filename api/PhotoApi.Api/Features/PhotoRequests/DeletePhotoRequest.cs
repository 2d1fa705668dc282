using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.PhotoRequests;

/// <summary>
/// Deletes a photo request: its link stops working at once. Files already stored stay in the owner's library; files
/// still waiting to be processed are discarded (their bytes queued for the blob collector in the same transaction).
/// </summary>
[Access(Permission.PhotoRequestManage, On = "id", What = "The photo request")]
public sealed class DeletePhotoRequestEndpoint(NpgsqlDataSource db, IJobQueue jobs) : Endpoint<IdRequest>
{
    // Both statements see the rows as they were before the delete (one snapshot): the waiting files' keys are queued as
    // the request and its uploads go.
    private const string DeleteSql = """
        WITH gone AS (DELETE FROM photo_requests WHERE id = @id)
        INSERT INTO orphan_blobs (key)
        SELECT raw_blob_key FROM photo_request_uploads WHERE request_id = @id AND raw_blob_key IS NOT NULL
        ON CONFLICT DO NOTHING
        """;

    public override void Configure()
    {
        Delete("photo-requests/{id}");
        Description(d => d.WithName("deletePhotoRequest").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        int waiting;
        await using (var conn = await db.OpenConnectionAsync(ct))
            waiting = await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { id = req.Id }, cancellationToken: ct));
        if (waiting > 0) jobs.Enqueue<IBlobCollectorJob>(Queues.Maintenance, j => j.CollectAsync(CancellationToken.None));
        await Send.NoContentAsync(ct);
    }
}
