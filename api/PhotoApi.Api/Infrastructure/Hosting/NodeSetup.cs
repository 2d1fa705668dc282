using Microsoft.AspNetCore.HttpOverrides;
using PhotoApi.Api.Infrastructure.Telemetry;

namespace PhotoApi.Api.Infrastructure.Hosting;

/// <summary>How long a stopping API keeps going.</summary>
public sealed class ShutdownOptions
{
    /// <summary>
    /// After SIGTERM, how long the API keeps serving while /health/ready answers 503, so the load balancer's next health
    /// checks take the node out before it stops accepting connections (default 0: a single node has nobody to drain to).
    /// Set it a little above the balancer's check interval times its fall count.
    /// </summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Then how long requests in flight (an upload streaming to the store…) get to finish before they are cut (default 30 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// What one API node among several needs, checked at start: forwarded headers trusted from the configured proxies only,
/// a warning when a proxied node has no PublicUrl, and a shutdown that drains before it stops.
/// </summary>
public static class NodeSetup
{
    public static void AddNodeSetup(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var shutdown = config.GetSection("Shutdown").Get<ShutdownOptions>() ?? new ShutdownOptions();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdown.DrainDelay + shutdown.Timeout);
        builder.Services.AddSingleton(shutdown);
        builder.Services.AddHostedService<DrainOnStop>();

        // Behind a reverse proxy the client address (used by throttling) comes from X-Forwarded-For — from the proxies
        // named here only. With none named, every peer is trusted: right only when nothing but the proxy can reach the API
        // (its own network, a firewall); ForwardedHeaders:KnownProxies / KnownNetworks narrow it, and a start says which.
        if (config.GetValue<bool>("ForwardedHeaders:Enabled"))
        {
            var proxies = config.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [];
            var networks = config.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [];
            builder.Services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                o.KnownIPNetworks.Clear();
                o.KnownProxies.Clear();
                foreach (var p in proxies) o.KnownIPNetworks.Add(ApiTelemetry.ParseNetwork(p));
                foreach (var n in networks) o.KnownIPNetworks.Add(ApiTelemetry.ParseNetwork(n));
            });
        }
    }

    /// <summary>Logs, once the app is built, what the node trusts and what it lacks for running behind a proxy.</summary>
    public static void LogNodeSetup(this WebApplication app)
    {
        var config = app.Configuration;
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PhotoApi.Node");
        if (!config.GetValue<bool>("ForwardedHeaders:Enabled")) return;
        var trusted = (config.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [])
            .Concat(config.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? []).ToArray();
        if (trusted.Length == 0)
            log.LogWarning("ForwardedHeaders:Enabled trusts X-Forwarded-For from any peer: any client that reaches this port directly can " +
                           "choose its address (throttling). Name the proxies in ForwardedHeaders:KnownProxies or ForwardedHeaders:KnownNetworks.");
        else
            log.LogInformation("X-Forwarded-For is trusted from {Proxies}", string.Join(", ", trusted));
        // A warning, not a refusal: links built from the request are right when the proxy passes Host and X-Forwarded-Proto
        // (haproxy, nginx with proxy_set_header Host); only a proxy that rewrites Host makes them wrong, and a node that
        // refused to start over a link format would take the whole library down with it.
        if (string.IsNullOrWhiteSpace(config["PublicUrl"]))
            log.LogWarning("PublicUrl is not set behind a proxy: share and photo-request link urls use the Host each request arrives with. " +
                           "Set PublicUrl to the public origin so every node builds the same links.");
    }

    /// <summary>On SIGTERM: readiness answers 503 at once (it watches ApplicationStopping), then the API serves on for the drain delay.</summary>
    private sealed class DrainOnStop(ShutdownOptions options, ILogger<DrainOnStop> log) : IHostedLifecycleService
    {
        public async Task StoppingAsync(CancellationToken cancellationToken)
        {
            if (options.DrainDelay <= TimeSpan.Zero) return;
            log.LogInformation("Stopping: draining for {Delay} (readiness answers 503) before refusing connections", options.DrainDelay);
            try { await Task.Delay(options.DrainDelay, cancellationToken); }
            catch (OperationCanceledException) { }
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
