using System.Text.Json.Serialization;
using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Folders;

public sealed class CopyFolderRequest
{
    public Guid Id { get; set; }
    /// <summary>Where the copy goes; <c>null</c> for the top level of the folder's space. Required.</summary>
    [JsonRequired] public Guid? ParentId { get; set; }
}

/// <summary>
/// Deep-copies a folder (FolderCopy on it, FolderCreate on the target) in one transaction: every subfolder gets a new id
/// and every non-trashed asset a new row owned by the caller. Blobs are content-addressed, so the copies share the
/// originals' blob and derivative keys and nothing is uploaded or stored again. Same target rules as a move; a copy into
/// the folder itself or one of its subfolders is refused (<c>folder.cycle</c>).
/// </summary>
[Access(Permission.AssetCopy, Permission.FolderCopy)]
public sealed class CopyFolderEndpoint(NpgsqlDataSource db, AccessPolicy policy, IJobQueue jobs) : Endpoint<CopyFolderRequest, FolderResponse>
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
        SELECT id, folder_id, status FROM assets WHERE folder_id = ANY(@folderIds) AND trashed_at IS NULL ORDER BY id FOR SHARE
        """;

    // One statement: the foreign key to the parent is checked at its end, so parents and children can arrive together.
    private const string InsertFoldersSql = """
        INSERT INTO folders (id, space, owner_id, parent_id, name, created_by)
        SELECT n.id, @space, @ownerId, n.parent_id, n.name, @createdBy
        FROM unnest(@ids::uuid[], @parentIds::uuid[], @names::text[]) AS n(id, parent_id, name)
        """;

    // Unfinished originals are copied as 'pending' and processed on their own (the original's job only updates the
    // original). Device backup ids stay with the original: the copy was not backed up from a device.
    private const string InsertAssetsSql = """
        INSERT INTO assets (id, owner_id, folder_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                            taken_at, taken_at_source, width, height, orientation, camera_make, camera_model, latitude, longitude,
                            rating, tags, description, status, failure_reason, attempts, processing_since, thumbnail_key, preview_key)
        SELECT m.new_id, @ownerId, m.folder_id, a.checksum, a.blob_key, a.size_bytes, a.media_type, a.content_type, a.original_file_name,
               a.taken_at, a.taken_at_source, a.width, a.height, a.orientation, a.camera_make, a.camera_model, a.latitude, a.longitude,
               a.rating, a.tags, a.description,
               CASE WHEN a.status IN ('pending', 'processing') THEN 'pending' ELSE a.status END,
               a.failure_reason,
               CASE WHEN a.status IN ('pending', 'processing') THEN 0 ELSE a.attempts END,
               NULL, a.thumbnail_key, a.preview_key
        FROM unnest(@oldIds::uuid[], @newIds::uuid[], @folderIds::uuid[]) AS m(old_id, new_id, folder_id)
        JOIN assets a ON a.id = m.old_id
        """;

    private const string SetCoversSql = """
        UPDATE folders f SET cover_asset_id = m.cover_asset_id
        FROM unnest(@ids::uuid[], @coverIds::uuid[]) AS m(id, cover_asset_id)
        WHERE f.id = ANY(@ids) AND f.id = m.id
        """;

    private sealed record FolderRow(Guid Id, Guid? ParentId, string Name, Guid? CoverAssetId);

    private sealed record AssetRow(Guid Id, Guid FolderId, string Status);

    public override void Configure()
    {
        Post("/api/v1/folders/{id}/copy");
        Description(d => d.WithName("copyFolder").ClearDefaultProduces(200).Produces<FolderResponse>(201));
    }

    public override async Task HandleAsync(CopyFolderRequest req, CancellationToken ct)
    {
        var principal = Principal.Of(User);
        await policy.EnsureAsync(principal, Permission.FolderCopy, req.Id, ct, "The folder");
        await using var conn = await db.OpenConnectionAsync(ct);
        var source = await FolderStore.RequireAsync(conn, req.Id, ct);
        await FolderStore.EnsureTargetAsync(conn, policy, principal, source, req.ParentId, ct);

        await using var tx = await conn.BeginTransactionAsync(ct);
        // Under the tree lock the subtree cannot change while it is copied.
        await FolderStore.LockTreeAsync(conn, tx, source.Space, source.OwnerId, ct);
        if (req.ParentId is { } target && await FolderStore.IsSelfOrDescendantAsync(conn, tx, req.Id, target, ct))
            throw FolderStore.Cycle();

        // The folders to copy, parents first: those the caller may copy whose parent is copied too.
        var tree = (await conn.QueryAsync<FolderRow>(new CommandDefinition(SubtreeSql, new { id = req.Id }, tx, cancellationToken: ct))).AsList();
        if (tree.Count == 0) throw ApiException.NotFound("The folder");
        var copyable = await policy.AllowedAsync(principal, Permission.FolderCopy, tree.Select(f => f.Id).ToList(), ct);
        var newFolderIds = new Dictionary<Guid, Guid>();
        var folders = new List<FolderRow>();
        foreach (var f in tree)
        {
            var isRoot = f.Id == req.Id;
            if (!copyable.Contains(f.Id) || (!isRoot && !newFolderIds.ContainsKey(f.ParentId!.Value))) continue;
            newFolderIds[f.Id] = Guid.CreateVersion7();
            folders.Add(f with { ParentId = isRoot ? req.ParentId : newFolderIds[f.ParentId!.Value] });
        }

        var assets = (await conn.QueryAsync<AssetRow>(new CommandDefinition(AssetsSql,
            new { folderIds = newFolderIds.Keys.ToArray() }, tx, cancellationToken: ct))).AsList();
        var copyableAssets = await policy.AllowedAsync(principal, Permission.AssetCopy, assets.Select(a => a.Id).ToList(), ct);
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
        await conn.ExecuteAsync(new CommandDefinition(InsertAssetsSql, new
        {
            oldIds = assets.Select(a => a.Id).ToArray(),
            newIds = assets.Select(a => newAssetIds[a.Id]).ToArray(),
            folderIds = assets.Select(a => newFolderIds[a.FolderId]).ToArray(),
            ownerId = principal.UserId,
        }, tx, cancellationToken: ct));

        // A cover carries over when its asset was copied along (to the copy); otherwise the copy has none.
        var covers = folders.Where(f => f.CoverAssetId is { } c && newAssetIds.ContainsKey(c)).ToList();
        if (covers.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition(SetCoversSql, new
            {
                ids = covers.Select(f => newFolderIds[f.Id]).ToArray(),
                coverIds = covers.Select(f => newAssetIds[f.CoverAssetId!.Value]).ToArray(),
            }, tx, cancellationToken: ct));

        await tx.CommitAsync(ct);
        // After the commit, so that the counts (asked of the policy) see the copy.
        var response = await FolderStore.GetAsync(conn, policy, principal, rootId, ct);

        // After the commit: the job re-reads the row; should an enqueue be lost, the stuck-asset sweeper finds the copy.
        foreach (var a in assets.Where(a => a.Status is "pending" or "processing"))
        {
            var copyId = newAssetIds[a.Id];
            jobs.Enqueue<IProcessAssetJob>(Queues.Media, j => j.ProcessAsync(copyId, CancellationToken.None));
        }
        await Send.ResponseAsync(response, 201, ct);
    }
}
