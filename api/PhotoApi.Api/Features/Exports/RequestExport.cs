using PhotoApi.Api.Features.Audit;
using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Exports;

/// <summary>
/// Starts an export of the caller's library (an API key may, acting as its user): 202 with the export, pending until the
/// worker has prepared it (<see cref="IExportJob"/>). One export is prepared per user at a time: asked again while one is
/// pending, the answer is that export (202, same id), not a second one. Recorded in the audit trail
/// (<c>account.exported</c>) with the new export, in its transaction.
/// </summary>
[Access(AccessScope.Caller)]
public sealed class RequestExportEndpoint(NpgsqlDataSource db, IJobQueue jobs, ArchiveLinks links) : EndpointWithoutRequest<ExportResponse>
{
    // The partial unique index (one pending export per owner) decides between two concurrent requests.
    private const string InsertSql = $"""
        INSERT INTO exports (id, owner_id) VALUES (@id, @ownerId)
        ON CONFLICT (owner_id) WHERE status = 'pending' DO NOTHING
        RETURNING {ExportQueries.Columns}
        """;

    private const string PendingSql = $"SELECT {ExportQueries.Columns} FROM exports WHERE owner_id = @ownerId AND status = 'pending'";

    public override void Configure()
    {
        Post("users/me/export");
        Description(d => d.WithName("requestExport").ClearDefaultProduces(200).Produces<ExportResponse>(202));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var ownerId = User.UserId();
        ExportRow? export = null;
        var created = false;
        await using var conn = await db.OpenConnectionAsync(ct);
        // A pending export that finished between the insert and the read: try again (a new one may now be made).
        for (var attempt = 0; export is null && attempt < 3; attempt++)
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            export = await conn.QuerySingleOrDefaultAsync<ExportRow>(new CommandDefinition(InsertSql, new { id = Guid.CreateVersion7(), ownerId }, tx, cancellationToken: ct));
            if (export is not null)
            {
                created = true;
                await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("account.exported", ownerId, "export", export.Id, new { viaApiKey = User.ApiKeyId() is not null }), ct);
            }
            else export = await conn.QuerySingleOrDefaultAsync<ExportRow>(new CommandDefinition(PendingSql, new { ownerId }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
        if (export is null) throw new InvalidOperationException("No export was made nor found pending.");
        if (created)
        {
            var id = export.Id;
            jobs.Enqueue<IExportJob>(Queues.Default, j => j.PrepareAsync(id, CancellationToken.None));
        }
        await Send.ResponseAsync(await ExportQueries.ResponseAsync(export, User, links, ct), 202, ct);
    }
}
