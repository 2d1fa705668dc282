using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Assets;

public sealed record EmptyTrashResponse(int Purged);

/// <summary>
/// Deletes the caller's trashed assets for good. Rows go first (in one transaction); the worker then deletes the bytes of
/// every blob no other asset still uses, so a crash between the two leaves an unreferenced blob, never a broken asset.
/// </summary>
[Access(AccessScope.Caller)]
public sealed class EmptyTrashEndpoint(NpgsqlDataSource db, Infrastructure.Jobs.IJobQueue jobs) : EndpointWithoutRequest<EmptyTrashResponse>
{
    private const string PurgeSql = """
        WITH gone AS (DELETE FROM assets WHERE owner_id = @ownerId AND trashed_at IS NOT NULL RETURNING checksum)
        INSERT INTO orphan_checksums (checksum) SELECT DISTINCT checksum FROM gone
        ON CONFLICT DO NOTHING
        """;
    private const string CountSql = "SELECT count(*) FROM assets WHERE owner_id = @ownerId AND trashed_at IS NOT NULL";

    public override void Configure()
    {
        Post("trash/empty");
        Description(d => d.WithName("emptyTrash"));
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var ownerId = Infrastructure.Auth.ClaimsPrincipalExtensions.UserId(User);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var count = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountSql, new { ownerId }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(PurgeSql, new { ownerId }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (count > 0) jobs.Enqueue<IBlobCollectorJob>(Queues.Maintenance, j => j.CollectAsync(CancellationToken.None));
        await Send.OkAsync(new EmptyTrashResponse(count), ct);
    }
}
