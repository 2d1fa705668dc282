using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Assets;

public sealed class UpdateAssetRequest
{
    public Guid Id { get; set; }
    public DateTime? TakenAt { get; set; }
    public int? Rating { get; set; }
    /// <summary>Replaces the tags.</summary>
    public string[]? Tags { get; set; }
    public string? Description { get; set; }
}

public sealed class UpdateAssetValidator : Validator<UpdateAssetRequest>
{
    public UpdateAssetValidator()
    {
        RuleFor(x => x.Rating).InclusiveBetween(0, 5).When(x => x.Rating is not null);
        RuleFor(x => x.Tags).Must(t => t!.Length <= 100).When(x => x.Tags is not null).WithMessage("At most 100 tags.");
        RuleForEach(x => x.Tags).NotEmpty().MaximumLength(100).Must(t => !t.Any(char.IsControl)).WithMessage("Tags are 1 to 100 printable characters.");
        RuleFor(x => x.Description).MaximumLength(10_000);
        RuleFor(x => x.TakenAt).InclusiveBetween(new DateTime(1800, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2200, 1, 1, 0, 0, 0, DateTimeKind.Utc))
            .When(x => x.TakenAt is not null);
    }
}

/// <summary>Edits date/time, rating, tags and description. A date set here wins over the one read from the file.</summary>
[Access(Permission.AssetEdit)]
public sealed class UpdateAssetEndpoint(NpgsqlDataSource db, AccessPolicy policy, AssetViews views) : Endpoint<UpdateAssetRequest, AssetResponse>
{
    private const string UpdateSql = """
        UPDATE assets SET
            taken_at = coalesce(@takenAt, taken_at),
            taken_at_source = CASE WHEN @takenAt::timestamptz IS NULL THEN taken_at_source ELSE 'user' END,
            rating = coalesce(@rating::smallint, rating),
            tags = coalesce(@tags, tags),
            description = coalesce(@description, description),
            updated_at = now()
        WHERE id = @id
        """;

    public override void Configure()
    {
        Patch("assets/{id}");
        Description(d => d.WithName("updateAsset"));
    }

    public override async Task HandleAsync(UpdateAssetRequest req, CancellationToken ct)
    {
        await policy.EnsureAsync(Principal.Of(User), Permission.AssetEdit, req.Id, ct, "The asset");
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(UpdateSql, new
        {
            req.Id, takenAt = req.TakenAt?.ToUniversalTime(), req.Rating, req.Description,
            tags = req.Tags?.Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
        }, cancellationToken: ct));
        await Send.OkAsync(await views.ForAsync(Principal.Of(User), await AssetQueries.GetOneAsync(conn, req.Id, ct), ct), ct);
    }
}

public sealed class AssetIdsRequest
{
    public Guid[] Ids { get; set; } = [];
}

public sealed class AssetIdsValidator : Validator<AssetIdsRequest>
{
    public AssetIdsValidator() =>
        RuleFor(x => x.Ids).NotEmpty().Must(i => i.Length <= 1000).WithMessage("Between 1 and 1,000 ids.");
}

public sealed record AssetIdsResponse(IReadOnlyList<Guid> Ids);

/// <summary>Asks the policy about every id (all or nothing), then runs one UPDATE … WHERE id = ANY(@ids) RETURNING id.</summary>
internal static class AssetBatch
{
    public static async Task<AssetIdsResponse> UpdateAsync(NpgsqlDataSource db, AccessPolicy policy, System.Security.Claims.ClaimsPrincipal user,
        Permission permission, string sql, Guid[] ids, CancellationToken ct)
    {
        var distinct = ids.Distinct().ToArray();
        await policy.EnsureAsync(Principal.Of(user), permission, distinct, ct, "An asset");
        await using var conn = await db.OpenConnectionAsync(ct);
        var changed = await conn.QueryAsync<Guid>(new CommandDefinition(sql, new { ids = distinct }, cancellationToken: ct));
        return new AssetIdsResponse(changed.AsList());
    }
}

/// <summary>Moves assets to the trash. All or nothing: one id the caller may not delete and nothing changes (404).</summary>
[Access(Permission.AssetDelete)]
public sealed class DeleteAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AssetIdsRequest, AssetIdsResponse>
{
    private const string TrashSql = """
        UPDATE assets SET trashed_at = now(), updated_at = now() WHERE id = ANY(@ids) AND trashed_at IS NULL RETURNING id
        """;

    public override void Configure()
    {
        Post("assets/delete");
        Description(d => d.WithName("deleteAssets"));
    }

    public override async Task HandleAsync(AssetIdsRequest req, CancellationToken ct) =>
        await Send.OkAsync(await AssetBatch.UpdateAsync(db, policy, User, Permission.AssetDelete, TrashSql, req.Ids, ct), ct);
}

/// <summary>Takes assets out of the trash, back into their folder (or the top of the owner's Personal Space).</summary>
[Access(Permission.AssetDelete)]
public sealed class RestoreAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy) : Endpoint<AssetIdsRequest, AssetIdsResponse>
{
    private const string RestoreSql = """
        UPDATE assets SET trashed_at = NULL, updated_at = now() WHERE id = ANY(@ids) AND trashed_at IS NOT NULL RETURNING id
        """;

    public override void Configure()
    {
        Post("trash/restore");
        Description(d => d.WithName("restoreAssets"));
    }

    public override async Task HandleAsync(AssetIdsRequest req, CancellationToken ct) =>
        await Send.OkAsync(await AssetBatch.UpdateAsync(db, policy, User, Permission.AssetDelete, RestoreSql, req.Ids, ct), ct);
}

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

public sealed class MoveAssetsRequest
{
    public Guid[] Ids { get; set; } = [];
    /// <summary>The target folder; null: the top of the caller's Personal Space.</summary>
    public Guid? FolderId { get; set; }
}

public sealed class MoveAssetsValidator : Validator<MoveAssetsRequest>
{
    public MoveAssetsValidator() => RuleFor(x => x.Ids).NotEmpty().Must(i => i.Length <= 1000).WithMessage("Between 1 and 1,000 ids.");
}

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
        var principal = Principal.Of(User);
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

/// <summary>
/// Copies of assets: new rows owned by the caller that share the originals' bytes and derivatives (blobs are content
/// addressed, nothing is uploaded or stored again). A copy of an original still pending or processing starts
/// <c>pending</c> and is processed on its own (the original's job updates only the original): the caller enqueues it
/// after the commit (<see cref="EnqueueUnfinished"/>), and the stuck-asset sweeper finds it should that enqueue be lost.
/// Device backup ids stay with the original: the copy was not backed up from a device.
/// </summary>
internal static class AssetCopies
{
    private const string InsertSql = """
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
        FROM unnest(@oldIds::uuid[], @newIds::uuid[], @folderIds::uuid[]) WITH ORDINALITY AS m(old_id, new_id, folder_id, n)
        JOIN assets a ON a.id = m.old_id
        WHERE a.trashed_at IS NULL
        ORDER BY m.n
        RETURNING id, status
        """;

    /// <summary>One copy to make: of <paramref name="Original"/>, with id <paramref name="Id"/>, into <paramref name="FolderId"/>.</summary>
    public sealed record Copy(Guid Original, Guid Id, Guid? FolderId);

    public sealed record Made(Guid Id, string Status);

    /// <summary>Makes the copies (originals in the trash are left out) and returns those made.</summary>
    public static async Task<List<Made>> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid ownerId, IReadOnlyList<Copy> copies, CancellationToken ct) =>
        (await conn.QueryAsync<Made>(new CommandDefinition(InsertSql, new
        {
            oldIds = copies.Select(c => c.Original).ToArray(),
            newIds = copies.Select(c => c.Id).ToArray(),
            folderIds = copies.Select(c => c.FolderId).ToArray(),
            ownerId,
        }, tx, cancellationToken: ct))).AsList();

    /// <summary>After the commit: a processing job for every copy that starts pending (the job re-reads the row).</summary>
    public static void EnqueueUnfinished(Infrastructure.Jobs.IJobQueue jobs, IEnumerable<Made> made)
    {
        foreach (var copy in made.Where(m => m.Status == "pending"))
        {
            var id = copy.Id;
            jobs.Enqueue<IProcessAssetJob>(Queues.Media, j => j.ProcessAsync(id, CancellationToken.None));
        }
    }
}

/// <summary>
/// Copies assets into a folder the caller may upload to: new assets owned by the caller (<see cref="AssetCopies"/>). The
/// caller must see, download and copy every one of them: a copy takes the bytes along. All or nothing.
/// </summary>
[Access(Permission.AssetCopy, Permission.AssetDownload, Permission.AssetView, Permission.FolderUpload)]
public sealed class CopyAssetsEndpoint(NpgsqlDataSource db, AccessPolicy policy, Infrastructure.Jobs.IJobQueue jobs) : Endpoint<MoveAssetsRequest, AssetIdsResponse>
{
    public override void Configure()
    {
        Post("assets/copy");
        Description(d => d.WithName("copyAssets").ClearDefaultProduces(200).Produces<AssetIdsResponse>(201));
    }

    public override async Task HandleAsync(MoveAssetsRequest req, CancellationToken ct)
    {
        var principal = Principal.Of(User);
        var ids = req.Ids.Distinct().ToArray();
        var copyable = await Folders.CopyMoveRules.CopyableAssetsAsync(policy, principal, ids, ct);
        if (ids.Any(id => !copyable.Contains(id))) throw ApiException.NotFound("An asset");
        if (req.FolderId is { } folderId) await policy.EnsureAsync(principal, Permission.FolderUpload, folderId, ct, "The folder");
        await using var conn = await db.OpenConnectionAsync(ct);
        var made = await AssetCopies.InsertAsync(conn, null, principal.UserId,
            ids.Select(id => new AssetCopies.Copy(id, Guid.CreateVersion7(), req.FolderId)).ToList(), ct);
        AssetCopies.EnqueueUnfinished(jobs, made);
        await Send.ResponseAsync(new AssetIdsResponse(made.Select(m => m.Id).ToList()), 201, ct);
    }
}
