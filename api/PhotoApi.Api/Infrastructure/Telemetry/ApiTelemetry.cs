using System.Net;
using System.Text.RegularExpressions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PhotoApi.Persistence.Telemetry;

namespace PhotoApi.Api.Infrastructure.Telemetry;

/// <summary>Which scrapers may read /metrics.</summary>
public sealed class MetricsOptions
{
    /// <summary>Serve /metrics at all (default true: its labels are route templates, queues and operations, never a path).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Networks (CIDR, or a single address) whose connections may scrape, besides loopback. The address is the socket's
    /// peer, never X-Forwarded-For: a client cannot claim to be the scraper through a header. Scrape each node directly,
    /// not through the load balancer (which must not forward /metrics).
    /// </summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>When set, a scrape must also send <c>Authorization: Bearer</c> this token (Prometheus: <c>authorization</c>).</summary>
    public string? BearerToken { get; set; }
}

/// <summary>
/// The API's OpenTelemetry: ASP.NET Core's request metrics (<c>http.server.request.duration</c> by <c>http.route</c>, the
/// route template) and, with an OTLP endpoint, request spans; a Prometheus /metrics endpoint for the scrapers
/// <see cref="MetricsOptions"/> allows (anyone else gets a 404, as for a path that does not exist).
/// </summary>
public static partial class ApiTelemetry
{
    public const string MetricsPath = "/metrics";
    private const string PeerKey = "photoapi.socket-peer";

    public static void AddApiTelemetry(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Metrics").Get<MetricsOptions>() ?? new MetricsOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddPhotoApiTelemetry(builder.Configuration, "photoapi-api",
            metrics: m =>
            {
                m.AddAspNetCoreInstrumentation();
                if (options.Enabled) m.AddPrometheusExporter();
            },
            tracing: t => t.AddAspNetCoreInstrumentation(o =>
            {
                o.Filter = ctx => !ctx.Request.Path.StartsWithSegments(MetricsPath) && !ctx.Request.Path.StartsWithSegments("/health");
                // A link's key opens what it shares: the span keeps the route template as its name, and a redacted path.
                o.EnrichWithHttpRequest = (activity, request) => activity.SetTag("url.path", RedactPath(request.Path.Value));
            }));
    }

    /// <summary>Remembers the socket's peer before the forwarded-headers middleware replaces it with what a header claims.</summary>
    public static void UseSocketPeer(this WebApplication app) =>
        app.Use((ctx, next) =>
        {
            ctx.Items[PeerKey] = ctx.Connection.RemoteIpAddress;
            return next(ctx);
        });

    /// <summary>/metrics for allowed scrapers; a 404 for anyone else (the request goes on to the rest of the pipeline).</summary>
    public static void UseMetricsEndpoint(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<MetricsOptions>();
        if (!options.Enabled) return;
        var networks = options.AllowedNetworks.Select(ParseNetwork).ToArray();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(ctx => ctx.Request.Path == MetricsPath && Allowed(ctx, networks, options.BearerToken));
        app.Use((ctx, next) =>
        {
            if (ctx.Request.Path != MetricsPath) return next(ctx);
            ctx.Response.StatusCode = StatusCodes.Status404NotFound; // not the web app's page either: there is nothing here for this caller
            return Task.CompletedTask;
        });
    }

    private static bool Allowed(HttpContext ctx, IPNetwork[] networks, string? token)
    {
        if (ctx.Items[PeerKey] is not IPAddress peer) return false;
        if (peer.IsIPv4MappedToIPv6) peer = peer.MapToIPv4();
        if (!IPAddress.IsLoopback(peer) && !networks.Any(n => n.Contains(peer))) return false;
        if (string.IsNullOrEmpty(token)) return true;
        var sent = ctx.Request.Headers.Authorization.ToString();
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(sent), System.Text.Encoding.UTF8.GetBytes("Bearer " + token));
    }

    /// <summary>A CIDR (10.0.0.0/8) or one address (10.1.2.3); anything else stops the start with the value in the message.</summary>
    public static IPNetwork ParseNetwork(string value) =>
        IPNetwork.TryParse(value, out var network) ? network
        : IPAddress.TryParse(value, out var address) ? new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
        : throw new InvalidOperationException($"'{value}' is not an IP address or a CIDR network (e.g. 10.0.0.0/8).");

    /// <summary>The path with link keys and archive tokens replaced: <c>/api/v1/s/abc/assets</c> → <c>/api/v1/s/{key}/assets</c>.</summary>
    public static string RedactPath(string? path) => path is null ? "" : LinkSegment().Replace(path, "$1{key}");

    [GeneratedRegex("((?:^|/)(?:s|r|archive-links)/)[^/]+", RegexOptions.CultureInvariant)]
    private static partial Regex LinkSegment();
}
