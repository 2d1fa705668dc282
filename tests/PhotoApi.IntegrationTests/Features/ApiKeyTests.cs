using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class ApiKeyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_key_is_shown_once_stored_hashed_and_works_until_deleted()
    {
        var session = await api.NewUserAsync("keys");
        var created = await session.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "  photo frame  " }).Json<ApiKeyCreated>(201);
        Assert.Equal("photo frame", created.Name);
        Assert.StartsWith(created.Prefix, created.Key, StringComparison.Ordinal);
        Assert.True(created.Key.Length >= 43, "at least 256 random bits");

        var listed = await session.Client.GetAsync("/api/v1/api-keys").Json<Page<Dictionary<string, object>>>();
        var item = Assert.Single(listed.Items);
        Assert.False(item.ContainsKey("key"));
        Assert.Null(listed.NextCursor);

        await using (var conn = new NpgsqlConnection(api.ConnectionString))
        {
            var stored = await conn.QuerySingleAsync<byte[]>("SELECT key_hash FROM api_keys WHERE id = @id", new { id = created.Id });
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(created.Key)), stored);
        }

        var integration = api.NewClient();
        integration.DefaultRequestHeaders.Add("X-Api-Key", created.Key);
        Assert.Equal(session.UserId, (await integration.GetAsync("/api/v1/users/me").Json<User>()).Id);

        await session.Client.DeleteAsync($"/api/v1/api-keys/{created.Id}").ShouldBe(204);
        await (await integration.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        await (await session.Client.DeleteAsync($"/api/v1/api-keys/{created.Id}")).ShouldBeProblem(404, "resource.not_found");
    }

    [Fact]
    public async Task Another_users_key_is_not_found_and_not_listed()
    {
        var owner = await api.NewUserAsync();
        var stranger = await api.NewUserAsync();
        var created = await owner.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "mine" }).Json<ApiKeyCreated>(201);
        await (await stranger.Client.DeleteAsync($"/api/v1/api-keys/{created.Id}")).ShouldBeProblem(404, "resource.not_found");
        Assert.Empty((await stranger.Client.GetAsync("/api/v1/api-keys").Json<Page<Dictionary<string, object>>>()).Items);
        await owner.Client.GetAsync("/api/v1/api-keys").Json<Page<Dictionary<string, object>>>();
    }

    [Fact]
    public async Task Bad_input_to_api_keys_is_refused()
    {
        var session = await api.NewUserAsync();
        var noName = await session.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "" });
        Assert.Contains("name", (await noName.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        await (await session.Client.DeleteAsync("/api/v1/api-keys/not-a-uuid")).ShouldBeProblem(400, "validation.failed");
        await (await session.Client.GetAsync("/api/v1/api-keys?limit=0")).ShouldBeProblem(400, "validation.failed");
        await (await session.Client.GetAsync("/api/v1/api-keys?cursor=%%%")).ShouldBeProblem(400, "validation.failed");
        await (await api.NewClient().GetAsync("/api/v1/api-keys")).ShouldBeProblem(401, "auth.unauthenticated");
    }

    [Fact]
    public async Task Keys_are_listed_a_page_at_a_time()
    {
        var session = await api.NewUserAsync();
        for (var i = 0; i < 3; i++)
            await session.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = $"k{i}" }).ShouldBe(201);
        var first = await session.Client.GetAsync("/api/v1/api-keys?limit=2").Json<Page<Dictionary<string, object>>>();
        Assert.Equal(2, first.Items.Count);
        Assert.NotNull(first.NextCursor);
        var second = await session.Client.GetAsync($"/api/v1/api-keys?limit=2&cursor={first.NextCursor}").Json<Page<Dictionary<string, object>>>();
        Assert.Single(second.Items);
        Assert.Null(second.NextCursor);
        Assert.Equal("k2", second.Items[0]["name"].ToString());
    }
}
