using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class GroupTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Admin_manages_groups_and_members()
    {
        var a = await api.NewUserAsync();
        var b = await api.NewUserAsync();
        var name = "Family " + Guid.NewGuid().ToString("N")[..6];
        var group = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups",
            new { name, description = "the family", memberIds = new[] { a.UserId, a.UserId } }).Json<Group>(201);
        Assert.Equal(new[] { a.UserId }, group.MemberIds);

        // Every signed-in user can read groups (to pick them as invitees).
        var read = await b.Client.GetAsync($"/api/v1/groups/{group.Id}").Json<Group>();
        Assert.Equal(name, read.Name);
        var all = await b.Client.GetAsync("/api/v1/groups?limit=1000").Json<Page<Group>>();
        Assert.Contains(all.Items, g => g.Id == group.Id);

        var updated = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/groups/{group.Id}", new { memberIds = new[] { b.UserId } }).Json<Group>();
        Assert.Equal(new[] { b.UserId }, updated.MemberIds);
        Assert.Equal("the family", updated.Description);

        await api.Admin.Client.DeleteAsync($"/api/v1/groups/{group.Id}").ShouldBe(204);
        await (await b.Client.GetAsync($"/api/v1/groups/{group.Id}")).ShouldBeProblem(404, "resource.not_found");
        await (await api.Admin.Client.DeleteAsync($"/api/v1/groups/{group.Id}")).ShouldBeProblem(404, "resource.not_found");
    }

    [Fact]
    public async Task Bad_group_input_is_refused_and_nothing_is_written()
    {
        var name = "Club " + Guid.NewGuid().ToString("N")[..6];
        var unknown = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name, memberIds = new[] { Guid.NewGuid() } });
        Assert.Contains("memberIds", (await unknown.ShouldBeProblem(400, "group.unknown_members")).Errors!.Keys);
        var all = await api.Admin.Client.GetAsync("/api/v1/groups?limit=1000").Json<Page<Group>>();
        Assert.DoesNotContain(all.Items, g => g.Name == name);

        await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name }).ShouldBe(201);
        var clash = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = name.ToUpperInvariant() });
        await clash.ShouldBeProblem(409, "group.name_taken");
        var empty = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = "" });
        Assert.Contains("name", (await empty.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        await (await api.Admin.Client.PatchAsJsonAsync($"/api/v1/groups/{Guid.NewGuid()}", new { name = "x" })).ShouldBeProblem(404, "resource.not_found");
        await (await api.NewClient().GetAsync("/api/v1/groups")).ShouldBeProblem(401, "auth.unauthenticated");
    }
}

public sealed record Group(Guid Id, string Name, string Description, bool PhotoLibraryAllowed, Guid[] MemberIds, DateTime CreatedAt, DateTime UpdatedAt);
