using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.PhotoRequests;

/// <summary>
/// Deletes a photo request: its link stops working at once. Files already stored stay in the owner's library; files
/// still waiting to be processed are discarded (their bytes queued for the blob collector as their rows go).
/// </summary>
[Access(Permission.PhotoRequestManage, On = "id", What = "The photo request")]
public sealed class DeletePhotoRequestEndpoint(NpgsqlDataSource db, IJobQueue jobs) : Endpoint<IdRequest>
{
    // The files still waiting go with their upload rows: a trigger queues their keys for the blob collector.
    private const string DeleteSql = "DELETE FROM photo_requests WHERE id = @id";

    public override void Configure()
    {
        Delete("photo-requests/{id}");
        Description(d => d.WithName("deletePhotoRequest").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
            await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { id = req.Id }, cancellationToken: ct));
        jobs.Enqueue<IBlobCollectorJob>(Queues.Maintenance, j => j.CollectAsync(CancellationToken.None));
        await Send.NoContentAsync(ct);
    }
}
