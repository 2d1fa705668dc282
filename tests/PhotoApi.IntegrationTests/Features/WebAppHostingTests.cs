using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using PhotoApi.Api.Infrastructure.Web;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// How the API hosts the web app's build (<see cref="WebApp"/>): the real pipeline over a build folder of its own
/// (<c>WebApp:Root</c> at a temporary folder holding <c>index.html</c> and one hashed asset).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class WebAppHostingTests(ApiFactory api) : IClassFixture<ApiFactory>, IDisposable
{
    private const string IndexHtml = "<!doctype html><title>PhotoApi</title><div id=app></div>";
    private const string AssetJs = "console.log('app');";
    private readonly string _root = Directory.CreateTempSubdirectory("photoapi-webapp-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private HttpClient Client(out Hosted host)
    {
        File.WriteAllText(Path.Combine(_root, "index.html"), IndexHtml);
        Directory.CreateDirectory(Path.Combine(_root, "assets"));
        File.WriteAllText(Path.Combine(_root, "assets", "a-123.js"), AssetJs);
        host = new Hosted(api, _root, publicUrl: null);
        return host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
    }

    private static void AssertPageHeaders(HttpResponseMessage response)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(WebApp.ContentSecurityPolicy, Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task App_paths_get_index_html_with_the_pages_headers_and_nothing_else_is_shadowed()
    {
        using var client = Client(out var host);
        await using var _ = host;

        foreach (var path in new[] { "/", "/s/abc", "/r/abc", "/albums/0190a6c3-0000-7000-8000-000000000000", "/index.html" })
        {
            var page = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal(IndexHtml, await page.Content.ReadAsStringAsync());
            AssertPageHeaders(page);
        }
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/s/abc"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        AssertPageHeaders(head);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // The build's hashed files: cached for good, no page headers.
        var asset = await client.GetAsync("/assets/a-123.js");
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal(AssetJs, await asset.Content.ReadAsStringAsync());
        Assert.Equal("public, max-age=31536000, immutable", string.Join(", ", asset.Headers.GetValues("Cache-Control")));
        Assert.False(asset.Headers.Contains("Content-Security-Policy"));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/assets/a-123.js"))).StatusCode);

        // Nothing under /assets/ is a page, nor a path naming a file; nor a POST.
        foreach (var path in new[] { "/assets/x", "/assets/x.js", "/assets", "/assets/deep/er", "/s/k/x.jpg", "/favicon.ico" })
        {
            var missing = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.DoesNotContain("<title>PhotoApi</title>", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(missing.Headers.CacheControl?.ToString().Contains("immutable", StringComparison.Ordinal) == true, path);
        }
        var post = await client.PostAsync("/s/abc", new StringContent("x"));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.DoesNotContain("<title>PhotoApi</title>", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The API's own paths answer themselves, their 404s included.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var contract = await client.GetAsync("/openapi.yaml");
        Assert.Equal(HttpStatusCode.OK, contract.StatusCode);
        Assert.StartsWith("openapi:", await contract.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var docs = await client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("PhotoApi", await docs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(IndexHtml, await docs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var nope = await client.GetAsync("/api/v1/nope");
        Assert.Equal(HttpStatusCode.NotFound, nope.StatusCode);
        Assert.Equal("application/problem+json", nope.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_docs_page_runs_under_a_csp_with_a_nonce_and_no_other_origin()
    {
        using var client = Client(out var host);
        await using var _ = host;
        var docs = await client.GetAsync("/docs/");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        var csp = Assert.Single(docs.Headers.GetValues("Content-Security-Policy"));
        var html = await docs.Content.ReadAsStringAsync();
        var nonce = System.Text.RegularExpressions.Regex.Match(html, "nonce=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains($"'nonce-{nonce}'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("http", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        // A fresh nonce each time.
        Assert.NotEqual(csp, Assert.Single((await client.GetAsync("/docs/")).Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task Without_a_web_app_build_or_PublicUrl_the_server_warns_that_link_urls_point_at_pages_it_does_not_serve()
    {
        await using (var apiOnly = new Hosted(api, Path.Combine(_root, "none"), publicUrl: null))
        {
            using var client = apiOnly.CreateClient();
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/s/abc")).StatusCode);
            Assert.True(apiOnly.Logs.Any(l => l.Level == LogLevel.Warning && l.Message.Contains("PublicUrl", StringComparison.Ordinal) &&
                                              l.Message.Contains("/s/{key}", StringComparison.Ordinal)),
                string.Join("\n", apiOnly.Logs.Select(l => $"{l.Level}: {l.Message}")));
        }
        await using (var configured = new Hosted(api, Path.Combine(_root, "none"), publicUrl: "https://photos.example.org"))
        {
            using var client = configured.CreateClient();
            await client.GetAsync("/health/live");
            Assert.DoesNotContain(configured.Logs, l => l.Level == LogLevel.Warning && l.Message.Contains("PublicUrl", StringComparison.Ordinal));
        }
    }

    /// <summary>The API over the shared fixture's database, with its own web app root and a log it keeps.</summary>
    private sealed class Hosted(ApiFactory shared, string root, string? publicUrl) : WebApplicationFactory<Program>
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Postgres", shared.ConnectionString);
            builder.UseSetting("Blobs:Root", shared.BlobRoot);
            builder.UseSetting("WebApp:Root", root);
            if (publicUrl is not null) builder.UseSetting("PublicUrl", publicUrl);
            builder.ConfigureLogging(l => l.AddProvider(new Collecting(Logs)));
        }
    }

    private sealed class Collecting(ConcurrentQueue<(LogLevel, string)> logs) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue((logLevel, formatter(state, exception)));
    }
}
