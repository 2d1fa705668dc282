using System.Data;
using System.Diagnostics;
using System.Globalization;
using Dapper;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Backup;

/// <summary>
/// One backup into a target folder, while the API and the workers run. Under the backup lock (<see cref="BackupLock"/>:
/// from here on nothing deletes bytes a snapshot may reference) one REPEATABLE READ transaction exports its snapshot;
/// pg_dump dumps the database in that snapshot, and the same snapshot lists every blob key the database references
/// (<see cref="BlobInventory"/>). Those blobs are copied, except the ones the target holds already from an earlier backup
/// (same key, and the same size and SHA-256 where the database records them). A file an earlier backup names is never
/// replaced: a copy made again under the same key (a clean copy of other bytes) goes beside it. Blobs written after the snapshot
/// belong to the next backup. The manifest is written last and the folder gets its name only then: a run that fails
/// leaves no folder that looks like a backup.
/// </summary>
public sealed class BackupRun(Instance instance, TextWriter output)
{
    /// <summary>Runs between the snapshot (and its dump) and the copying of blobs: the drill writes and deletes here.</summary>
    public Func<CancellationToken, Task>? AfterSnapshot { get; init; }

    private const string CountsSql = "SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM assets) AS assets";

    public async Task<(Manifest Manifest, string Folder)> RunAsync(string target, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        target = Path.GetFullPath(target);
        var blobRoot = Path.Combine(target, "blobs");
        var incoming = Path.Combine(blobRoot, ".incoming");
        Directory.CreateDirectory(blobRoot);
        // One backup at a time writes into a target (of this instance or another: the database lock below is per instance).
        await using var targetLock = HoldTarget(target);

        await using var conn = await instance.OpenAsync(ct);
        if (!await BackupLock.TryHoldForBackupAsync(conn, ct))
        {
            output.WriteLine("Waiting for another backup of this instance (or a deletion of files in progress) to finish…");
            await BackupLock.HoldForBackupAsync(conn, ct);
        }
        try
        {
            // What a run of this instance that stopped half-way left (the lock says none is running now).
            if (Directory.Exists(incoming)) Directory.Delete(incoming, recursive: true);
            foreach (var stale in Directory.EnumerateDirectories(target, ".partial-*")) Directory.Delete(stale, recursive: true);
            Directory.CreateDirectory(incoming);

            var binDir = await PgTools.BinDirAsync(conn, instance.Configuration, ct);
            var work = Path.Combine(target, $".partial-{Guid.NewGuid():N}");
            Directory.CreateDirectory(work);
            try
            {
                var dumpPath = Path.Combine(work, Manifest.DumpFileName);
                List<ReferencedBlob> referenced;
                DateTimeOffset snapshotAt;
                int schema;
                string serverVersion;
                (long Users, long Assets) counts;
                await using (var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct))
                {
                    await conn.ExecuteAsync(new CommandDefinition("SET TRANSACTION READ ONLY", transaction: tx, cancellationToken: ct));
                    var snapshot = await conn.ExecuteScalarAsync<string>(new CommandDefinition("SELECT pg_export_snapshot()", transaction: tx, cancellationToken: ct));
                    snapshotAt = new DateTimeOffset(await conn.ExecuteScalarAsync<DateTime>(new CommandDefinition("SELECT now()", transaction: tx, cancellationToken: ct)));
                    schema = await Instance.SchemaVersionAsync(conn, tx, ct)
                             ?? throw new BackupException($"Database {instance.DatabaseName} holds no PhotoApi schema (no schema_migrations): nothing to back up.");
                    if (schema > Migrator.LatestVersion)
                        throw new BackupException($"Database {instance.DatabaseName} is at migration {schema}, newer than this tool's {Migrator.LatestVersion}: back it up with the PhotoApi version that runs it.");
                    serverVersion = await conn.ExecuteScalarAsync<string>(new CommandDefinition("SHOW server_version", transaction: tx, cancellationToken: ct)) ?? "";
                    counts = await conn.QuerySingleAsync<(long, long)>(new CommandDefinition(CountsSql, transaction: tx, cancellationToken: ct));
                    referenced = await BlobInventory.ReadAsync(conn, tx, ct);
                    // The whole database (the application's tables, Hangfire's queues, the extensions they use), in the snapshot.
                    await PgTools.RunAsync(binDir, "pg_dump", ["--format=custom", $"--snapshot={snapshot}", "--file", dumpPath], instance.ConnectionString, ct);
                    await tx.CommitAsync(ct);
                }
                output.WriteLine($"Database snapshot of {snapshotAt:u} dumped ({new FileInfo(dumpPath).Length:N0} bytes, migration {schema}); {referenced.Count:N0} blobs referenced.");

                if (AfterSnapshot is not null) await AfterSnapshot(ct);

                var earlier = await EarlierBlobsAsync(target, ct);
                var blobs = new List<ManifestBlob>(referenced.Count);
                var missing = new List<string>();
                long copied = 0, copiedBytes = 0;
                foreach (var blob in referenced)
                {
                    var before = earlier.GetValueOrDefault(blob.Key) ?? [];
                    if (await HeldAlreadyAsync(blob, before, blobRoot, ct) is { } held)
                    {
                        blobs.Add(held);
                        continue;
                    }
                    var copy = await CopyInAsync(blob, before, blobRoot, incoming, ct);
                    if (copy is null)
                    {
                        missing.Add(blob.Key);
                        continue;
                    }
                    blobs.Add(copy);
                    copied++;
                    copiedBytes += copy.Size;
                }
                Directory.Delete(incoming, recursive: true);

                var manifest = new Manifest
                {
                    Format = blobs.Any(b => b.File is not null) ? Manifest.CurrentFormat : 1, // a format-1 tool still reads the others
                    Tool = Manifest.ToolVersion,
                    SnapshotAt = snapshotAt,
                    FinishedAt = DateTimeOffset.UtcNow,
                    SchemaVersion = schema,
                    ServerVersion = serverVersion,
                    Source = instance.Provider,
                    DumpBytes = new FileInfo(dumpPath).Length,
                    Counts = new ManifestCounts(counts.Users, counts.Assets, blobs.Count, blobs.Sum(b => b.Size)),
                    Copied = new ManifestCopied(copied, copiedBytes),
                    Blobs = blobs,
                    Missing = missing,
                };
                await manifest.WriteAsync(Path.Combine(work, Manifest.FileName), ct);
                var folder = FolderFor(target, snapshotAt);
                Directory.Move(work, folder);
                output.WriteLine($"Backup {folder}: {manifest.Counts.Users:N0} users, {manifest.Counts.Assets:N0} assets, " +
                                 $"{manifest.Counts.Blobs:N0} blobs ({manifest.Counts.Bytes:N0} bytes), of which {copied:N0} copied now ({copiedBytes:N0} bytes), " +
                                 $"in {clock.Elapsed.TotalSeconds:N1} s.");
                foreach (var key in missing) output.WriteLine($"warning: {key} is referenced by the snapshot but was no longer in the blob store.");
                return (manifest, folder);
            }
            catch
            {
                if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
                throw;
            }
        }
        finally
        {
            // Said, not left to the end of the session: the server drops a closed session's locks only when its backend
            // gets to run, and the collector that starts right after a backup must find the lock free.
            await BackupLock.ReleaseBackupAsync(conn);
        }
    }

    /// <summary>
    /// The target's copy of <paramref name="blob"/> when it has one: the newest an earlier backup recorded that is still
    /// whole and agrees with what the database records of the blob; or, for a key no backup names, the file a run that
    /// stopped before its manifest copied (when the database records its size, and its SHA-256 when it records one: a
    /// leftover of other bytes, a clean copy made again since, is copied anew).
    /// </summary>
    private static async Task<ManifestBlob?> HeldAlreadyAsync(ReferencedBlob blob, List<ManifestBlob> before, string blobRoot, CancellationToken ct)
    {
        foreach (var known in before)
        {
            if (blob.Size is { } size && size != known.Size) continue;
            if (blob.Sha256 is { } sha && BlobFile.Hex(sha) != known.Sha256) continue;
            var path = known.PathIn(blobRoot);
            if (File.Exists(path) && new FileInfo(path).Length == known.Size) return known;
        }
        var left = BlobInventory.PathUnder(blobRoot, blob.Key);
        if (before.Count > 0 || blob.Size is not { } recorded || !File.Exists(left) || new FileInfo(left).Length != recorded) return null;
        var hash = BlobFile.Hex(await BlobFile.HashAsync(left, ct));
        return blob.Sha256 is null || BlobFile.Hex(blob.Sha256) == hash ? new ManifestBlob(blob.Key, recorded, hash) : null;
    }

    /// <summary>
    /// Copies one blob from the store into the target (a temporary file, then renamed); null when the store has no such
    /// blob. Its file is its key's, unless an earlier backup recorded other bytes there: then the one beside it.
    /// </summary>
    private async Task<ManifestBlob?> CopyInAsync(ReferencedBlob blob, List<ManifestBlob> before, string blobRoot, string incoming, CancellationToken ct)
    {
        Stream source;
        try
        {
            source = await instance.Blobs.OpenReadAsync(blob.Key, ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var temp = Path.Combine(incoming, Guid.NewGuid().ToString("N"));
        long length;
        byte[] sha;
        await using (source)
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1024 * 1024, FileOptions.Asynchronous))
        {
            (length, sha) = await BlobFile.CopyAsync(source, file, ct);
            file.Flush(flushToDisk: true);
        }
        if (blob.Sha256 is { } expected && !expected.AsSpan().SequenceEqual(sha) || blob.Size is { } size && size != length)
        {
            File.Delete(temp);
            throw new BackupException($"The stored bytes of {blob.Key} ({length:N0} bytes, SHA-256 {BlobFile.Hex(sha)}) are not what the database records: the blob store is damaged. The backup stops.");
        }
        var hex = BlobFile.Hex(sha);
        var variant = before.Any(b => b.File is null && b.Sha256 != hex) ? ManifestBlob.VariantOf(blob.Key, hex) : null;
        var path = BlobInventory.PathUnder(blobRoot, variant ?? blob.Key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Move(temp, path, overwrite: true); // over a file no backup names, or one with these very bytes
        return new ManifestBlob(blob.Key, length, hex, variant);
    }

    /// <summary>The blobs earlier backups of this target recorded, by key, the newest backup's first (what need not be
    /// copied again, and which files must not be replaced).</summary>
    private static async Task<Dictionary<string, List<ManifestBlob>>> EarlierBlobsAsync(string target, CancellationToken ct)
    {
        var known = new Dictionary<string, List<ManifestBlob>>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories(target).Where(d => !Path.GetFileName(d).StartsWith('.')).OrderDescending(StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, Manifest.FileName);
            if (!File.Exists(path)) continue;
            foreach (var blob in (await Manifest.ReadAsync(path, ct)).Blobs)
            {
                if (!known.TryGetValue(blob.Key, out var list)) known[blob.Key] = list = [];
                if (!list.Any(b => b.File == blob.File && b.Sha256 == blob.Sha256)) list.Add(blob);
            }
        }
        return known;
    }

    /// <summary>An exclusive lock on <c>TARGET/.lock</c> (flock: released when the file closes, or the process dies).</summary>
    private static FileStream HoldTarget(string target)
    {
        try
        {
            return new FileStream(Path.Combine(target, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new BackupException($"Another backup is writing into {target} now: one at a time per target. ({e.Message})");
        }
    }

    private static string FolderFor(string target, DateTimeOffset snapshotAt)
    {
        var name = snapshotAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var folder = Path.Combine(target, name);
        for (var n = 2; Directory.Exists(folder); n++) folder = Path.Combine(target, $"{name}-{n}");
        return folder;
    }
}
