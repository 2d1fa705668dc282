using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// The sizes lists show — an album's, a partner's library, a folder's subfolders and files, a link's — stay what the
/// container shows through every change a user can make: uploads, trash, restore, deleting for good, moves between
/// folders and into or out of Shared Space, album entries added and removed, albums deleted, access lost.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class CountersTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Folder(Guid Id, string Name, int ChildCount, int AssetCount);

    private static Task Post(Session who, string url, object body) => who.Client.PostAsJsonAsync(url, body).ShouldBe(200);

    private static async Task<int> AlbumCountAsync(Session who, Guid album) =>
        (await who.Client.GetAsync($"/api/v1/albums/{album}").Json<Album>()).AssetCount;

    private static async Task<int> ListedAlbumCountAsync(Session who, Guid album, string scope) =>
        (await who.Client.GetAsync($"/api/v1/albums?scope={scope}").Json<Page<Album>>()).Items.Single(a => a.Id == album).AssetCount;

    private static async Task<List<SharedWithMeItem>> WithMeAsync(Session who) =>
        (await who.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>()).Groups.SelectMany(g => g.Items).ToList();

    private static async Task<List<SharedWithOthersItem>> WithOthersAsync(Session who) =>
        (await who.Client.GetAsync("/api/v1/sharing/with-others").Json<Page<SharedWithOthersItem>>()).Items;

    private static Task<Folder> FolderAsync(Session who, Guid id) => who.Client.GetAsync($"/api/v1/folders/{id}").Json<Folder>();

    private static async Task<Guid> NewFolderAsync(Session who, string name, Guid? parentId = null, string? space = null) =>
        (await who.Client.PostAsJsonAsync("/api/v1/folders", new { name = name + "-" + Guid.NewGuid().ToString("N")[..6], parentId, space })
            .Json(201)).GetProperty("id").GetGuid();

    /// <summary>What the owner, an invitee and a partner are shown of the album and of the owner's library.</summary>
    private static async Task<(int Album, int Listed, int InviteeSees, int InviteeListed, int SharedWithOthers, int Library, int PartnerSees)> SizesAsync(
        Session owner, Session invitee, Session partner, Guid album)
    {
        var withMe = await WithMeAsync(invitee);
        var mine = await WithOthersAsync(owner);
        return (await AlbumCountAsync(owner, album), await ListedAlbumCountAsync(owner, album, "owned"),
            withMe.Single(i => i.AlbumId == album).AssetCount, await ListedAlbumCountAsync(invitee, album, "all"),
            mine.Single(i => i.AlbumId == album).AssetCount, mine.Single(i => i.Kind == "partner").AssetCount,
            (await WithMeAsync(partner)).Single(i => i.Kind == "partner").AssetCount);
    }

    [Fact]
    public async Task Album_and_library_sizes_follow_uploads_trash_restore_deletes_and_entries()
    {
        var owner = await api.NewUserAsync("counted");
        var invitee = await api.NewUserAsync("invitee");
        var partner = await api.NewUserAsync("partner");
        await owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = partner.UserId }).ShouldBe(201);
        var a = await owner.UploadUniqueAsync();
        var b = await owner.UploadUniqueAsync();
        var c = await owner.UploadUniqueAsync();
        var album = await owner.CreateAlbumAsync("Counted", a, b, c);
        await owner.ShareAlbumAsync(album.Id, (invitee, "viewer"));
        Assert.Equal((3, 3, 3, 3, 3, 3, 3), await SizesAsync(owner, invitee, partner, album.Id));

        // A new upload counts in the library, not in the album until it is added.
        var d = await owner.UploadUniqueAsync();
        Assert.Equal((3, 3, 3, 3, 3, 4, 4), await SizesAsync(owner, invitee, partner, album.Id));

        // Trash takes a file out of both; restoring brings it back.
        await Post(owner, "/api/v1/assets/delete", new { ids = new[] { a } });
        Assert.Equal((2, 2, 2, 2, 2, 3, 3), await SizesAsync(owner, invitee, partner, album.Id));
        await Post(owner, "/api/v1/trash/restore", new { ids = new[] { a } });
        Assert.Equal((3, 3, 3, 3, 3, 4, 4), await SizesAsync(owner, invitee, partner, album.Id));

        // Deleting for good: trashed files were counted out already, and stay out once gone.
        await Post(owner, "/api/v1/assets/delete", new { ids = new[] { b } });
        await owner.Client.PostAsync("/api/v1/trash/empty", null).ShouldBe(200);
        Assert.Equal((2, 2, 2, 2, 2, 3, 3), await SizesAsync(owner, invitee, partner, album.Id));

        // Entries added and removed.
        await owner.Client.PutAsJsonAsync($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { d } }).ShouldBe(200);
        Assert.Equal((3, 3, 3, 3, 3, 3, 3), await SizesAsync(owner, invitee, partner, album.Id));
        await owner.Client.SendAsync(Sharing.DeleteWithBody($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { a, c } })).ShouldBe(200);
        Assert.Equal((1, 1, 1, 1, 1, 3, 3), await SizesAsync(owner, invitee, partner, album.Id));

        // A deleted album leaves the lists; the library keeps its files.
        await owner.Client.DeleteAsync($"/api/v1/albums/{album.Id}").ShouldBe(204);
        Assert.DoesNotContain(await WithMeAsync(invitee), i => i.AlbumId == album.Id);
        Assert.Equal(3, (await WithOthersAsync(owner)).Single(i => i.Kind == "partner").AssetCount);
    }

    [Fact]
    public async Task Folder_counts_follow_subfolders_files_moves_and_trash()
    {
        var user = await api.NewUserAsync("folders");
        var first = await NewFolderAsync(user, "First");
        var second = await NewFolderAsync(user, "Second");
        var x = await user.UploadUniqueAsync(folderId: first);
        var y = await user.UploadUniqueAsync(folderId: first);
        var child = await NewFolderAsync(user, "Child", first);
        Assert.Equal((1, 2), Counts(await FolderAsync(user, first)));

        // Moving a subfolder and a file counts them where they went.
        await Post(user, $"/api/v1/folders/{child}/move", new { parentId = second });
        await Post(user, "/api/v1/assets/move", new { ids = new[] { x }, folderId = second });
        Assert.Equal((0, 1), Counts(await FolderAsync(user, first)));
        Assert.Equal((1, 1), Counts(await FolderAsync(user, second)));
        // To the top of the Personal Space: out of the folder.
        await Post(user, "/api/v1/assets/move", new { ids = new[] { y }, folderId = (Guid?)null });
        Assert.Equal((0, 0), Counts(await FolderAsync(user, first)));

        // Trash and restore; the list shows the same counts as the folder itself.
        await Post(user, "/api/v1/assets/delete", new { ids = new[] { x } });
        Assert.Equal((1, 0), Counts(await FolderAsync(user, second)));
        await Post(user, "/api/v1/trash/restore", new { ids = new[] { x } });
        var top = (await user.Client.GetAsync("/api/v1/folders?space=personal").Json<Page<Folder>>()).Items;
        Assert.Equal((1, 1), Counts(top.Single(f => f.Id == second)));

        // Deleting a subfolder takes it out of its parent's count.
        await user.Client.DeleteAsync($"/api/v1/folders/{child}").ShouldBe(204);
        Assert.Equal((0, 1), Counts(await FolderAsync(user, second)));
    }

    private static (int Children, int Assets) Counts(Folder f) => (f.ChildCount, f.AssetCount);

    private sealed record AccessEntry(string PrincipalType, Guid PrincipalId, string Level);

    private sealed record AccessEntries(List<AccessEntry> Entries);

    /// <summary>Gives one user a Shared Space level; everyone else keeps theirs.</summary>
    private async Task SetLevelAsync(Guid userId, string level)
    {
        var current = await api.Admin.Client.GetAsync("/api/v1/shared-space/access").Json<AccessEntries>();
        var entries = current.Entries.Where(e => e.PrincipalId != userId).Append(new AccessEntry("user", userId, level)).ToList();
        await api.Admin.Client.PutAsJsonAsync("/api/v1/shared-space/access", new { entries }).ShouldBe(200);
    }

    [Fact]
    public async Task Moving_into_Shared_Space_and_losing_access_there_counts_as_the_album_and_library_show()
    {
        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var team = await NewFolderAsync(api.Admin, "Team", space: "shared");
        var owner = await api.NewUserAsync("mover");
        var invitee = await api.NewUserAsync("invitee");
        var partner = await api.NewUserAsync("partner");
        await owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = partner.UserId }).ShouldBe(201);
        await SetLevelAsync(owner.UserId, "full");
        var moved = await owner.UploadUniqueAsync();
        var stays = await owner.UploadUniqueAsync();
        var album = await owner.CreateAlbumAsync("Mixed", moved, stays);
        await owner.ShareAlbumAsync(album.Id, (invitee, "viewer"));
        Assert.Equal((2, 2, 2, 2, 2, 2, 2), await SizesAsync(owner, invitee, partner, album.Id));

        // Into Shared Space: out of the Personal Space partners see, still in the album while the owner may view it.
        await Post(owner, "/api/v1/assets/move", new { ids = new[] { moved }, folderId = team });
        Assert.Equal((2, 2, 2, 2, 2, 1, 1), await SizesAsync(owner, invitee, partner, album.Id));
        Assert.Equal(1, (await FolderAsync(owner, team)).AssetCount);

        // Back into the Personal Space, then there again: each move counts once.
        await Post(owner, "/api/v1/assets/move", new { ids = new[] { moved }, folderId = (Guid?)null });
        Assert.Equal((2, 2, 2, 2, 2, 2, 2), await SizesAsync(owner, invitee, partner, album.Id));
        Assert.Equal(0, (await FolderAsync(api.Admin, team)).AssetCount);
        await Post(owner, "/api/v1/assets/move", new { ids = new[] { moved }, folderId = team });

        // The owner loses Shared Space: the entry no longer shows, for him and his invitee alike; it is back with access.
        await SetLevelAsync(owner.UserId, "none");
        Assert.Equal((1, 1, 1, 1, 1, 1, 1), await SizesAsync(owner, invitee, partner, album.Id));
        await SetLevelAsync(owner.UserId, "full");
        Assert.Equal((2, 2, 2, 2, 2, 1, 1), await SizesAsync(owner, invitee, partner, album.Id));
        await SetLevelAsync(owner.UserId, "none");
    }

    [Fact]
    public async Task A_folder_link_to_its_subfolders_counts_the_files_of_the_whole_subtree()
    {
        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var admin = api.Admin;
        var top = await NewFolderAsync(admin, "Linked", space: "shared");
        var below = await NewFolderAsync(admin, "Below", top);
        await admin.UploadUniqueAsync(folderId: top);
        await admin.UploadUniqueAsync(folderId: below);
        var trashed = await admin.UploadUniqueAsync(folderId: below);
        await Post(admin, "/api/v1/assets/delete", new { ids = new[] { trashed } });

        var link = await admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = top }, linkEnabled = true, privacy = "public", applyToSubfolders = true,
        }).Json<JsonElement>(201);
        var key = link.GetProperty("key").GetString();
        Assert.Equal(2, (await api.NewClient().GetAsync($"/api/v1/s/{key}").Json()).GetProperty("assetCount").GetInt32());

        await admin.Client.PatchAsJsonAsync($"/api/v1/shares/{link.GetProperty("id").GetGuid()}", new { applyToSubfolders = false }).ShouldBe(200);
        Assert.Equal(1, (await api.NewClient().GetAsync($"/api/v1/s/{key}").Json()).GetProperty("assetCount").GetInt32());
    }
}
