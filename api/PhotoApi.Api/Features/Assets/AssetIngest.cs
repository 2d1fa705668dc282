using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Assets;

/// <summary>What is known of an upload whose bytes have been streamed to staging.</summary>
/// <param name="OwnerId">Who the asset belongs to (the uploader; for a share-link guest, the link's owner).</param>
/// <param name="FolderId">Null: the top of the owner's Personal Space.</param>
/// <param name="Deduplicate">Return the owner's existing asset for bytes they already have (uploads by the owner); false
/// always makes a new asset (guests must not learn what the owner has).</param>
/// <param name="Id">The new asset's id, when the caller chose it beforehand (a resumable upload: a retry after a process
/// died mid-completion asks <see cref="AssetIngest.StoredAsync"/> whether it exists); null: a new one.</param>
/// <param name="AlbumId">An album the new asset is added to in the same transaction (a share link's), by its owner.</param>
public sealed record IncomingAsset(Guid OwnerId, Guid? FolderId, string FileName, string MediaType, string ContentType, DateTime? TakenAt,
    string? DeviceId = null, string? DeviceAssetId = null, bool Deduplicate = true, Guid? Id = null, Guid? AlbumId = null);

/// <summary>
/// Turns streamed bytes into an asset: the blob is committed content-addressed and the row inserted in one transaction,
/// under a per-owner-and-checksum lock (the same owner sending the same bytes gets the existing asset back, marked
/// duplicate) and the per-checksum lock the blob collector takes; then the processing job is enqueued. Used by every
/// upload route.
/// </summary>
public sealed class AssetIngest(NpgsqlDataSource db, IJobQueue jobs)
{
    private const string ExistingSql = """
        SELECT id, status FROM assets WHERE owner_id = @ownerId AND checksum = @checksum ORDER BY created_at LIMIT 1
        """;
    private const string DeviceSql = """
        INSERT INTO device_backups AS d (user_id, device_id, last_backup_at, duplicates)
        VALUES (@userId, @deviceId, now(), @duplicate::int)
        ON CONFLICT (user_id, device_id) DO UPDATE SET last_backup_at = now(), duplicates = d.duplicates + @duplicate::int
        """;
    private const string FolderSql = "SELECT id FROM folders WHERE id = @folderId FOR KEY SHARE";
    private const string OrphanSql = "INSERT INTO orphan_checksums (checksum) VALUES (@checksum) ON CONFLICT DO NOTHING";
    private const string StoredSql = "SELECT EXISTS (SELECT 1 FROM assets WHERE id = @id AND owner_id = @ownerId)";

    /// <summary>Whether <paramref name="ownerId"/> has the asset <paramref name="id"/> (one stored with a pre-chosen
    /// <see cref="IncomingAsset.Id"/>: it exists whole, album entry included, or not at all).</summary>
    public async Task<bool> StoredAsync(Guid ownerId, Guid id, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(StoredSql, new { id, ownerId }, cancellationToken: ct));
    }

    public async Task<UploadAssetResponse> StoreAsync(IncomingAsset form, IBlobUpload upload, CancellationToken ct)
    {
        var checksum = upload.Sha256();
        var hex = Convert.ToHexStringLower(checksum);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One upload of given bytes per owner at a time; and no purge of these bytes while we commit them.
        await TransactionLocks.HoldAsync(conn, tx, $"asset:{form.OwnerId:N}:{hex}", ct);
        var existing = !form.Deduplicate ? null : await conn.QuerySingleOrDefaultAsync<(Guid Id, string Status)?>(new CommandDefinition(ExistingSql,
            new { ownerId = form.OwnerId, checksum }, tx, cancellationToken: ct));
        if (existing is { } found)
        {
            if (form.DeviceId is not null) await RecordDeviceAsync(conn, tx, form.OwnerId, form.DeviceId, duplicate: true, ct);
            await tx.CommitAsync(ct);
            return new UploadAssetResponse(found.Id, true, found.Status);
        }

        await BlobLocks.HoldAsync(conn, tx, checksum, ct);
        // The folder was checked before the body arrived; it may have been deleted since. Locked from here to the commit (a
        // folder deletion waits, then trashes this asset with the rest); gone already: nothing is stored, as for any
        // folder that does not exist.
        if (form.FolderId is { } folderId &&
            await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(FolderSql, new { folderId }, tx, cancellationToken: ct)) is null)
            throw ApiException.NotFound("The folder");
        var blobKey = BlobKeys.Original(checksum);
        await using (var marker = await db.OpenConnectionAsync(ct)) await marker.ExecuteAsync(new CommandDefinition(OrphanSql, new { checksum }, cancellationToken: ct)); // written ahead, outside the transaction: a process that dies after the commit below leaves the collector a note (it keeps bytes a row uses)
        await upload.CommitAsync(blobKey, ct);
        var id = form.Id ?? Guid.CreateVersion7();
        try
        {
            // The folder is locked above, so it is still there.
            await AssetRows.InsertAsync(conn, tx, new NewAssetRow(id, form.OwnerId, form.FolderId, checksum, blobKey, upload.Length,
                form.MediaType, form.ContentType, form.FileName, form.TakenAt ?? DateTime.UtcNow, form.TakenAt is null ? "upload" : "client", "pending")
            {
                DeviceId = form.DeviceId, DeviceAssetId = form.DeviceAssetId,
            }, ct);
            if (form.DeviceId is not null) await RecordDeviceAsync(conn, tx, form.OwnerId, form.DeviceId, duplicate: false, ct);
            if (form.AlbumId is { } albumId) await AlbumEntries.AddAsync(conn, tx, albumId, [id], form.OwnerId, ct);
            await tx.CommitAsync(ct);
            PhotoApi.Persistence.Telemetry.PhotoTelemetry.UploadCommitted("asset", upload.Length);
        }
        catch
        {
            // Rolled back (or unknown) after the bytes were stored: they may belong to no asset. The blob collector checks
            // under the same per-checksum lock and deletes them only if no asset uses them.
            await QueueOrphanAsync(checksum);
            throw;
        }

        // After the commit: the job re-reads the row. Should this enqueue be lost, the sweeper finds the pending asset.
        jobs.Enqueue<IProcessAssetJob>(Queues.Media, j => j.ProcessAsync(id, CancellationToken.None));
        return new UploadAssetResponse(id, false, "pending");
    }

    private async Task QueueOrphanAsync(byte[] checksum)
    {
        try
        {
            await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync(new CommandDefinition(OrphanSql, new { checksum }));
            jobs.Enqueue<IBlobCollectorJob>(Queues.Maintenance, j => j.CollectAsync(CancellationToken.None));
        }
        catch (NpgsqlException)
        {
            // Bookkeeping only: the error the caller sees is the one that failed the upload.
        }
    }

    private static Task RecordDeviceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, string deviceId, bool duplicate, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(DeviceSql, new { userId, deviceId, duplicate }, tx, cancellationToken: ct));

}
