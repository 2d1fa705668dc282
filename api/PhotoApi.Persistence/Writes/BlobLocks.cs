using Dapper;
using Npgsql;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// Transaction-scoped advisory locks on a text key, released by the commit or rollback. The API and the worker take the
/// same keys, so the lock SQL and the keys live here once.
/// </summary>
public static class TransactionLocks
{
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))";

    /// <summary>Waits for, then holds until the transaction ends, the lock named <paramref name="key"/>.</summary>
    public static Task HoldAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string key, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(LockSql, new { key }, tx, cancellationToken: ct));
}

/// <summary>
/// The per-checksum blob lock: whoever commits bytes of a checksum (uploads, photo-request uploads, clean copies) and
/// the blob collector that deletes unused bytes take it, so bytes being stored are never collected.
/// </summary>
public static class BlobLocks
{
    /// <summary>The lock key of the bytes with this SHA-256.</summary>
    public static string Key(byte[] checksum) => $"blob:{Convert.ToHexStringLower(checksum)}";

    /// <summary>Holds the blob lock of <paramref name="checksum"/> until the transaction ends.</summary>
    public static Task HoldAsync(NpgsqlConnection conn, NpgsqlTransaction tx, byte[] checksum, CancellationToken ct) =>
        TransactionLocks.HoldAsync(conn, tx, Key(checksum), ct);
}
