using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// What the API hands out cannot be turned against the people who receive it: zip entries are plain, distinct file names;
/// uploaded files of types a browser would run (HTML, SVG…) are served as downloads of opaque bytes; no response lets a
/// browser guess a type.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsHttpHardeningTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Archive_entries_are_plain_distinct_names_without_directories_or_bidi_characters()
    {
        var user = await api.NewUserAsync("zipper");
        var names = new[] { "..", "invoice\u202Egpj.exe", "same.jpg", "SAME.jpg", "CON.txt", "tab\u2066bed\u200B.jpg" };
        var ids = new List<Guid>();
        foreach (var name in names) ids.Add((await user.UploadBytesAsync(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()), name)).Id);
        // A name stored before names were cleaned on upload.
        var legacy = (await user.UploadBytesAsync(Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()), "legacy.sh")).Id;
        await using (var db = new NpgsqlConnection(api.ConnectionString))
            await db.ExecuteAsync("UPDATE assets SET original_file_name = @name WHERE id = @legacy", new { name = "../../etc/cron.d/evil", legacy });
        ids.Add(legacy);

        var response = await user.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = ids });
        await response.ShouldBe(200);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read);
        var entries = zip.Entries.Select(e => e.FullName).ToList();

        Assert.Equal(ids.Count, entries.Count);
        Assert.Equal(entries.Count, entries.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(entries, e =>
        {
            Assert.DoesNotContain('/', e);
            Assert.DoesNotContain('\\', e);
            Assert.NotEqual("..", e);
            Assert.DoesNotContain(e, c => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format);
        });
        Assert.Contains("invoicegpj.exe", entries);
        Assert.Contains("same.jpg", entries);
        Assert.Contains("SAME (2).jpg", entries);
        Assert.Contains("_CON.txt", entries);
        Assert.Contains("tabbed.jpg", entries);
    }

    [Fact]
    public async Task Originals_of_types_a_browser_would_run_are_served_as_opaque_attachments_and_nothing_is_sniffed()
    {
        var owner = await api.NewUserAsync("hoster");
        var html = Encoding.UTF8.GetBytes($"<html><script>alert(document.cookie)</script>{Guid.NewGuid()}</html>");
        var page = await owner.Client.PostAsync("/api/v1/assets", Library.Form(html, "page.html", contentType: "text/html")).Json<Uploaded>(201);
        var svg = Encoding.UTF8.GetBytes($"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script><!--{Guid.NewGuid()}--></svg>");
        var drawing = await owner.Client.PostAsync("/api/v1/assets", Library.Form(svg, "drawing.svg", contentType: "image/svg+xml")).Json<Uploaded>(201);
        var photo = await owner.UploadUniqueAsync();

        await AssertOpaqueAttachmentAsync(await owner.Client.GetAsync($"/api/v1/assets/{page.Id}/original"), html);
        await AssertOpaqueAttachmentAsync(await owner.Client.GetAsync($"/api/v1/assets/{drawing.Id}/original"), svg);
        var jpeg = await owner.Client.GetAsync($"/api/v1/assets/{photo}/original");
        await jpeg.ShouldBe(200);
        Assert.Equal("image/jpeg", jpeg.Content.Headers.ContentType?.MediaType);
        AssertNoSniff(jpeg);

        // A guest's upload through a link, downloaded by another guest.
        var album = await owner.CreateAlbumAsync("Drop", photo);
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public", allowDownload = true, allowUpload = true,
        }).Json<Share>(201);
        var guestHtml = Encoding.UTF8.GetBytes($"<html><body onload=\"steal()\">{Guid.NewGuid()}</body></html>");
        var sent = await api.NewClient().PostAsync($"/api/v1/s/{share.Key}/assets", Library.Form(guestHtml, "hello.html", contentType: "text/html"))
            .Json<Uploaded>(201);
        await AssertOpaqueAttachmentAsync(await api.NewClient().GetAsync($"/api/v1/s/{share.Key}/assets/{sent.Id}/original"), guestHtml);

        // Every response says nosniff: JSON, problems, the contract.
        AssertNoSniff(await owner.Client.GetAsync("/api/v1/users/me"));
        AssertNoSniff(await api.NewClient().GetAsync("/api/v1/nothing-here"));
        AssertNoSniff(await api.NewClient().GetAsync("/api/v1/users/me"));
        AssertNoSniff(await api.NewClient().GetAsync("/openapi.yaml"));
    }

    [Fact]
    public async Task Requests_the_server_refuses_before_routing_get_problem_json_too()
    {
        // Kestrel itself (not the in-memory test server) refuses a %00 in the path; so this runs the API on a real socket.
        using var kestrel = new OnASocket(api);
        kestrel.UseKestrel(0);
        kestrel.StartServer();
        using var client = kestrel.CreateClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ApiFactory.RandomIp());

        await client.GetAsync("/health/live").ShouldBe(200);
        var routes = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Count > 0 && e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal)).Select(e => e.RoutePattern).DistinctBy(p => p.RawText).ToList();
        Assert.NotEmpty(routes);
        var probes = routes.SelectMany(r => r.Parameters.Select(nul => r.Parameters.Aggregate("/" + r.RawText!.TrimStart('/'),
                (url, p) => url.Replace($"{{{p.Name}}}", p == nul ? "a%00b" : Guid.CreateVersion7().ToString()))))
            .Append("/api/v1/assets%00").Append("/%00");
        foreach (var probe in probes)
        {
            var response = await client.GetAsync(probe);
            var problem = await response.ShouldBeProblem(400, "request.malformed");
            Assert.Equal(400, problem.Status);
            AssertNoSniff(response);
        }
        // The connection that follows a refusal works as usual.
        await client.GetAsync("/health/live").ShouldBe(200);
        var session = await api.LoginAsync("admin", ApiFactory.AdminPassword);
        using var signedIn = kestrel.CreateClient();
        signedIn.DefaultRequestHeaders.Authorization = session.Client.DefaultRequestHeaders.Authorization;
        await signedIn.GetAsync("/api/v1/users/me").ShouldBe(200);
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var uploaded = await signedIn.PostAsync("/api/v1/assets", Library.Form(bytes, "big.bin")).Json<Uploaded>(201);
        Assert.Equal(bytes, await signedIn.GetByteArrayAsync($"/api/v1/assets/{uploaded.Id}/original"));
    }

    /// <summary>The API on a real Kestrel socket, over the same database and blob store as the shared fixture.</summary>
    private sealed class OnASocket(ApiFactory shared) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Postgres", shared.ConnectionString);
            builder.UseSetting("Blobs:Root", shared.BlobRoot);
            builder.UseSetting("ForwardedHeaders:Enabled", "true");
        }
    }

    private static async Task AssertOpaqueAttachmentAsync(HttpResponseMessage response, byte[] expected)
    {
        await response.ShouldBe(200);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        AssertNoSniff(response);
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
    }

    private static void AssertNoSniff(HttpResponseMessage response) =>
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
}
