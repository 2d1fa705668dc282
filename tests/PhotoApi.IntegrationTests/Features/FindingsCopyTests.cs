using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Copy, move and folder counts against Shared Space folder permissions: a deny is never lifted by copying or moving
/// (copies need view and download, moves gain nothing), copies of unfinished assets are processed, and folder counts
/// count only what the caller may view.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsCopyTests(ApiFactory api) : IClassFixture<ApiFactory>
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

    private static string Name(JsonElement folder) => folder.GetProperty("name").GetString()!.Split('-')[0];

    private static (int Children, int Assets) Counts(JsonElement folder) =>
        (folder.GetProperty("childCount").GetInt32(), folder.GetProperty("assetCount").GetInt32());

    [Fact]
    public async Task Copying_a_folder_leaves_out_what_the_caller_may_not_view_or_download_and_says_so()
    {
        var user = await CustomUserAsync();
        var top = await SharedAsync("Source");
        var open = await SharedAsync("Open", top);
        var secret = await SharedAsync("Secret", top);
        var locked = await SharedAsync("Locked", top);
        var dest = await SharedAsync("Dest");
        // Uploader everywhere below "Source" (copy allowed); "Secret" hidden from the user, "Locked" seen but not downloadable.
        await EntriesAsync(top, Allow(user, "uploader"));
        await EntriesAsync(secret, Deny(user, "view"));
        await EntriesAsync(locked, Deny(user, "download"));
        await EntriesAsync(dest, Allow(user, "uploader"));
        await api.Admin.UploadUniqueAsync(folderId: top);
        await api.Admin.UploadUniqueAsync(folderId: open);
        await api.Admin.UploadUniqueAsync(folderId: secret);
        await api.Admin.UploadUniqueAsync(folderId: locked);

        var copy = await user.Client.PostAsJsonAsync($"/api/v1/folders/{top}/copy", new { parentId = dest }).Json(201);
        var copyId = copy.GetProperty("id").GetGuid();

        // Not even the admin finds a copy of "Secret", nor of the files of "Locked".
        var copied = await ChildrenAsync(Admin, copyId);
        Assert.Equal(["Locked", "Open"], copied.Select(Name).Order());
        Assert.Equal((0, 0), Counts(copied.Single(f => Name(f) == "Locked")));
        Assert.Equal((0, 1), Counts(copied.Single(f => Name(f) == "Open")));
        Assert.Equal((2, 1), Counts(copy));
        // The answer says what was left out: the folder "Secret" and the files of "Secret" and "Locked".
        Assert.Equal(1, copy.GetProperty("skippedFolderCount").GetInt32());
        Assert.Equal(2, copy.GetProperty("skippedAssetCount").GetInt32());

        // What was copied is the caller's, downloadable in the copy.
        var files = (await user.Client.GetAsync($"/api/v1/assets?folderId={copied.Single(f => Name(f) == "Open").GetProperty("id").GetGuid()}")
            .Json<Page<Asset>>()).Items;
        Assert.Equal(user.UserId, Assert.Single(files).OwnerId);
        await user.Client.GetAsync($"/api/v1/assets/{files[0].Id}/original").ShouldBe(200);

        // Nothing left out in a Personal Space.
        var mine = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Mine" }).Json(201)).GetProperty("id").GetGuid();
        var sub = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Sub", parentId = mine }).Json(201)).GetProperty("id").GetGuid();
        await user.UploadUniqueAsync(folderId: sub);
        var ownCopy = await user.Client.PostAsJsonAsync($"/api/v1/folders/{sub}/copy", new { parentId = (Guid?)null }).Json(201);
        Assert.Equal((0, 1), Counts(ownCopy));
        Assert.Equal((0, 0), (ownCopy.GetProperty("skippedFolderCount").GetInt32(), ownCopy.GetProperty("skippedAssetCount").GetInt32()));
    }

    [Fact]
    public async Task Copying_a_file_whose_download_is_denied_is_refused_and_copies_nothing()
    {
        var user = await CustomUserAsync();
        var noDownload = await SharedAsync("NoDownload");
        var downloadable = await SharedAsync("Downloadable");
        await EntriesAsync(noDownload, Allow(user, "uploader"), Deny(user, "download"));
        await EntriesAsync(downloadable, Allow(user, "downloader"));
        var denied = await api.Admin.UploadUniqueAsync(folderId: noDownload);
        var fine = await api.Admin.UploadUniqueAsync(folderId: downloadable);
        await user.Client.GetAsync($"/api/v1/assets/{denied}").ShouldBe(200);
        await user.Client.GetAsync($"/api/v1/assets/{denied}/original").ShouldBeProblem(403, "share.role_insufficient");

        // To the Personal Space, alone or with a file that may be copied: the whole request is refused like any batch.
        await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { denied } }).ShouldBeProblem(404, "resource.not_found");
        await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { fine, denied } }).ShouldBeProblem(404, "resource.not_found");
        // Also into a shared folder where the caller may upload.
        await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { denied }, folderId = noDownload }).ShouldBeProblem(404, "resource.not_found");
        Assert.Empty((await user.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);

        var copied = await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { fine } }).Json(201);
        var copyId = Assert.Single(copied.GetProperty("ids").EnumerateArray()).GetGuid();
        await user.Client.GetAsync($"/api/v1/assets/{copyId}/original").ShouldBe(200);
    }

    [Fact]
    public async Task Moving_a_file_whose_download_is_denied_to_where_it_would_be_downloadable_is_refused()
    {
        var user = await CustomUserAsync();
        var from = await SharedAsync("MoveFrom");
        var to = await SharedAsync("MoveTo");
        var other = await SharedAsync("MoveOther");
        await EntriesAsync(from, Allow(user, "manager"), Deny(user, "download"));
        await EntriesAsync(to, Allow(user, "manager"));
        await EntriesAsync(other, Allow(user, "manager"));
        var denied = await api.Admin.UploadUniqueAsync(folderId: from);
        var free = await api.Admin.UploadUniqueAsync(folderId: other);

        await user.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { denied }, folderId = to }).ShouldBeProblem(404, "resource.not_found");
        await user.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { free, denied }, folderId = to }).ShouldBeProblem(404, "resource.not_found");
        Assert.Equal(from, (await Admin.GetAsync($"/api/v1/assets/{denied}").Json<Asset>()).FolderId);
        Assert.Equal(other, (await Admin.GetAsync($"/api/v1/assets/{free}").Json<Asset>()).FolderId);
        await user.Client.GetAsync($"/api/v1/assets/{denied}/original").ShouldBeProblem(403, "share.role_insufficient");

        // Moves that gain nothing still work, also into a folder where the caller may do less.
        await user.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { free }, folderId = to }).ShouldBe(200);
        await user.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { free }, folderId = from }).ShouldBe(200);
        Assert.Equal(from, (await Admin.GetAsync($"/api/v1/assets/{free}").Json<Asset>()).FolderId);
        await user.Client.GetAsync($"/api/v1/assets/{free}/original").ShouldBeProblem(403, "share.role_insufficient");
    }

    /// <summary>Puts a processed asset back as if the worker were still at it (no derivatives yet).</summary>
    private async Task StillProcessingAsync(Guid id)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        await conn.ExecuteAsync("""
            UPDATE assets SET status = 'processing', processing_since = now(), thumbnail_key = NULL, preview_key = NULL, width = NULL, height = NULL
            WHERE id = @id
            """, new { id });
    }

    [Fact]
    public async Task A_copy_of_an_asset_still_processing_ends_ready_with_its_derivatives()
    {
        var user = await api.NewUserAsync("processing");
        var folder = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Fresh" }).Json(201)).GetProperty("id").GetGuid();
        var loose = await user.UploadUniqueAsync();
        var inFolder = await user.UploadUniqueAsync(folderId: folder);
        await user.WaitProcessedAsync(loose);
        await user.WaitProcessedAsync(inFolder);
        await StillProcessingAsync(loose);
        await StillProcessingAsync(inFolder);

        var copied = await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { loose }, folderId = folder }).Json(201);
        var copyId = Assert.Single(copied.GetProperty("ids").EnumerateArray()).GetGuid();
        var target = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Target" }).Json(201)).GetProperty("id").GetGuid();
        var copiedFolder = await user.Client.PostAsJsonAsync($"/api/v1/folders/{folder}/copy", new { parentId = target }).Json(201);
        var inCopiedFolder = (await user.Client.GetAsync($"/api/v1/assets?folderId={copiedFolder.GetProperty("id").GetGuid()}").Json<Page<Asset>>())
            .Items.Select(a => a.Id).ToList();
        Assert.Equal(2, inCopiedFolder.Count);

        foreach (var id in inCopiedFolder.Append(copyId))
        {
            var copy = await user.WaitProcessedAsync(id);
            Assert.Equal("ready", copy.Status);
            Assert.NotNull(copy.Width);
            await user.Client.GetAsync($"/api/v1/assets/{id}/thumbnail").ShouldBe(200);
        }
    }

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
