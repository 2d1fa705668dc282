using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class PrincipalTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Search_finds_active_users_and_groups_without_emails()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var active = await api.NewUserAsync("pick" + tag);
        var disabled = await api.NewUserAsync("pick" + tag);
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{disabled.UserId}", new { status = "disabled" }).ShouldBe(200);
        var group = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = "pick" + tag + " group" }).Json<Group>(201);

        var caller = await api.NewUserAsync();
        var raw = await caller.Client.GetAsync($"/api/v1/principals?q=pick{tag}").Json();
        Assert.DoesNotContain("@example.test", raw.GetRawText(), StringComparison.Ordinal);
        var found = await caller.Client.GetAsync($"/api/v1/principals?q=pick{tag}").Json<Principals>();
        Assert.Equal(2, found.Items.Count);
        Assert.Contains(found.Items, p => p.Type == "user" && p.Id == active.UserId);
        Assert.Contains(found.Items, p => p.Type == "group" && p.Id == group.Id);

        var groupsOnly = await caller.Client.GetAsync($"/api/v1/principals?q=pick{tag}&type=group").Json<Principals>();
        Assert.Equal(group.Id, Assert.Single(groupsOnly.Items).Id);

        // LIKE wildcards in the query are taken literally.
        Assert.Empty((await caller.Client.GetAsync($"/api/v1/principals?q=pick{tag[..4]}%25{tag[5..]}").Json<Principals>()).Items);
    }

    [Fact]
    public async Task Search_validates_and_needs_sign_in()
    {
        var caller = await api.NewUserAsync();
        Assert.Contains("type", (await (await caller.Client.GetAsync("/api/v1/principals?type=robot")).ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        await (await caller.Client.GetAsync("/api/v1/principals?limit=abc")).ShouldBeProblem(400, "validation.failed");
        await (await api.NewClient().GetAsync("/api/v1/principals?q=a")).ShouldBeProblem(401, "auth.unauthenticated");
    }

    private sealed record Principal(string Type, Guid Id, string Name, string DisplayName);
    private sealed record Principals(List<Principal> Items);
}
