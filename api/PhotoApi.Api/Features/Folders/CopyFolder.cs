using System.Text.Json.Serialization;
using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;

namespace PhotoApi.Api.Features.Folders;

public sealed class CopyFolderRequest
{
    public Guid Id { get; set; }
    /// <summary>Where the copy goes; <c>null</c> for the top level of the folder's space. Required.</summary>
    [JsonRequired] public Guid? ParentId { get; set; }
}

/// <summary>The copy, and how many folders and files below the source were left out because the caller may not copy them.</summary>
public sealed record CopyFolderResponse : FolderResponse
{
    public CopyFolderResponse(FolderResponse copy, int skippedFolderCount, int skippedAssetCount) : base(copy) =>
        (SkippedFolderCount, SkippedAssetCount) = (skippedFolderCount, skippedAssetCount);

    /// <summary>Subfolders not copied (each with everything below it): the caller may not view or copy them.</summary>
    public int SkippedFolderCount { get; init; }

    /// <summary>Files not copied: in a folder left out, or not the caller's to view, download and copy.</summary>
    public int SkippedAssetCount { get; init; }
}

/// <summary>
/// Deep-copies a folder (view and copy on it, FolderCreate on the target) in one transaction: every subfolder gets a new
/// id and every non-trashed asset a new row owned by the caller (<see cref="Assets.AssetCopies"/>). Subfolders the caller
/// may not view or copy are left out with everything below them, and so are files they may not view, download or copy
/// (<see cref="CopyMoveRules"/>); the answer counts what was left out. Same target rules as a move; a copy into the
/// folder itself or one of its subfolders is refused (<c>folder.cycle</c>).
/// </summary>
[Access(Permission.AssetCopy, Permission.AssetDownload, Permission.AssetView, Permission.FolderCopy, Permission.FolderView)]
public sealed class CopyFolderEndpoint(NpgsqlDataSource db, AccessPolicy policy, IJobQueue jobs) : Endpoint<CopyFolderRequest, CopyFolderResponse>
{
    private const string SubtreeSql = """
        WITH RECURSIVE subtree AS (
            SELECT id, parent_id, name, cover_asset_id, 0 AS depth FROM folders WHERE id = @id
            UNION ALL
            SELECT f.id, f.parent_id, f.name, f.cover_asset_id, s.depth + 1 FROM folders f JOIN subtree s ON f.parent_id = s.id
        )
        SELECT id, parent_id, name, cover_asset_id FROM subtree ORDER BY depth
        """;

    // FOR SHARE: an asset cannot be trashed, moved or purged while it is being copied.
    private const string AssetsSql = """
        SELECT id, folder_id FROM assets WHERE folder_id = ANY(@folderIds) AND trashed_at IS NULL ORDER BY id FOR SHARE
        """;

    // One statement: the foreign key to the parent is checked at its end, so parents and children can arrive together.
    private const string InsertFoldersSql = """
        INSERT INTO folders (id, space, owner_id, parent_id, name, created_by)
        SELECT n.id, @space, @ownerId, n.parent_id, n.name, @createdBy
        FROM unnest(@ids::uuid[], @parentIds::uuid[], @names::text[]) AS n(id, parent_id, name)
        """;

    private const string SetCoversSql = """
        UPDATE folders f SET cover_asset_id = m.cover_asset_id
        FROM unnest(@ids::uuid[], @coverIds::uuid[]) AS m(id, cover_asset_id)
        WHERE f.id = ANY(@ids) AND f.id = m.id
        """;

    private sealed record FolderRow(Guid Id, Guid? ParentId, string Name, Guid? CoverAssetId);

    private sealed record AssetRow(Guid Id, Guid FolderId);

    public override void Configure()
    {
        Post("folders/{id}/copy");
        Description(d => d.WithName("copyFolder").ClearDefaultProduces(200).Produces<CopyFolderResponse>(201));
    }

    public override async Task HandleAsync(CopyFolderRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        if (!(await CopyMoveRules.CopyableFoldersAsync(policy, principal, [req.Id], ct)).Contains(req.Id)) throw ApiException.NotFound("The folder");
        await using var conn = await db.OpenConnectionAsync(ct);
        var source = await FolderStore.RequireAsync(conn, req.Id, ct);
        await FolderStore.EnsureTargetAsync(conn, policy, principal, source, req.ParentId, ct);

        await using var tx = await conn.BeginTransactionAsync(ct);
        // Under the tree lock the subtree cannot change while it is copied.
        await FolderStore.LockTreeAsync(conn, tx, source.Space, source.OwnerId, ct);
        if (req.ParentId is { } target && await FolderStore.IsSelfOrDescendantAsync(conn, tx, req.Id, target, ct))
            throw FolderStore.Cycle();

        // The folders to copy, parents first: those the caller may view and copy whose parent is copied too.
        var tree = (await conn.QueryAsync<FolderRow>(new CommandDefinition(SubtreeSql, new { id = req.Id }, tx, cancellationToken: ct))).AsList();
        if (tree.Count == 0) throw ApiException.NotFound("The folder");
        var copyable = await CopyMoveRules.CopyableFoldersAsync(policy, principal, tree.Select(f => f.Id).ToList(), ct);
        // Permissions may have changed since the first check.
        if (!copyable.Contains(req.Id)) throw ApiException.NotFound("The folder");
        var newFolderIds = new Dictionary<Guid, Guid>();
        var folders = new List<FolderRow>();
        foreach (var f in tree)
        {
            var isRoot = f.Id == req.Id;
            if (!copyable.Contains(f.Id) || (!isRoot && !newFolderIds.ContainsKey(f.ParentId!.Value))) continue;
            newFolderIds[f.Id] = Guid.CreateVersion7();
            folders.Add(f with { ParentId = isRoot ? req.ParentId : newFolderIds[f.ParentId!.Value] });
        }

        // Every file of the subtree, so that those left out can be counted too.
        var assets = (await conn.QueryAsync<AssetRow>(new CommandDefinition(AssetsSql,
            new { folderIds = tree.Select(f => f.Id).ToArray() }, tx, cancellationToken: ct))).AsList();
        var inCopiedFolders = assets.Where(a => newFolderIds.ContainsKey(a.FolderId)).Select(a => a.Id).ToList();
        var copyableAssets = await CopyMoveRules.CopyableAssetsAsync(policy, principal, inCopiedFolders, ct);
        var skippedAssets = assets.Count - copyableAssets.Count;
        assets.RemoveAll(a => !copyableAssets.Contains(a.Id));
        var newAssetIds = assets.ToDictionary(a => a.Id, _ => Guid.CreateVersion7());

        var rootId = newFolderIds[req.Id];
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertFoldersSql, new
            {
                ids = folders.Select(f => newFolderIds[f.Id]).ToArray(),
                parentIds = folders.Select(f => f.ParentId).ToArray(),
                names = folders.Select(f => f.Name).ToArray(),
                space = source.Space, ownerId = source.OwnerId, createdBy = principal.UserId,
            }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (FolderStore.ErrorFrom(e) is { } error)
        {
            throw error;
        }
        var made = await Assets.AssetCopies.InsertAsync(conn, tx, principal.UserId,
            assets.Select(a => new Assets.AssetCopies.Copy(a.Id, newAssetIds[a.Id], newFolderIds[a.FolderId])).ToList(), ct);

        // A cover carries over when its asset was copied along (to the copy); otherwise the copy has none.
        var covers = folders.Where(f => f.CoverAssetId is { } c && newAssetIds.ContainsKey(c)).ToList();
        if (covers.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition(SetCoversSql, new
            {
                ids = covers.Select(f => newFolderIds[f.Id]).ToArray(),
                coverIds = covers.Select(f => newAssetIds[f.CoverAssetId!.Value]).ToArray(),
            }, tx, cancellationToken: ct));

        await tx.CommitAsync(ct);
        Assets.AssetCopies.EnqueueUnfinished(jobs, made);

        // After the commit, so that the counts (asked of the policy) see the copy.
        var response = await FolderStore.GetAsync(conn, policy, principal, rootId, ct);
        await Send.ResponseAsync(new CopyFolderResponse(response, tree.Count - folders.Count, skippedAssets), 201, ct);
    }
}
