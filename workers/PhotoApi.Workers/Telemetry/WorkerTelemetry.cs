using System.Diagnostics.Metrics;
using Dapper;
using Npgsql;
using OpenTelemetry.Metrics;
using PhotoApi.Persistence.Telemetry;

namespace PhotoApi.Workers.Telemetry;

/// <summary>The worker's metrics listener.</summary>
public sealed class WorkerMetricsOptions
{
    /// <summary>
    /// Port of the listener (Metrics:WorkerPort; unset: no listener, as a worker serves no HTTP unless asked — and two
    /// workers on one machine need two ports, so there is no default that is always right). 9464 is Prometheus' usual one.
    /// </summary>
    public int? WorkerPort { get; set; }

    /// <summary>
    /// The host it listens on (default 127.0.0.1: only this machine may scrape). <c>+</c> listens on every address — then
    /// let only the scraper reach the port (the worker serves nothing else; its metrics name queues, never an asset).
    /// </summary>
    public string WorkerHost { get; set; } = "127.0.0.1";
}

/// <summary>
/// The worker's OpenTelemetry: PhotoApi's meter (jobs by queue and outcome, job duration, upload-to-ready latency,
/// blob-store errors), Npgsql, the runtime; spans per job with an OTLP endpoint; a Prometheus listener at
/// <c>http://{WorkerHost}:{WorkerPort}/metrics</c> when a port is set (the worker serves no other HTTP); and the queue depth.
/// </summary>
public static class WorkerTelemetry
{
    public static void AddWorkerTelemetry(this HostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Metrics").Get<WorkerMetricsOptions>() ?? new WorkerMetricsOptions();
        builder.Services.AddPhotoApiTelemetry(builder.Configuration, "photoapi-worker",
            metrics: m =>
            {
                if (options.WorkerPort is { } port)
                    m.AddPrometheusHttpListener(o =>
                    {
                        o.Host = options.WorkerHost;
                        o.Port = port;
                        o.ScrapeEndpointPath = "/metrics";
                    });
            },
            tracing: _ => { });
        builder.Services.AddHostedService<QueueDepth>();
    }
}

/// <summary>
/// <c>photoapi.queue.depth</c>: jobs waiting (not fetched by any worker) per queue, read from Hangfire's tables every
/// 5 s — a scrape reads the last value and never waits on the database (which may be restarting). Every worker reports
/// the same numbers: aggregate with max, not sum.
/// </summary>
internal sealed class QueueDepth(NpgsqlDataSource db, ILogger<QueueDepth> log) : BackgroundService
{
    // One gauge per process (the meter is static; test processes start several worker hosts one after another).
    private static volatile IReadOnlyList<Measurement<long>> _last = [];
    private static readonly ObservableGauge<long> Gauge =
        PhotoTelemetry.Meter.CreateObservableGauge("photoapi.queue.depth", () => _last, "{job}", "Jobs waiting in each queue.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = Gauge;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await db.OpenConnectionAsync(stoppingToken);
                var rows = await conn.QueryAsync<(string Queue, long Count)>(new CommandDefinition(
                    "SELECT queue, count(*) FROM hangfire.jobqueue WHERE fetchedat IS NULL GROUP BY queue", cancellationToken: stoppingToken));
                var known = rows.ToDictionary(r => r.Queue, r => r.Count);
                _last = PhotoApi.Contracts.Queues.All.Concat(known.Keys).Distinct()
                    .Select(q => new Measurement<long>(known.GetValueOrDefault(q), new KeyValuePair<string, object?>("queue", q))).ToArray();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                log.LogDebug(e, "Queue depth: the database does not answer");
            }
            catch (OperationCanceledException) { return; }
            try { await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }
}
