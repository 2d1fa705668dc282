using Hangfire;
using PhotoApi.Contracts;
using PhotoApi.Persistence;
using PhotoApi.Workers.Imaging;
using PhotoApi.Workers.Jobs;
using PhotoApi.Workers.Jobs.AccountsMaintenance;
using PhotoApi.Workers.Jobs.ProcessAsset;
using PhotoApi.Workers.Jobs.Sweeper;
using PhotoApi.Workers.Video;
using PhotoApi.Workers.Telemetry;

namespace PhotoApi.Workers;

public sealed class WorkerOptions
{
    /// <summary>Concurrent jobs in this process. Image work is CPU-bound: default to the number of cores.</summary>
    public int WorkerCount { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Concurrent playback transcodes in this process (the <c>video</c> queue, served by a Hangfire server of its own so
    /// that transcodes never take the workers photos wait for). Each ffmpeg run uses <c>Video:Threads</c> threads.
    /// 0 takes no transcodes in this process (a worker for photos only).
    /// </summary>
    public int VideoWorkerCount { get; set; } = 1;
}

/// <summary>The worker process: a generic host running the Hangfire server on PostgreSQL. It runs jobs; its only HTTP is the metrics listener (Metrics:WorkerPort).</summary>
public static class WorkerHost
{
    public const string MaintenanceRecurringJobId = "accounts-maintenance";
    public const string SweeperRecurringJobId = "stuck-asset-sweeper";
    public const string ResumableSweepRecurringJobId = "resumable-upload-sweep";
    public const string ExportSweepRecurringJobId = "export-sweep";
    public const string AuditRetentionRecurringJobId = "audit-retention";

    /// <summary>
    /// A run may outlast its ffmpeg time limit by its download of the original and upload of the result: work directories
    /// are presumed left behind only this long after the longest limit.
    /// </summary>
    public static readonly TimeSpan WorkDirLeftoverMargin = TimeSpan.FromHours(1);

    /// <param name="args">Command-line arguments.</param>
    /// <param name="overrides">Settings that win over every other source (tests host a worker next to the API this way).</param>
    public static HostApplicationBuilder CreateBuilder(string[] args, IDictionary<string, string?>? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(args);
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        var services = builder.Services;
        var config = builder.Configuration;
        services.AddPhotoApiDatabase(config);
        services.Configure<WorkerOptions>(config.GetSection("Worker"));
        builder.AddWorkerTelemetry(); // metrics on Metrics:WorkerPort (/metrics), job spans with Telemetry:OtlpEndpoint

        services.AddScoped<IAccountsMaintenanceJob, AccountsMaintenanceJob>();
        services.AddScoped<IProcessAssetJob, ProcessAssetJob>();
        services.AddScoped<IProcessRequestUploadJob, Jobs.RequestUploads.ProcessRequestUploadJob>();
        services.AddScoped<ICleanOriginalJob, Jobs.CleanOriginal.CleanOriginalJob>();
        services.AddScoped<IVideoPlaybackJob, Jobs.Playback.VideoPlaybackJob>();
        services.AddScoped<IStuckAssetSweeperJob, StuckAssetSweeperJob>();
        services.AddScoped<IBlobCollectorJob, BlobCollectorJob>();
        services.AddScoped<IResumableUploadSweepJob, ResumableUploadSweepJob>();
        services.AddScoped<IExportJob, Jobs.Export.ExportJob>();
        services.AddScoped<IExportSweepJob, Jobs.Export.ExportSweepJob>();
        services.AddScoped<IAuditRetentionJob, AuditRetentionJob>();
        services.Configure<AuditOptions>(config.GetSection("Audit"));
        services.Configure<ImagingOptions>(config.GetSection("Imaging"));
        services.AddSingleton<IImageProcessor, VipsImageProcessor>();
        services.Configure<VideoOptions>(config.GetSection("Video"));
        services.AddSingleton<FfmpegRunner>();
        services.AddSingleton<VideoProbe>();
        services.AddSingleton<VideoPoster>();
        services.AddSingleton<PlaybackTranscoder>();
        services.AddSingleton<VideoCleaner>();

        var storage = JobStorageFactory.Create(config.GetConnectionString(Database.ConnectionStringName)!, prepareSchema: true, config.GetValue<TimeSpan?>("Worker:InvisibilityTimeout"));
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            // Transient failures (database restarts, I/O) are retried with Hangfire's growing back-off.
            .UseFilter(new AutomaticRetryAttribute { Attempts = 5 })
            .UseStorage(storage));
        var worker = config.GetSection("Worker").Get<WorkerOptions>() ?? new WorkerOptions();
        services.AddHangfireServer(o =>
        {
            o.WorkerCount = Math.Max(1, worker.WorkerCount);
            o.Queues = Queues.All;
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            o.ShutdownTimeout = TimeSpan.FromSeconds(30);
        });
        if (worker.VideoWorkerCount > 0)
            services.AddHangfireServer(o =>
            {
                o.WorkerCount = worker.VideoWorkerCount;
                o.Queues = [Queues.Video];
                o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:video";
                o.ShutdownTimeout = TimeSpan.FromSeconds(30);
            });
        // The host waits for Hangfire's 30 s (jobs in flight finish or are handed back) before it gives up on stopping.
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(40));
        return builder;
    }

    /// <summary>Migrates the database and registers recurring jobs before the server starts taking work.</summary>
    public static async Task PrepareAsync(IHost host)
    {
        // Refuse to start on a libvips that cannot decode HEIC (phones upload HEIC): better no worker than failed photos.
        var vips = VipsStartupCheck.EnsureHeicWorks();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PhotoApi.Workers");
        log.LogInformation("libvips {Version}: HEIC decodes", vips);
        // Likewise without ffmpeg: every video would fail.
        var ffmpeg = await FfmpegStartupCheck.EnsureWorksAsync(host.Services.GetRequiredService<FfmpegRunner>(), CancellationToken.None);
        log.LogInformation("ffmpeg {Version}: H.264, AAC and Opus encode", ffmpeg);
        // Work directories a killed worker left behind; younger ones may be live runs of other workers on this machine.
        var video = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VideoOptions>>().Value;
        var leftovers = WorkDirs.DeleteLeftovers(video.MaxProcessTimeout + WorkDirLeftoverMargin, log);
        if (leftovers > 0) log.LogInformation("Deleted {Count} work directories left behind by runs that never ended", leftovers);
        JobTelemetryFilter.Register(host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()); // spans and counts per job, once per process
        CurrentJob.Register(); // the job id a run records with its claims, once per process
        using var scope = host.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<Migrator>().MigrateAsync();
        var recurring = scope.ServiceProvider.GetRequiredService<IRecurringJobManager>();
        recurring.AddOrUpdate<IAccountsMaintenanceJob>(
            MaintenanceRecurringJobId, Queues.Maintenance, j => j.PurgeExpiredAsync(CancellationToken.None), Cron.Hourly());
        recurring.AddOrUpdate<IStuckAssetSweeperJob>(
            SweeperRecurringJobId, Queues.Maintenance, j => j.SweepAsync(CancellationToken.None), "*/5 * * * *");
        recurring.AddOrUpdate<IResumableUploadSweepJob>(
            ResumableSweepRecurringJobId, Queues.Maintenance, j => j.SweepAsync(CancellationToken.None), "*/15 * * * *");
        recurring.AddOrUpdate<IExportSweepJob>(
            ExportSweepRecurringJobId, Queues.Maintenance, j => j.SweepAsync(CancellationToken.None), "*/15 * * * *");
        recurring.AddOrUpdate<IAuditRetentionJob>(
            AuditRetentionRecurringJobId, Queues.Maintenance, j => j.PurgeAsync(CancellationToken.None), Cron.Hourly(41));
    }
}
