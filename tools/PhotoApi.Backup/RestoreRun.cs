using System.Diagnostics;
using Dapper;
using Npgsql;
using PhotoApi.Persistence;

namespace PhotoApi.Backup;

/// <summary>
/// Restores one backup into the configured database and blob store, both empty: it checks first (the backup's schema is
/// not newer than this code's migrations, every blob of the manifest is in the backup with its size, the database and
/// the store hold nothing), then restores the dump (one transaction), then copies every blob the restored database
/// references into the store, checking each one's size and SHA-256 (the manifest's; the database's own checksum for
/// originals and clean copies) as it is written.
/// </summary>
public sealed class RestoreRun(Instance instance, TextWriter output)
{
    // What the backup cannot bring back: unfinished resumable uploads (their staging bytes are not blobs; their clients
    // start again) and Hangfire's record of the servers and locks of the processes that ran then.
    private const string UnfinishedUploadsSql = "DELETE FROM resumable_uploads WHERE completed_at IS NULL";

    private const string StaleProcessesSql = """
        DO $$ BEGIN
            IF to_regclass('hangfire.server') IS NOT NULL THEN DELETE FROM hangfire.server; END IF;
            IF to_regclass('hangfire.lock') IS NOT NULL THEN DELETE FROM hangfire.lock; END IF;
        END $$;
        """;

    // A guest's file that was already gone when the backup copied (deleters defer while a backup runs, so only a store
    // that lost it, or a file deleted by hand): the upload cannot be processed any more.
    private const string MissingRawsSql = """
        UPDATE photo_request_uploads
        SET raw_blob_key = NULL,
            status = CASE WHEN status IN ('pending', 'processing') THEN 'failed' ELSE status END,
            failure_reason = CASE WHEN status IN ('pending', 'processing') THEN 'The file was not in the backup this library was restored from.' ELSE failure_reason END,
            processing_since = NULL
        WHERE raw_blob_key = ANY(@keys)
        """;

    private const string EmptySql = """
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
          AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        """;

    public async Task<Summary> RunAsync(string backupDir, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        backupDir = Path.GetFullPath(backupDir);
        var manifestPath = Path.Combine(backupDir, Manifest.FileName);
        if (!File.Exists(manifestPath)) throw new BackupException($"{backupDir} is not a backup: it has no {Manifest.FileName}.");
        var manifest = await Manifest.ReadAsync(manifestPath, ct);
        if (manifest.Format > Manifest.CurrentFormat)
            throw new BackupException($"The backup's format {manifest.Format} is newer than this tool's {Manifest.CurrentFormat}: restore it with the PhotoApi version that made it.");
        if (manifest.SchemaVersion > Migrator.LatestVersion)
            throw new BackupException($"The backup's schema (migration {manifest.SchemaVersion}) is newer than this code's migrations (up to {Migrator.LatestVersion}): restore it with the PhotoApi version that made it, or a newer one.");
        var dump = Path.Combine(backupDir, manifest.Dump);
        if (!File.Exists(dump)) throw new BackupException($"The backup's database dump {dump} is missing.");
        var blobRoot = Path.Combine(Path.GetDirectoryName(backupDir)!, "blobs");
        var incomplete = manifest.Blobs.Where(b => !File.Exists(b.PathIn(blobRoot)) || new FileInfo(b.PathIn(blobRoot)).Length != b.Size).ToList();
        if (incomplete.Count > 0)
            throw new BackupException($"The backup is incomplete: {incomplete.Count} of its blobs are missing from {blobRoot} or have another size (first: {incomplete[0].Key}). Nothing was restored.");

        // The targets: an empty store, an empty (or not yet created) database.
        if (await instance.BlobStoreHoldsAnythingAsync(ct))
            throw new BackupException($"The blob store ({instance.BlobStoreName}) is not empty: a restore goes only into an empty store. Nothing was restored.");
        var database = instance.DatabaseName;
        await using (var server = await instance.OpenAsync(ct, "postgres"))
        {
            if (!await server.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database }, cancellationToken: ct)))
            {
                await server.ExecuteAsync(new CommandDefinition($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", cancellationToken: ct));
                output.WriteLine($"Created database {database}.");
            }
        }
        await using var conn = await instance.OpenAsync(ct);
        if (await conn.ExecuteScalarAsync<long>(new CommandDefinition(EmptySql, cancellationToken: ct)) > 0)
            throw new BackupException($"Database {database} is not empty: a restore goes only into an empty database (drop and create it, or name another). Nothing was restored.");

        var binDir = await PgTools.BinDirAsync(conn, instance.Configuration, ct);
        await PgTools.RunAsync(binDir, "pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", "--dbname", database, dump],
            instance.ConnectionString, ct);
        var dropped = await conn.ExecuteAsync(new CommandDefinition(UnfinishedUploadsSql, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(StaleProcessesSql, cancellationToken: ct));
        if (manifest.Missing.Count > 0)
            await conn.ExecuteAsync(new CommandDefinition(MissingRawsSql, new { keys = manifest.Missing.ToArray() }, cancellationToken: ct));
        output.WriteLine($"Database {database} restored from the snapshot of {manifest.SnapshotAt:u} (migration {manifest.SchemaVersion}).");

        var inBackup = manifest.Blobs.ToDictionary(b => b.Key, StringComparer.Ordinal);
        var referenced = await BlobInventory.ReadAsync(conn, null, ct);
        var failures = new List<string>();
        long bytes = 0, verified = 0;
        foreach (var blob in referenced)
        {
            if (!inBackup.TryGetValue(blob.Key, out var backed))
            {
                failures.Add($"{blob.Key}: referenced by the database, not in the backup");
                continue;
            }
            await using var upload = await instance.Blobs.BeginUploadAsync(ct);
            await using (var file = File.OpenRead(backed.PathIn(blobRoot)))
            {
                await file.CopyToAsync(upload.Content, ct);
                await upload.Content.FlushAsync(ct);
            }
            var sha = upload.Sha256();
            var problem = upload.Length != backed.Size || blob.Size is { } size && size != upload.Length ? $"{upload.Length:N0} bytes, the backup says {backed.Size:N0}"
                : BlobFile.Hex(sha) != backed.Sha256 ? $"SHA-256 {BlobFile.Hex(sha)}, the backup says {backed.Sha256}"
                : blob.Sha256 is { } expected && !expected.AsSpan().SequenceEqual(sha) ? $"SHA-256 {BlobFile.Hex(sha)}, the database says {BlobFile.Hex(expected)}"
                : null;
            if (problem is not null)
            {
                failures.Add($"{blob.Key}: {problem}");
                continue; // disposing the upload deletes what was staged
            }
            await upload.CommitAsync(blob.Key, ct);
            bytes += upload.Length;
            if (blob.Sha256 is not null) verified++;
        }
        var summary = new Summary(manifest.Counts.Users, manifest.Counts.Assets, referenced.Count - failures.Count, bytes, verified, dropped, failures);
        output.WriteLine($"Restored {summary.Users:N0} users, {summary.Assets:N0} assets, {summary.Blobs:N0} blobs ({summary.Bytes:N0} bytes; every size checked, " +
                         $"{summary.VerifiedSha256:N0} SHA-256 checked against the database) in {clock.Elapsed.TotalSeconds:N1} s.");
        if (manifest.Missing.Count > 0)
            output.WriteLine($"{manifest.Missing.Count} guests' files were already gone when the backup was made: their uploads are marked failed.");
        if (failures.Count > 0)
            throw new BackupException($"{failures.Count} blobs could not be restored; the database and store are incomplete (empty them before trying again):\n  " +
                                      string.Join("\n  ", failures.Take(20)));
        return summary;
    }

    public sealed record Summary(long Users, long Assets, long Blobs, long Bytes, long VerifiedSha256, int DroppedRows, IReadOnlyList<string> Failures);
}
