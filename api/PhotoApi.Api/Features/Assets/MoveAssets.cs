using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Assets;

/// <summary>
/// Moves assets into a folder the caller may upload to. All or nothing. A moved file has the rights of the destination's
/// files, so a move must give the caller nothing they lack on the file now (a deny is not escaped by moving the file).
/// </summary>
[Access(Permission.AssetMove, Permission.FolderUpload, Permission.AssetView, Permission.AssetDownload, Permission.AssetEdit,
    Permission.AssetShare, Permission.AssetDelete, Permission.AssetCopy)]
public sealed class MoveAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<MoveAssetsRequest, AssetIdsResponse>
{
    private const string MoveSql = """
        UPDATE assets SET folder_id = @folderId, updated_at = now() WHERE id = ANY(@ids) AND trashed_at IS NULL RETURNING id
        """;
    private const string OwnersSql = "SELECT DISTINCT owner_id FROM assets WHERE id = ANY(@ids)";
    private const string FolderOwnerSql = "SELECT owner_id FROM folders WHERE id = @folderId AND space = 'personal'";

    public override void Configure()
    {
        Post("assets/move");
        Description(d => d.WithName("moveAssets"));
    }

    public override async Task HandleAsync(MoveAssetsRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var ids = req.Ids.Distinct().ToArray();
        await policy.EnsureAsync(principal, Permission.AssetMove, ids, ct, "An asset");
        await using var conn = await db.OpenConnectionAsync(ct);
        if (req.FolderId is { } folderId) await policy.EnsureAsync(principal, Permission.FolderUpload, folderId, ct, "The folder");
        // A Personal Space (its top, or any of its folders) holds only its owner's files: moving someone else's file
        // there would hide it from its owner. Copies are the way to take a file into one's own space.
        var spaceOwner = req.FolderId is { } target
            ? await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(FolderOwnerSql, new { folderId = target }, cancellationToken: ct))
            : principal.UserId;
        if (spaceOwner is { } owner &&
            (await conn.QueryAsync<Guid>(new CommandDefinition(OwnersSql, new { ids }, cancellationToken: ct))).Any(o => o != owner))
            throw new ApiException(400, ErrorCodes.FolderCrossSpace, "Files of other users cannot be moved into a Personal Space; copy them instead.",
                new() { ["folderId"] = ["Choose a folder of the files' owner, or copy the files."] });
        await Folders.CopyMoveRules.EnsureMoveGainsNothingAsync(conn, policy, principal, ids, req.FolderId, ct);
        var moved = await conn.QueryAsync<Guid>(new CommandDefinition(MoveSql, new { ids, folderId = req.FolderId }, cancellationToken: ct));
        await Send.OkAsync(new AssetIdsResponse(moved.AsList()), ct);
    }
}
