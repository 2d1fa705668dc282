using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Assets;

public sealed record EmptyTrashResponse(int Purged);

/// <summary>
/// Deleting assets for good, whoever does it (emptying the trash, deleting an account): the rows go, and each checksum
/// they used is queued for the blob collector (<c>IBlobCollectorJob</c>), which deletes the bytes once no asset uses
/// them. <c>{Prefix} WHERE … {Suffix}</c>; enqueue the collector after the commit.
/// </summary>
public static class AssetPurge
{
    public const string Prefix = "WITH gone AS (DELETE FROM assets";
    public const string Suffix = """
        RETURNING checksum)
        INSERT INTO orphan_checksums (checksum) SELECT DISTINCT checksum FROM gone
        ON CONFLICT DO NOTHING
        """;
}

/// <summary>
/// Deletes the caller's trashed assets for good. Rows go first (in one transaction); the worker then deletes the bytes of
/// every blob no other asset still uses, so a crash between the two leaves an unreferenced blob, never a broken asset.
/// </summary>
[Access(AccessScope.Caller)]
public sealed class EmptyTrashEndpoint(NpgsqlDataSource db, Infrastructure.Jobs.IJobQueue jobs) : EndpointWithoutRequest<EmptyTrashResponse>
{
    private const string PurgeSql = $"{AssetPurge.Prefix} WHERE owner_id = @ownerId AND trashed_at IS NOT NULL {AssetPurge.Suffix}";
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
