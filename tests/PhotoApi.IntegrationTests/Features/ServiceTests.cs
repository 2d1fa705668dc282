using System.Net.Http.Json;
using System.Text;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class ServiceTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Health_is_live_and_ready_once_migrated()
    {
        var live = await api.NewClient().GetAsync("/health/live").Json();
        Assert.Equal("live", live.GetProperty("status").GetString());
        var ready = await api.NewClient().GetAsync("/health/ready").Json();
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(ready.GetProperty("expectedSchemaVersion").GetInt32(), ready.GetProperty("schemaVersion").GetInt32());
    }

    [Fact]
    public async Task The_contract_and_the_docs_are_served()
    {
        var client = api.NewClient();
        var yaml = await client.GetAsync("/openapi.yaml");
        await yaml.ShouldBe(200);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "openapi.yaml")), await yaml.Content.ReadAsStringAsync());
        // The docs page (Scalar, served locally, no CDN) loads the contract relative to itself.
        var docs = await client.GetAsync("/docs/");
        await docs.ShouldBe(200);
        var html = await docs.Content.ReadAsStringAsync();
        Assert.Contains("openapi.yaml", html, StringComparison.Ordinal);
        Assert.Contains("scalar.js", html, StringComparison.Ordinal);
        await client.GetAsync("/docs/scalar.js").ShouldBe(200);
        Assert.Equal(await yaml.Content.ReadAsStringAsync(), await client.GetStringAsync("/docs/openapi.yaml"));
    }

    [Fact]
    public async Task Unknown_routes_and_methods_get_problem_answers()
    {
        var client = api.NewClient();
        await (await client.GetAsync("/api/v1/nothing-here")).ShouldBeProblem(404, "resource.not_found");
        await (await client.DeleteAsync("/api/v1/auth/login")).ShouldBeProblem(405, "request.method_not_allowed");
    }

    [Fact]
    public async Task Oversized_and_non_json_bodies_are_refused()
    {
        var client = api.NewClient();
        var huge = new string('a', 2 * 1024 * 1024);
        var big = await client.PostAsync("/api/v1/auth/login", new StringContent($"{{\"username\":\"{huge}\",\"password\":\"x\"}}", Encoding.UTF8, "application/json"));
        await big.ShouldBeProblem(413, "request.too_large");
        var text = await client.PostAsync("/api/v1/auth/login", new StringContent("username=a", Encoding.UTF8, "text/plain"));
        Assert.True((int)text.StatusCode is 400 or 415, $"got {(int)text.StatusCode}");
        Assert.Equal("application/problem+json", text.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_bad_bearer_token_is_unauthenticated_not_an_error()
    {
        var client = api.NewClient();
        client.DefaultRequestHeaders.Add("Authorization", "Bearer " + new string('x', 5000));
        await (await client.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var other = api.NewClient();
        other.DefaultRequestHeaders.Add("X-Api-Key", "pak_nope");
        await (await other.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
    }
}
