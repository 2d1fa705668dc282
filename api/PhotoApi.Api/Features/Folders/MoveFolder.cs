using System.Text.Json.Serialization;
using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

public sealed class MoveFolderRequest
{
    public Guid Id { get; set; }
    /// <summary>The new parent; <c>null</c> for the top level of the folder's space. Required, so an empty body moves nothing.</summary>
    [JsonRequired] public Guid? ParentId { get; set; }
}

/// <summary>
/// Moves a folder with its subtree under another parent of the same tree (FolderMove on the folder, FolderCreate on the
/// new parent), or to the top level of its space. Another space or another user's Personal Space: 400
/// <c>folder.cross_space</c>; into itself or a subfolder: 400 <c>folder.cycle</c>; a sibling of the same name: 409.
/// </summary>
[Access(Permission.FolderMove, Permission.AssetMove, Permission.FolderView, Permission.AssetView, On = "id", What = "The folder")]
public sealed class MoveFolderEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<MoveFolderRequest, FolderResponse>
{
    private const string MoveSql = "UPDATE folders SET parent_id = @parentId, updated_at = now() WHERE id = @id";

    public override void Configure()
    {
        Post("folders/{id}/move");
        Description(d => d.WithName("moveFolder"));
    }

    public override async Task HandleAsync(MoveFolderRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        await using var conn = await db.OpenConnectionAsync(ct);
        var folder = await FolderStore.RequireAsync(conn, req.Id, ct);
        await FolderStore.EnsureTargetAsync(conn, policy, principal, folder, req.ParentId, ct);

        await using var tx = await conn.BeginTransactionAsync(ct);
        // Under the tree lock no other move can change the ancestry checked here before this one commits.
        await FolderStore.LockTreeAsync(conn, tx, folder.Space, folder.OwnerId, ct);
        if (req.ParentId is { } target && await FolderStore.IsSelfOrDescendantAsync(conn, tx, req.Id, target, ct))
            throw FolderStore.Cycle();
        // Moving carries everything below along (and out from under inherited entries): all of it must be movable.
        await FolderStore.EnsureWholeSubtreeAsync(conn, tx, policy, principal, await FolderStore.SubtreeAsync(conn, tx, req.Id, ct),
            Permission.FolderMove, Permission.AssetMove, ct);
        int moved;
        try
        {
            moved = await conn.ExecuteAsync(new CommandDefinition(MoveSql, new { id = req.Id, parentId = req.ParentId }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (FolderStore.ErrorFrom(e) is { } error)
        {
            throw error;
        }
        if (moved == 0) throw ApiException.NotFound("The folder");
        await tx.CommitAsync(ct);
        // After the commit: the counts are asked of the policy, which sees the folder where it is now.
        await Send.OkAsync(await FolderStore.GetAsync(conn, policy, principal, req.Id, ct), ct);
    }
}
