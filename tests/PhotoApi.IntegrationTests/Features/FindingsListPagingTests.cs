using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Lists apply access in the page query itself: a page is never cut short (or empty with a cursor) because some of the
/// rows it would have held are ones the caller may not see.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsListPagingTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_folder_listing_pages_through_what_the_caller_may_view_in_full_pages()
    {
        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var folder = (await api.Admin.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Team-" + Guid.NewGuid().ToString("N")[..6], space = "shared" })
            .Json(201)).GetProperty("id").GetGuid();
        var user = await api.NewUserAsync("custom");
        await api.Admin.Client.PutAsJsonAsync("/api/v1/shared-space/access",
            new { entries = new[] { new { principalType = "user", principalId = user.UserId, level = "custom" } } }).ShouldBe(200);
        // He may see the folder itself, not the files in it...
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{folder}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = user.UserId, role = "viewer", appliesTo = new[] { "this_folder" } } },
        }).ShouldBe(200);
        // ...except the oldest one, which the admin shares with him in an album. The newer ones come first in the folder.
        var oldest = await api.Admin.UploadUniqueAsync(folderId: folder);
        await api.Admin.WaitProcessedAsync(oldest);
        for (var i = 0; i < 3; i++) await api.Admin.WaitProcessedAsync(await api.Admin.UploadUniqueAsync(folderId: folder));
        var album = await api.Admin.CreateAlbumAsync("For him", oldest);
        await api.Admin.ShareAlbumAsync(album.Id, (user, "viewer"));

        var first = await user.Client.GetAsync($"/api/v1/assets?folderId={folder}&limit=1").Json<Page<Asset>>();
        Assert.Equal([oldest], first.Items.Select(a => a.Id));
        Assert.Null(first.NextCursor);
        var all = await api.Admin.Client.GetAsync($"/api/v1/assets?folderId={folder}&limit=2").Json<Page<Asset>>();
        Assert.Equal(2, all.Items.Count);
        Assert.NotNull(all.NextCursor);
    }
}
