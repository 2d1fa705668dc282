using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using PhotoApi.Api.Infrastructure.Telemetry;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Telemetry;

/// <summary>The API on a real Kestrel port and its worker with its metrics listener on, so a real Prometheus can scrape both.</summary>
public sealed class ScrapedApiFactory : ApiFactory
{
    public int ApiPort { get; } = FreePort();
    public int WorkerMetricsPort { get; } = FreePort();

    public ScrapedApiFactory() => UseKestrel(ApiPort);

    /// <summary>Every client of the fixture talks to the Kestrel port (over TCP, as Prometheus does).</summary>
    protected override Uri ClientBaseAddress => new($"http://127.0.0.1:{ApiPort}");

    protected override IEnumerable<(string Key, string Value)> WorkerSettings =>
        [("Metrics:WorkerPort", WorkerMetricsPort.ToString(CultureInfo.InvariantCulture))];

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// Debian's Prometheus (PHOTOAPI_TEST_PROMETHEUS, installed by deploy/lib/prometheus.sh) scrapes the API's /metrics and
/// the worker's listener every second; the test drives requests, uploads and a link, then asks Prometheus's HTTP API for
/// the numbers it must now hold — counted by route template, by queue and outcome — and checks that the link's key is
/// in no series.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PrometheusScrapeTests(ScrapedApiFactory api) : IClassFixture<ScrapedApiFactory>
{
    [Fact]
    public async Task Prometheus_scrapes_request_counts_by_route_uploads_and_jobs_from_the_api_and_the_worker()
    {
        await using var prometheus = await PrometheusProcess.StartAsync(("api", api.ApiPort), ("worker", api.WorkerMetricsPort));
        var owner = await api.NewUserAsync("scraped");

        var files = new List<byte[]>();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var bytes = (await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"))).Concat(Guid.NewGuid().ToByteArray()).ToArray();
            files.Add(bytes);
            ids.Add((await owner.UploadBytesAsync(bytes, $"p{i}.jpg")).Id);
        }
        foreach (var id in ids) Assert.Equal("ready", (await owner.WaitProcessedAsync(id)).Status);
        for (var i = 0; i < 4; i++) await (await owner.Client.GetAsync("/api/v1/assets")).ShouldBe(200);
        var album = await owner.CreateAlbumAsync("Scraped", [.. ids]);
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares",
            new { target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public" }).Json<Share>(201);
        var guest = api.NewClient();
        for (var i = 0; i < 2; i++) await (await guest.GetAsync($"/api/v1/s/{share.Key}")).ShouldBe(200);

        // Request rate by route: the template, counted exactly (ASP.NET Core's http.server.request.duration histogram).
        Assert.Equal(4, await prometheus.WaitForAsync(
            """sum(http_server_request_duration_seconds_count{job="api",http_route="/api/v1/assets",http_request_method="GET"})""", 4));
        Assert.Equal(3, await prometheus.WaitForAsync(
            """sum(http_server_request_duration_seconds_count{job="api",http_route="/api/v1/assets",http_request_method="POST",http_response_status_code="201"})""", 3));
        Assert.Equal(2, await prometheus.WaitForAsync(
            """sum(http_server_request_duration_seconds_count{job="api",http_route="/api/v1/s/{key}"})""", 2));
        // Upload bytes and count, where the uploads were committed.
        long total = files.Sum(f => f.LongLength);
        Assert.Equal(total, await prometheus.WaitForAsync("""sum(photoapi_upload_bytes_total{job="api",kind="asset"})""", total));
        // The worker (its series; this test process hosts both, so PhotoApi's meter shows on both targets, where two
        // processes would each show their own): the three ProcessAsset runs on the media queue, and the time each asset took from upload to ready.
        Assert.Equal(3, await prometheus.WaitForAsync("""sum(photoapi_jobs_total{job="worker",queue="media",outcome="succeeded"})""", 3));
        Assert.Equal(0, await prometheus.WaitForAsync("""sum(photoapi_jobs_total{job="worker",queue="media",outcome="failed"}) or vector(0)""", 0));
        Assert.Equal(3, await prometheus.WaitForAsync("""sum(photoapi_asset_processing_latency_seconds_count{job="worker",status="ready"})""", 3));
        Assert.Equal(0, await prometheus.WaitForAsync("""max(photoapi_queue_depth{job="worker",queue="media"})""", 0));

        // The key opens the album: it must be in no label of either process, only the template is.
        var series = await prometheus.GetAsync("/api/v1/label/__name__/values");
        Assert.Contains("photoapi_queue_depth", series);
        foreach (var target in new[] { api.ApiPort, api.WorkerMetricsPort })
        {
            using var http = new HttpClient();
            var text = await http.GetStringAsync($"http://127.0.0.1:{target}/metrics");
            Assert.DoesNotContain(share.Key, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Username=", text, StringComparison.Ordinal); // Npgsql's pool name is its connection string: dropped
        }
        Assert.Equal(0, await prometheus.QueryAsync($"count({{__name__=~\".+\",http_route=~\".*{share.Key}.*\"}}) or vector(0)"));
    }

    [Fact]
    public async Task Metrics_are_served_to_the_machine_itself_whatever_X_Forwarded_For_claims()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{api.ApiPort}/metrics");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9"); // the socket's peer decides, not a header
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/s/AbC-123/assets/5/original", "/api/v1/s/{key}/assets/5/original")]
    [InlineData("/s/AbC-123", "/s/{key}")]
    [InlineData("/api/v1/r/k3y/tus/9", "/api/v1/r/{key}/tus/9")]
    [InlineData("/api/v1/downloads/archive-links/t0ken", "/api/v1/downloads/archive-links/{key}")]
    [InlineData("/api/v1/assets/5", "/api/v1/assets/5")]
    public void Span_paths_carry_no_link_key(string path, string redacted) => Assert.Equal(redacted, ApiTelemetry.RedactPath(path));
}

/// <summary>A Prometheus process of the test's own: temporary folder, free port, 1 s scrapes; killed on dispose.</summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly HttpClient _http;

    private PrometheusProcess(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public static async Task<PrometheusProcess> StartAsync(params (string Job, int Port)[] targets)
    {
        var binary = Environment.GetEnvironmentVariable("PHOTOAPI_TEST_PROMETHEUS");
        Assert.False(string.IsNullOrEmpty(binary) || !File.Exists(binary),
            "PHOTOAPI_TEST_PROMETHEUS is not set: run the tests with ./deploy/dev.sh test (deploy/lib/prometheus.sh installs Prometheus).");
        var dir = Directory.CreateTempSubdirectory("photoapi-prometheus-").FullName;
        var port = ScrapedApiFactory.FreePort();
        var config = "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" + string.Concat(targets.Select(t =>
            $"  - job_name: {t.Job}\n    static_configs:\n      - targets: ['127.0.0.1:{t.Port}']\n"));
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), config);
        var start = new ProcessStartInfo { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Environment.UserName == "root")
        {
            // Unprivileged: as the package's own user, in a folder it owns.
            Process.Start("chown", ["-R", "prometheus:", dir])!.WaitForExit();
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", "prometheus", "--", binary! }) start.ArgumentList.Add(a);
        }
        else start.FileName = binary!;
        foreach (var a in new[] { $"--config.file={dir}/prometheus.yml", $"--storage.tsdb.path={dir}/data", $"--web.listen-address=127.0.0.1:{port}" })
            start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var result = new PrometheusProcess(process, dir, port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if ((await result._http.GetAsync("/-/ready")).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            if (process.HasExited || DateTime.UtcNow > deadline) Assert.Fail($"Prometheus did not start (exit {(process.HasExited ? process.ExitCode : -1)}).");
            await Task.Delay(200);
        }
        return result;
    }

    public async Task<string> GetAsync(string path) => await _http.GetStringAsync(path);

    /// <summary>The one value of an instant query (NaN when it has no result).</summary>
    public async Task<double> QueryAsync(string promql)
    {
        var json = await _http.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(promql));
        Assert.Equal("success", json.GetProperty("status").GetString());
        var result = json.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? double.NaN
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    /// <summary>Queries until the value is <paramref name="expected"/> (scrapes are 1 s apart) or 30 s pass; returns the last value.</summary>
    public async Task<double> WaitForAsync(string promql, double expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        double value;
        while ((value = await QueryAsync(promql)) != expected && DateTime.UtcNow < deadline) await Task.Delay(500);
        return value;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
