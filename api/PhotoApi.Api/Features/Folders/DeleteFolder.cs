using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

/// <summary>
/// Deletes a folder and everything below it, in one transaction: the non-trashed assets of the whole subtree go to their
/// owners' trash, then the folders are deleted. All or nothing: the caller needs FolderDelete on every folder of the
/// subtree and AssetDelete on every file in it (a deny entry further down protects what it covers: 403
/// <c>share.role_insufficient</c>, nothing deleted).
/// </summary>
[Access(Permission.FolderDelete, Permission.AssetDelete, On = "id", What = "The folder")]
public sealed class DeleteFolderEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<FolderIdRequest>
{
    // Rows are locked so that no upload can land in one of these folders between the trashing and the delete.
    private const string LockFoldersSql = "SELECT id FROM folders WHERE id = ANY(@ids) ORDER BY id FOR UPDATE";

    // folder_id = NULL: the folder is about to disappear, so a restore from the trash puts the asset at the top of its
    // owner's Personal Space. (Already-trashed assets of these folders get the same by ON DELETE SET NULL.)
    private const string TrashAssetsSql = """
        UPDATE assets SET trashed_at = now(), folder_id = NULL, updated_at = now()
        WHERE folder_id = ANY(@ids) AND trashed_at IS NULL
        """;

    private const string DeleteFoldersSql = "DELETE FROM folders WHERE id = ANY(@ids)";

    public override void Configure()
    {
        Delete("folders/{id}");
        Description(d => d.WithName("deleteFolder"));
    }

    public override async Task HandleAsync(FolderIdRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var folder = await FolderStore.RequireAsync(conn, req.Id, ct, tx);
        await FolderStore.LockTreeAsync(conn, tx, folder.Space, folder.OwnerId, ct);
        // Read under the tree lock: no folder can join or leave the subtree until the commit.
        var ids = (await FolderStore.SubtreeAsync(conn, tx, req.Id, ct)).ToArray();
        if (ids.Length == 0) throw ApiException.NotFound("The folder");
        await conn.ExecuteAsync(new CommandDefinition(LockFoldersSql, new { ids }, tx, cancellationToken: ct));
        await FolderStore.EnsureWholeSubtreeAsync(conn, tx, policy, principal, ids, Permission.FolderDelete, Permission.AssetDelete, ct);
        await conn.ExecuteAsync(new CommandDefinition(TrashAssetsSql, new { ids }, tx, cancellationToken: ct));
        // Photo requests collecting into these folders stop (rather than silently sending files elsewhere).
        await conn.ExecuteAsync(new CommandDefinition("UPDATE photo_requests SET enabled = false, updated_at = now() WHERE folder_id = ANY(@ids)",
            new { ids }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(DeleteFoldersSql, new { ids }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
