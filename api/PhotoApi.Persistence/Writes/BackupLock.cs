using Dapper;
using Npgsql;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// What keeps a backup consistent while the API and the workers go on: the backup (tools/PhotoApi.Backup) holds this
/// advisory lock exclusively on its own session from before its database snapshot until its last blob is copied, and
/// whoever deletes bytes a snapshot may still reference (the blob collector, the deletion of a photo-request upload's raw
/// file) first takes it shared for its transaction, or — when a backup holds it — leaves the bytes for a later run.
/// A backup that starts waits for deletions in flight to commit, so its snapshot already sees them.
/// </summary>
public static class BackupLock
{
    // An arbitrary constant of this application ("PhotoBak" in ASCII), distinct from the migrator's.
    private const long Key = 0x50686f746f42616b;

    /// <summary>The backup's side: waits for deletions in flight, then holds the lock until <paramref name="conn"/> closes.</summary>
    public static Task HoldForBackupAsync(NpgsqlConnection conn, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@Key)", new { Key }, cancellationToken: ct));

    /// <summary>The backup's side, without waiting: false when another backup (or a deletion) holds the lock now.</summary>
    public static Task<bool> TryHoldForBackupAsync(NpgsqlConnection conn, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_lock(@Key)", new { Key }, cancellationToken: ct));

    /// <summary>The backup's side, at its end: lets deleters go on at once (best effort: a broken session loses the lock anyway).</summary>
    public static async Task ReleaseBackupAsync(NpgsqlConnection conn)
    {
        try
        {
            await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@Key)", new { Key }));
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // the connection is gone, and the lock with it
        }
    }

    /// <summary>
    /// A deleter's side: true, and the lock held shared until <paramref name="tx"/> ends, when no backup runs; false when
    /// one does — then delete nothing now (the caller's next run does it).
    /// </summary>
    public static Task<bool> TryAllowDeletionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT pg_try_advisory_xact_lock_shared(@Key)", new { Key }, tx, cancellationToken: ct));
}
