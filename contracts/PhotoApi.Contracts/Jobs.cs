namespace PhotoApi.Contracts;

/// <summary>Hangfire queue names (Hangfire wants them lower-case). The API enqueues; only the worker runs them.</summary>
public static class Queues
{
    public const string Default = "default";
    public const string Maintenance = "maintenance";
    public static readonly string[] All = [Default, Maintenance];
}

/// <summary>
/// Housekeeping of account data: deletes expired and revoked sessions with their tokens and stale throttle windows.
/// Idempotent: running it twice, or concurrently on two workers, deletes the same rows once.
/// </summary>
public interface IAccountsMaintenanceJob
{
    Task PurgeExpiredAsync(CancellationToken ct);
}
