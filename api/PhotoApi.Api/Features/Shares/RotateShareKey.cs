using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Shares;

/// <summary>A new link key: the old link stops working at once.</summary>
[Access(Permission.ShareManage, On = "id", What = "The share")]
public sealed class RotateShareKeyEndpoint(NpgsqlDataSource db) : Endpoint<IdRequest, ShareResponse>
{
    public override void Configure()
    {
        Post("shares/{id}/rotate-key");
        Description(d => d.WithName("rotateShareKey"));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        var (key, keyHash) = ShareStore.NewKey();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE shares SET link_key = @key, link_key_hash = @keyHash, updated_at = now() WHERE id = @id",
            new { id = req.Id, key, keyHash }, tx, cancellationToken: ct));
        var share = await ShareStore.GetAsync(conn, HttpContext.Request, req.Id, ct, tx);
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("share.key-rotated", share.OwnerId, "share", req.Id), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(share, ct);
    }
}
