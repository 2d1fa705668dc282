using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>Shared Space access and folder permissions through HTTP: access levels, inheritance, deny wins, explanations.</summary>
[Collection(ApiCollection.Name)]
public sealed class FolderPermissionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Effective(Guid FolderId, Guid PrincipalId, string Access, string[] FolderOperations, string[] FileOperations, List<JsonElement> Entries);

    private async Task<Guid> SharedFolderAsync(string name, Guid? parentId = null) =>
        (await api.Admin.Client.PostAsJsonAsync("/api/v1/folders", new { name = name + "-" + Guid.NewGuid().ToString("N")[..6], space = "shared", parentId })
            .Json(201)).GetProperty("id").GetGuid();

    private async Task SetAccessAsync(params (string Type, Guid Id, string Level)[] entries)
    {
        // Keep other tests' settings: read, merge, write.
        var current = (await api.Admin.Client.GetAsync("/api/v1/shared-space/access").Json()).GetProperty("entries").EnumerateArray()
            .Select(e => (Type: e.GetProperty("principalType").GetString()!, Id: e.GetProperty("principalId").GetGuid(), Level: e.GetProperty("level").GetString()!))
            .Where(e => !entries.Any(n => n.Id == e.Id)).ToList();
        current.AddRange(entries);
        await api.Admin.Client.PutAsJsonAsync("/api/v1/shared-space/access",
            new { entries = current.Select(e => new { principalType = e.Type, principalId = e.Id, level = e.Level }) }).ShouldBe(200);
    }

    private async Task EnableSharedSpaceAsync() =>
        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);

    [Fact]
    public async Task Access_levels_decide_who_reaches_shared_space_at_all()
    {
        await EnableSharedSpaceAsync();
        var top = await SharedFolderAsync("Team");
        var full = await api.NewUserAsync("full");
        var custom = await api.NewUserAsync("custom");
        var none = await api.NewUserAsync("none");
        await SetAccessAsync(("user", full.UserId, "full"), ("user", custom.UserId, "custom"));

        // Full Access: everything, including new top-level folders.
        await full.Client.GetAsync($"/api/v1/folders/{top}").ShouldBe(200);
        await full.Client.PostAsJsonAsync("/api/v1/folders", new { name = "by-full-" + Guid.NewGuid().ToString("N")[..6], space = "shared" }).ShouldBe(201);
        // Custom without entries: the space lists, but shows nothing, and nothing can be made at its top.
        await custom.Client.GetAsync($"/api/v1/folders/{top}").ShouldBe(404);
        var listed = await custom.Client.GetAsync("/api/v1/folders?space=shared").Json();
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), f => f.GetProperty("id").GetGuid() == top);
        await custom.Client.PostAsJsonAsync("/api/v1/folders", new { name = "nope", space = "shared" }).ShouldBeProblem(404, "space.unavailable");
        // None: not even the space.
        await none.Client.GetAsync("/api/v1/folders?space=shared").ShouldBeProblem(404, "space.unavailable");
        await none.Client.GetAsync($"/api/v1/folders/{top}").ShouldBe(404);
    }

    [Fact]
    public async Task Entries_are_inherited_down_the_tree_and_deny_wins()
    {
        await EnableSharedSpaceAsync();
        var top = await SharedFolderAsync("Projects");
        var child = await SharedFolderAsync("Alpha", top);
        var grandchild = await SharedFolderAsync("Drafts", child);
        var user = await api.NewUserAsync("custom");
        var group = (await api.Admin.Client.PostAsJsonAsync("/api/v1/groups",
            new { name = "acl-" + Guid.NewGuid().ToString("N")[..8], memberIds = new[] { user.UserId } }).Json(201)).GetProperty("id").GetGuid();
        await SetAccessAsync(("user", user.UserId, "custom"));

        // The group may upload (Uploader) everywhere below "Projects"; the user is denied uploads in "Drafts" only.
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{top}/permissions", new
        {
            entries = new[] { new { principalType = "group", principalId = group, role = "uploader" } },
        }).ShouldBe(200);
        var denied = await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{grandchild}/permissions", new
        {
            entries = new object[] { new { principalType = "user", principalId = user.UserId, effect = "deny", operations = new[] { "upload" } } },
        }).Json();
        var shown = denied.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal([false, true], shown.Select(e => e.GetProperty("inherited").GetBoolean()));
        Assert.Equal(top, shown[1].GetProperty("fromFolderId").GetGuid());

        await user.UploadAsync("grey.jpg", new Dictionary<string, string> { ["folderId"] = child.ToString() });
        var refused = await user.Client.PostAsync("/api/v1/assets", Library.Form(await File.ReadAllBytesAsync(Library.Fixture("p3.jpg")), "p3.jpg",
            new Dictionary<string, string> { ["folderId"] = grandchild.ToString() }));
        await refused.ShouldBeProblem(404, "resource.not_found");
        // Uploaders neither rename nor delete.
        await user.Client.PatchAsJsonAsync($"/api/v1/folders/{child}", new { name = "Renamed" }).ShouldBe(404);

        var effective = await api.Admin.Client.GetAsync($"/api/v1/folders/{grandchild}/effective-permissions?principalId={user.UserId}").Json<Effective>();
        Assert.Equal("custom", effective.Access);
        Assert.Equal(["view", "download", "create_folder", "photo_request", "add_to_album", "copy"], effective.FolderOperations);
        Assert.Contains("upload", (await api.Admin.Client.GetAsync($"/api/v1/folders/{child}/effective-permissions?principalId={user.UserId}").Json<Effective>()).FolderOperations);
        Assert.Equal(2, effective.Entries.Count);

        // Admins only; and not on Personal Space folders.
        await user.Client.GetAsync($"/api/v1/folders/{top}/permissions").ShouldBe(404);
        var personal = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Mine" }).Json(201)).GetProperty("id").GetGuid();
        await api.Admin.Client.GetAsync($"/api/v1/folders/{personal}/permissions").ShouldBe(404);
    }

    [Fact]
    public async Task Applies_to_limits_how_far_an_entry_reaches()
    {
        await EnableSharedSpaceAsync();
        var top = await SharedFolderAsync("Archive");
        var child = await SharedFolderAsync("2024", top);
        var grandchild = await SharedFolderAsync("Q1", child);
        var user = await api.NewUserAsync();
        await SetAccessAsync(("user", user.UserId, "custom"));
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{top}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = user.UserId, role = "viewer", appliesTo = new[] { "this_folder", "subfolders" } } },
        }).ShouldBe(200);
        await user.Client.GetAsync($"/api/v1/folders/{top}").ShouldBe(200);
        await user.Client.GetAsync($"/api/v1/folders/{child}").ShouldBe(200);
        await user.Client.GetAsync($"/api/v1/folders/{grandchild}").ShouldBe(404); // "descendants" not given
        var effective = await api.Admin.Client.GetAsync($"/api/v1/folders/{top}/effective-permissions?principalId={user.UserId}").Json<Effective>();
        Assert.Equal(["view"], effective.FolderOperations);
        Assert.Empty(effective.FileOperations); // "files" not given
        var file = await api.Admin.UploadUniqueAsync(folderId: top);
        Assert.Empty((await user.Client.GetAsync($"/api/v1/assets?folderId={top}").Json<Page<Asset>>()).Items);
        await user.Client.GetAsync($"/api/v1/assets/{file}").ShouldBe(404);
        Assert.Single((await api.Admin.Client.GetAsync($"/api/v1/assets?folderId={top}").Json<Page<Asset>>()).Items);

        // Limits and checks.
        var tooMany = Enumerable.Range(0, 201).Select(_ => new { principalType = "user", principalId = user.UserId, role = "viewer" });
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{top}/permissions", new { entries = tooMany }).ShouldBeProblem(400, "validation.failed");
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{top}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = user.UserId, role = "viewer", operations = new[] { "view" } } },
        }).ShouldBeProblem(400, "validation.failed");
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{child}/permissions", new { entries = Array.Empty<object>(), applyToSubfolders = true })
            .ShouldBeProblem(400, "validation.failed");

        // "Apply to all subfolders" on a first-level folder clears what is set below it.
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{grandchild}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = user.UserId, role = "manager" } },
        }).ShouldBe(200);
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{top}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = user.UserId, role = "viewer" } }, applyToSubfolders = true,
        }).ShouldBe(200);
        var below = await api.Admin.Client.GetAsync($"/api/v1/folders/{grandchild}/permissions").Json();
        Assert.All(below.GetProperty("entries").EnumerateArray(), e => Assert.True(e.GetProperty("inherited").GetBoolean()));
    }

    [Fact]
    public async Task A_folder_share_grants_its_invitees_like_permissions_and_its_link_follows_its_privacy()
    {
        await EnableSharedSpaceAsync();
        var top = await SharedFolderAsync("Events");
        var child = await SharedFolderAsync("Gala", top);
        var invitee = await api.NewUserAsync("invitee");
        var outsider = await api.NewUserAsync("outsider");
        var full = await api.NewUserAsync("full");
        await SetAccessAsync(("user", invitee.UserId, "custom"), ("user", outsider.UserId, "custom"), ("user", full.UserId, "full"));
        var photo = await api.Admin.UploadUniqueAsync(folderId: child);

        var share = await api.Admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = top }, linkEnabled = true, applyToSubfolders = true,
            invitees = new[] { new { principalType = "user", principalId = invitee.UserId, role = "uploader" } },
        }).Json(201);
        Assert.Equal("full_access_only", share.GetProperty("privacy").GetString());
        var key = share.GetProperty("key").GetString();

        // Invitees (Custom users) get the role, here and below (applied to subfolders); others do not.
        await invitee.Client.GetAsync($"/api/v1/folders/{child}").ShouldBe(200);
        await invitee.UploadAsync("p3.jpg", new Dictionary<string, string> { ["folderId"] = child.ToString() });
        await invitee.Client.PatchAsJsonAsync($"/api/v1/folders/{child}", new { name = "Renamed" }).ShouldBe(404);
        await outsider.Client.GetAsync($"/api/v1/folders/{child}").ShouldBe(404);
        var withMe = await invitee.Client.GetAsync("/api/v1/sharing/with-me").Json();
        var item = withMe.GetProperty("groups")[0].GetProperty("items")[0];
        Assert.Equal(("folder", "uploader"), (item.GetProperty("kind").GetString(), item.GetProperty("role").GetString()));

        // full_access_only: the link opens for Full Access users only, signed in.
        await api.NewClient().GetAsync($"/api/v1/s/{key}").ShouldBeProblem(404, "share.link_invalid");
        await invitee.Client.GetAsync($"/api/v1/s/{key}").ShouldBeProblem(404, "share.link_invalid");
        var listed = await full.Client.GetAsync($"/api/v1/s/{key}/assets").Json();
        var photoName = (await api.Admin.Client.GetAsync($"/api/v1/assets/{photo}").Json<Asset>()).OriginalFileName;
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), a => a.GetProperty("originalFileName").GetString() == photoName);

        // Public: guests see the folder's files (subfolders included, as applied).
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/shares/{share.GetProperty("id").GetGuid()}", new { privacy = "public" }).ShouldBe(200);
        var guest = await api.NewClient().GetAsync($"/api/v1/s/{key}/assets").Json();
        Assert.Equal(2, guest.GetProperty("items").GetArrayLength());

        // Only admins share Shared Space folders; roles and options are checked.
        await full.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "folder", id = child } }).ShouldBe(404);
        await api.Admin.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "folder", id = child }, applyToSubfolders = true })
            .ShouldBeProblem(400, "validation.failed");
        await api.Admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = child },
            invitees = new[] { new { principalType = "user", principalId = invitee.UserId, role = "provider" } },
        }).ShouldBeProblem(400, "share.role_not_allowed");
        var album = await invitee.CreateAlbumAsync("a");
        await invitee.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "album", id = album.Id }, privacy = "full_access_only" })
            .ShouldBeProblem(400, "validation.failed");
    }

    [Fact]
    public async Task A_folders_share_id_shows_to_the_admins_who_manage_it_and_its_cover_on_the_invitees_sharing_page()
    {
        await EnableSharedSpaceAsync();
        var top = await SharedFolderAsync("Press");
        var child = await SharedFolderAsync("Kit", top);
        var invitee = await api.NewUserAsync("invitee");
        var full = await api.NewUserAsync("full");
        await SetAccessAsync(("user", invitee.UserId, "custom"), ("user", full.UserId, "full"));
        var cover = await api.Admin.UploadUniqueAsync(folderId: top);
        await api.Admin.WaitProcessedAsync(cover);
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/folders/{top}", new { coverAssetId = cover }).ShouldBe(200);
        var shareId = (await api.Admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = top },
            invitees = new[] { new { principalType = "user", principalId = invitee.UserId, role = "viewer" } },
        }).Json(201)).GetProperty("id").GetGuid();

        static Guid? ShareIdOf(JsonElement folder) => folder.GetProperty("shareId").ValueKind == JsonValueKind.Null ? null : folder.GetProperty("shareId").GetGuid();
        async Task<Guid?> Listed(Session who, string query, Guid id) => ShareIdOf((await who.Client.GetAsync($"/api/v1/folders?{query}&limit=1000").Json())
            .GetProperty("items").EnumerateArray().Single(f => f.GetProperty("id").GetGuid() == id));
        async Task<Guid?> Got(Session who, Guid id) => ShareIdOf(await who.Client.GetAsync($"/api/v1/folders/{id}").Json());

        // The admins manage Shared Space folder shares together: they see it on the folder, listed and read, and open it.
        Assert.Equal(shareId, await Listed(api.Admin, "space=shared", top));
        Assert.Equal(shareId, await Got(api.Admin, top));
        await api.Admin.Client.GetAsync($"/api/v1/shares/{shareId}").ShouldBe(200);
        // Its subfolder is not shared itself.
        Assert.Null(await Listed(api.Admin, $"parentId={top}", child));
        // Everyone else sees the folder without its share (as an album's invitees see no shareId), and cannot open it.
        Assert.Null(await Got(invitee, top));
        Assert.Null(await Listed(invitee, "space=shared", top));
        Assert.Null(await Got(full, top));
        Assert.Null(await Listed(full, "space=shared", top));
        await invitee.Client.GetAsync($"/api/v1/shares/{shareId}").ShouldBe(404);
        var personal = (await invitee.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Mine" }).Json(201)).GetProperty("id").GetGuid();
        Assert.Null(await Got(invitee, personal));

        // The invitee's Sharing page shows the folder's cover, signed for them.
        var item = (await invitee.Client.GetAsync("/api/v1/sharing/with-me").Json()).GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("items").EnumerateArray()).Single(i => i.GetProperty("shareId").GetGuid() == shareId);
        Assert.Equal(cover, item.GetProperty("coverAssetId").GetGuid());
        var image = await api.NewClient().GetAsync(item.GetProperty("coverThumbnailUrl").GetString());
        await image.ShouldBe(200);
        Assert.Equal("image/webp", image.Content.Headers.ContentType?.MediaType);

        // Unshared, the folder has no share any more.
        await api.Admin.Client.DeleteAsync($"/api/v1/shares/{shareId}").ShouldBe(204);
        Assert.Null(await Got(api.Admin, top));
    }

    [Fact]
    public async Task A_deny_below_protects_what_it_covers_from_deleting_the_folder_above()
    {
        await EnableSharedSpaceAsync();
        var top = await SharedFolderAsync("Cleanup");
        var keep = await SharedFolderAsync("Keep", top);
        var manager = await api.NewUserAsync("manager");
        await SetAccessAsync(("user", manager.UserId, "custom"));
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{top}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = manager.UserId, role = "manager" } },
        }).ShouldBe(200);
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{keep}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = manager.UserId, effect = "deny", operations = new[] { "delete" } } },
        }).ShouldBe(200);
        var photo = await api.Admin.UploadUniqueAsync(folderId: keep);

        await manager.Client.DeleteAsync($"/api/v1/folders/{top}").ShouldBeProblem(403, "share.role_insufficient");
        await api.Admin.Client.GetAsync($"/api/v1/folders/{keep}").ShouldBe(200);
        Assert.Null((await api.Admin.Client.GetAsync($"/api/v1/assets/{photo}").Json<Asset>()).TrashedAt);
        // Without the deny the manager may.
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{keep}/permissions", new { entries = Array.Empty<object>() }).ShouldBe(200);
        await manager.Client.DeleteAsync($"/api/v1/folders/{top}").ShouldBe(204);
    }
}
