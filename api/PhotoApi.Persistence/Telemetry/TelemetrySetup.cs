using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PhotoApi.Persistence.Telemetry;

/// <summary>
/// OpenTelemetry as the API and the worker share it: PhotoApi's own meter, Npgsql's, the .NET runtime's and outgoing
/// HTTP (the S3 client) for metrics; traces of the same plus Npgsql commands and Hangfire jobs. Each process adds its
/// own parts (ASP.NET Core and /metrics on the API, the job filter and a listener on the worker).
/// </summary>
/// <remarks>
/// Traces are only collected when <c>Telemetry:OtlpEndpoint</c> names an OTLP collector (off by default: without a
/// destination a span costs time and goes nowhere); metrics are always collected, for /metrics and, when the endpoint
/// is set, OTLP as well (<c>Telemetry:OtlpProtocol</c>: grpc, the default, or http/protobuf).
/// </remarks>
public static class TelemetrySetup
{
    public static OpenTelemetryBuilder AddPhotoApiTelemetry(this IServiceCollection services, IConfiguration config, string serviceName,
        Action<MeterProviderBuilder> metrics, Action<TracerProviderBuilder> tracing)
    {
        var otlp = config["Telemetry:OtlpEndpoint"];
        var protocol = string.Equals(config["Telemetry:OtlpProtocol"], "http/protobuf", StringComparison.OrdinalIgnoreCase)
            ? OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf : OpenTelemetry.Exporter.OtlpExportProtocol.Grpc;
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(m =>
            {
                m.AddMeter(PhotoTelemetry.Name, "Npgsql").AddRuntimeInstrumentation().AddHttpClientInstrumentation();
                // Npgsql names its pool by the connection string (host, user, database): not a label for a scrape to carry.
                m.AddView(i => i.Meter.Name == "Npgsql" ? new MetricStreamConfiguration { TagKeys = ["db.client.connection.state"] } : null);
                metrics(m);
                if (!string.IsNullOrWhiteSpace(otlp)) m.AddOtlpExporter(o => { o.Endpoint = new Uri(otlp); o.Protocol = protocol; });
            });
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            builder.WithTracing(t =>
            {
                t.AddSource(PhotoTelemetry.Name).AddNpgsql().AddHttpClientInstrumentation();
                tracing(t);
                t.AddOtlpExporter(o => { o.Endpoint = new Uri(otlp); o.Protocol = protocol; });
            });
        }
        return builder;
    }
}
