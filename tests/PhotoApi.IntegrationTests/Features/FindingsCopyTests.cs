using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>Folder counts against Shared Space folder permissions: they count only what the caller may view.</summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsCopyTests(ApiFactory api)
{
    private HttpClient Admin => api.Admin.Client;

    /// <summary>A Shared Space folder made by the admin (a unique name, so tests never collide).</summary>
    private async Task<Guid> SharedAsync(string name, Guid? parentId = null) =>
        (await Admin.PostAsJsonAsync("/api/v1/folders", new { name = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 7)], space = "shared", parentId })
            .Json(201)).GetProperty("id").GetGuid();

    /// <summary>A new user with Custom access to the enabled Shared Space.</summary>
    private async Task<Session> CustomUserAsync()
    {
        await Admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var user = await api.NewUserAsync("copy");
        var others = (await Admin.GetAsync("/api/v1/shared-space/access").Json()).GetProperty("entries").EnumerateArray()
            .Select(e => (object)new
            {
                principalType = e.GetProperty("principalType").GetString(), principalId = e.GetProperty("principalId").GetGuid(),
                level = e.GetProperty("level").GetString(),
            });
        await Admin.PutAsJsonAsync("/api/v1/shared-space/access",
            new { entries = others.Append(new { principalType = "user", principalId = user.UserId, level = "custom" }) }).ShouldBe(200);
        return user;
    }

    /// <summary>Replaces the explicit entries of a folder.</summary>
    private async Task EntriesAsync(Guid folder, params object[] entries) =>
        await Admin.PutAsJsonAsync($"/api/v1/folders/{folder}/permissions", new { entries }).ShouldBe(200);

    private static object Allow(Session user, string role, string[]? appliesTo = null) => appliesTo is null
        ? new { principalType = "user", principalId = user.UserId, role }
        : new { principalType = "user", principalId = user.UserId, role, appliesTo };

    private static object Deny(Session user, params string[] operations) =>
        new { principalType = "user", principalId = user.UserId, effect = "deny", operations };

    private static async Task<List<JsonElement>> ChildrenAsync(HttpClient client, Guid parentId) =>
        (await client.GetAsync($"/api/v1/folders?parentId={parentId}").Json()).GetProperty("items").EnumerateArray().ToList();

    private static (int Children, int Assets) Counts(JsonElement folder) =>
        (folder.GetProperty("childCount").GetInt32(), folder.GetProperty("assetCount").GetInt32());

    [Fact]
    public async Task Folder_counts_count_only_what_the_caller_may_view()
    {
        var user = await CustomUserAsync();
        var root = await SharedAsync("Counts");
        var top = await SharedAsync("Top", root);
        await SharedAsync("Seen", top);
        var unseen = await SharedAsync("Unseen", top);
        // The folders, not the files; and not "Unseen".
        await EntriesAsync(root, Allow(user, "viewer", ["this_folder", "subfolders", "descendants"]));
        await EntriesAsync(unseen, Deny(user, "view"));
        await api.Admin.UploadUniqueAsync(folderId: top);
        await api.Admin.UploadUniqueAsync(folderId: top);

        Assert.Equal((2, 2), Counts(await Admin.GetAsync($"/api/v1/folders/{top}").Json()));
        Assert.Equal((1, 0), Counts(await user.Client.GetAsync($"/api/v1/folders/{top}").Json()));
        Assert.Equal((1, 0), Counts(Assert.Single(await ChildrenAsync(user.Client, root))));
        Assert.Equal((2, 2), Counts(Assert.Single(await ChildrenAsync(Admin, root))));
        // The same as the lists the caller gets.
        Assert.Single(await ChildrenAsync(user.Client, top));
        Assert.Empty((await user.Client.GetAsync($"/api/v1/assets?folderId={top}").Json<Page<Asset>>()).Items);
    }
}
