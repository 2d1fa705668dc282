using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PhotoApi.IntegrationTests.Blobs;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Telemetry;

/// <summary>What a load balancer sees of one node: readiness follows the database, the blob store and shutdown.</summary>
[Collection(ApiCollection.Name)]
public sealed class NodeHealthTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_node_whose_blob_store_refuses_it_is_live_but_not_ready_and_says_so_without_its_settings()
    {
        // The run's real Swift, with a wrong secret: S3 refuses the signature (403), as it would a revoked key.
        var settings = TestS3.Settings(TestS3.NewPrefix()).Select(s => s.Key == "Blobs:S3:SecretKey" ? (s.Key, "not-the-secret") : s).ToList();
        await using var node = new Node(api, settings);
        var client = node.CreateClient();
        await (await client.GetAsync("/health/live")).ShouldBe(200);
        var ready = await client.GetAsync("/health/ready");
        await ready.ShouldBeProblem(503, "server.unavailable");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Contains("blob store", body, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain(settings.Single(s => s.Key == "Blobs:S3:ServiceUrl").Item2, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_stopping_a_node_answers_not_ready_while_it_still_serves()
    {
        await using var node = new Node(api, [("Blobs:Root", api.BlobRoot), ("Shutdown:DrainDelay", "00:00:05")]);
        var client = node.CreateClient();
        await (await client.GetAsync("/health/ready")).ShouldBe(200);
        node.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication(); // SIGTERM does this
        await (await client.GetAsync("/health/ready")).ShouldBeProblem(503, "server.unavailable");
        await (await client.GetAsync("/health/live")).ShouldBe(200);
    }

    [Fact]
    public async Task Metrics_are_not_served_to_a_caller_that_is_not_the_machine_itself()
    {
        // The in-memory server has no socket peer: like a remote caller, it is told there is nothing here.
        var response = await api.NewClient("127.0.0.1").GetAsync("/metrics"); // X-Forwarded-For claims loopback: not believed
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("http_server_request_duration", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>One more API node on the fixture's database, with settings of its own.</summary>
    private sealed class Node(ApiFactory shared, IEnumerable<(string Key, string Value)> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Postgres", shared.ConnectionString);
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
        }
    }
}
