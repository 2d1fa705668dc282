using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Shares;

/// <summary>
/// Stops sharing: invitees and guests lose access at once. An album stays (unshared); a selection's hidden album goes
/// with its share (the assets stay where they are).
/// </summary>
[Access(Permission.ShareManage, On = "id", What = "The share")]
public sealed class DeleteShareEndpoint(NpgsqlDataSource db) : Endpoint<IdRequest>
{
    private const string DeleteSql = """
        DELETE FROM albums WHERE id = (SELECT album_id FROM shares WHERE id = @id AND target_type = 'selection');
        DELETE FROM shares WHERE id = @id;
        """;

    public override void Configure()
    {
        Delete("shares/{id}");
        Description(d => d.WithName("deleteShare").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(IdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // What it was, read before it goes (the access stage found it): the trail says what stopped being shared, and with whom.
        var share = await ShareStore.GetAsync(conn, HttpContext.Request, req.Id, ct, tx);
        await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { id = req.Id }, tx, cancellationToken: ct));
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("share.deleted", share.OwnerId, "share", req.Id, ShareStore.AuditDetails(share)), ct);
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
