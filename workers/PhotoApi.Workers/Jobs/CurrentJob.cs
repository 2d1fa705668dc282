using Hangfire.Common;
using Hangfire.Server;

namespace PhotoApi.Workers.Jobs;

/// <summary>
/// The Hangfire job id of the run executing on this async flow, for jobs that record which job claimed a row
/// (<see cref="Persistence.Writes.ProcessingClaims.JobClaim"/>) without a job id parameter in their signatures (jobs
/// already enqueued must still deserialize). A server filter sets it before the job method is invoked and clears it
/// after; Hangfire invokes both on the worker's thread around the method, so the value flows into it and its awaits.
/// Null outside Hangfire (a job called directly, as tests do): such a run takes back no claim.
/// </summary>
/// <remarks>
/// Hangfire keeps filters in one process-wide list, so the filter is added once per process (<see cref="Register"/>),
/// like <see cref="Telemetry.JobTelemetryFilter"/>.
/// </remarks>
public sealed class CurrentJob : JobFilterAttribute, IServerFilter
{
    private static readonly AsyncLocal<string?> Current = new();
    private static readonly CurrentJob Instance = new();
    private static readonly Lock Registering = new();

    private CurrentJob() { }

    /// <summary>The id of the Hangfire job this code runs in, or null outside a Hangfire run.</summary>
    public static string? Id => Current.Value;

    /// <summary>Adds the filter to Hangfire's global list, once per process.</summary>
    public static void Register()
    {
        lock (Registering)
            if (!Hangfire.GlobalJobFilters.Filters.Any(f => ReferenceEquals(f.Instance, Instance))) Hangfire.GlobalJobFilters.Filters.Add(Instance);
    }

    /// <summary>
    /// Runs the code that follows on this async flow as a run of job <paramref name="jobId"/> until disposed, as the filter
    /// does around a Hangfire run: for tests that call a job directly as a rerun of a job would.
    /// </summary>
    internal static IDisposable As(string jobId)
    {
        Current.Value = jobId;
        return new Ended();
    }

    private sealed class Ended : IDisposable
    {
        public void Dispose() => Current.Value = null;
    }

    public void OnPerforming(PerformingContext context) => Current.Value = context.BackgroundJob.Id;

    public void OnPerformed(PerformedContext context) => Current.Value = null;
}
