using System.Diagnostics;
using Dapper;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Telemetry;

namespace PhotoApi.Workers.Telemetry;

/// <summary>
/// Hangfire's side of telemetry: a span per job run (<c>job {Type}.{Method}</c>, tagged with its queue), and the counts
/// <c>photoapi.jobs</c> by queue and outcome — succeeded, retried (AutomaticRetry scheduled another attempt) or failed
/// (none left) — plus, when a ProcessAsset run marks its asset ready or failed, the time since upload.
/// </summary>
/// <remarks>
/// Hangfire keeps filters in one process-wide list (<c>UseFilter</c> adds to GlobalJobFilters), so there is one instance,
/// added once (<see cref="Register"/>); its database is the one of the host that started last — in production the only
/// one. It runs after AutomaticRetry (Order 20) so it sees the state that filter elected.
/// </remarks>
public sealed class JobTelemetryFilter : JobFilterAttribute, IServerFilter, IElectStateFilter
{
    public static readonly JobTelemetryFilter Instance = new() { Order = 100 };
    private const string StartedKey = "photoapi.started";
    private const string ActivityKey = "photoapi.activity";

    private volatile NpgsqlDataSource? _db;

    private JobTelemetryFilter() { }

    /// <summary>Adds the filter to Hangfire's global list (once per process) and points it at this host's database.</summary>
    public static JobTelemetryFilter Register(NpgsqlDataSource db)
    {
        Instance._db = db;
        if (!Hangfire.GlobalJobFilters.Filters.Any(f => ReferenceEquals(f.Instance, Instance))) Hangfire.GlobalJobFilters.Filters.Add(Instance);
        return Instance;
    }

    private static string QueueOf(Job job) => job.Queue ?? "default";

    public void OnPerforming(PerformingContext context)
    {
        var job = context.BackgroundJob.Job;
        context.Items[StartedKey] = Stopwatch.GetTimestamp();
        var activity = PhotoTelemetry.Source.StartActivity($"job {job.Type.Name}.{job.Method.Name}", ActivityKind.Consumer);
        activity?.SetTag("messaging.system", "hangfire");
        activity?.SetTag("messaging.destination.name", QueueOf(job));
        activity?.SetTag("messaging.message.id", context.BackgroundJob.Id);
        if (activity is not null) context.Items[ActivityKey] = activity;
    }

    public void OnPerformed(PerformedContext context)
    {
        var job = context.BackgroundJob.Job;
        if (context.Items.TryGetValue(ActivityKey, out var a) && a is Activity activity)
        {
            if (context.Exception is { } e) activity.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            activity.Dispose();
        }
        if (!context.Items.TryGetValue(StartedKey, out var s) || s is not long started) return;
        var took = Stopwatch.GetElapsedTime(started);
        PhotoTelemetry.JobRan(QueueOf(job), took);
        if (context.Exception is null && job.Type == typeof(IProcessAssetJob) && job.Args is [Guid assetId, ..])
            RecordProcessed(assetId, DateTime.UtcNow - took);
    }

    public void OnStateElection(ElectStateContext context)
    {
        // Only the end of a run: elections also happen when the API enqueues or a recurring job fires.
        if (context.CurrentState != ProcessingState.StateName) return;
        var outcome = context.CandidateState switch
        {
            SucceededState => "succeeded",
            FailedState => "failed",
            ScheduledState or EnqueuedState => "retried",
            DeletedState => "failed",
            _ => null,
        };
        if (outcome is null) return;
        PhotoTelemetry.JobEnded(QueueOf(context.BackgroundJob.Job), outcome);
    }

    /// <summary>Upload to ready, in the database's clock — only if this run is what finished it (a retry of a done asset is not).</summary>
    private void RecordProcessed(Guid assetId, DateTime runStartedUtc)
    {
        if (_db is not { } db) return;
        try
        {
            using var conn = db.OpenConnection();
            var row = conn.QuerySingleOrDefault<(string Status, double Seconds)?>(
                """
                SELECT status, extract(epoch FROM updated_at - created_at)::float8 FROM assets
                WHERE id = @assetId AND status IN ('ready', 'failed') AND updated_at >= @since
                """, new { assetId, since = runStartedUtc.AddSeconds(-1) });
            if (row is { } r) PhotoTelemetry.AssetProcessed(r.Status, TimeSpan.FromSeconds(r.Seconds));
        }
        catch (NpgsqlException)
        {
            // A metric is not worth failing a job that succeeded.
        }
    }
}
