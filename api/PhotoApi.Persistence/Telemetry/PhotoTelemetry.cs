using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace PhotoApi.Persistence.Telemetry;

/// <summary>
/// PhotoApi's own instruments, shared by the API and the worker (one meter and one activity source, both named
/// <see cref="Name"/>). Labels are small closed sets (a queue, an operation, an outcome) — never an id, a path or a link
/// key, so a scrape cannot leak what a link opens and the series stay few.
/// </summary>
public static class PhotoTelemetry
{
    public const string Name = "PhotoApi";

    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource Source = new(Name);

    private static readonly Counter<long> UploadBytes = Meter.CreateCounter<long>(
        "photoapi.upload.bytes", "By", "Bytes of uploads committed (kind: asset, request, resumable).");

    private static readonly Counter<long> Uploads = Meter.CreateCounter<long>(
        "photoapi.uploads", "{upload}", "Uploads committed (kind: asset, request, resumable).");

    private static readonly Counter<long> BlobErrors = Meter.CreateCounter<long>(
        "photoapi.blob.errors", "{error}", "Blob store calls that threw, by operation (a missing blob is not an error).");

    private static readonly Counter<long> Jobs = Meter.CreateCounter<long>(
        "photoapi.jobs", "{job}", "Job runs by queue and outcome: succeeded, failed (no attempt left), retried (another attempt scheduled).");

    private static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>(
        "photoapi.job.duration", "s", "Time one job run took, by queue.");

    private static readonly Histogram<double> ProcessingLatency = Meter.CreateHistogram<double>(
        "photoapi.asset.processing.latency", "s", "From upload (the asset row's created_at) to the worker marking it ready or failed.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800] });

    /// <summary>Called once per upload, where its bytes and row are committed.</summary>
    public static void UploadCommitted(string kind, long bytes)
    {
        var tag = new KeyValuePair<string, object?>("kind", kind);
        UploadBytes.Add(bytes, tag);
        Uploads.Add(1, tag);
    }

    public static void BlobError(string operation) => BlobErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public static void JobEnded(string queue, string outcome) => Jobs.Add(1, new("queue", queue), new("outcome", outcome));

    public static void JobRan(string queue, TimeSpan took) => JobDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("queue", queue));

    /// <param name="status">ready or failed.</param>
    public static void AssetProcessed(string status, TimeSpan sinceUpload) =>
        ProcessingLatency.Record(Math.Max(0, sinceUpload.TotalSeconds), new KeyValuePair<string, object?>("status", status));
}
