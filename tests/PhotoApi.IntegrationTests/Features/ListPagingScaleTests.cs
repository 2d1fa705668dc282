using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Walking a list page by page with a small limit shows everything it holds exactly once, in its order, in full pages
/// (only the last may be shorter): the timeline with a partner's library in it, the trash, an album both ways round,
/// a folder link over a folder and its subfolders. An album follows its photos' dates when they change.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ListPagingScaleTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record GuestAsset(Guid Id, DateTime? TakenAt);

    private static readonly DateTime Start = new(2019, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Uploads <paramref name="count"/> photos dated as <paramref name="dateOf"/> says (the user's own date, which processing keeps).</summary>
    private static async Task<List<(Guid Id, DateTime TakenAt)>> PhotosAsync(Session who, int count, Func<int, DateTime> dateOf, Guid? folderId = null)
    {
        var photos = new List<(Guid, DateTime)>();
        for (var i = 0; i < count; i++)
        {
            var id = await who.UploadUniqueAsync(folderId: folderId);
            await who.WaitProcessedAsync(id);
            await SetDateAsync(who, id, dateOf(i));
            photos.Add((id, dateOf(i)));
        }
        return photos;
    }

    private static Task SetDateAsync(Session who, Guid id, DateTime takenAt) =>
        who.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { takenAt = takenAt.ToString("O") }).ShouldBe(200);

    /// <summary>Every page of <paramref name="url"/> (which takes <c>limit</c> and <c>cursor</c>), asserting each but the last is full.</summary>
    private static async Task<List<T>> WalkAsync<T>(HttpClient client, string url, int limit)
    {
        var all = new List<T>();
        string? cursor = null;
        var pages = 0;
        while (true)
        {
            var separator = url.Contains('?') ? '&' : '?';
            var page = await client.GetAsync($"{url}{separator}limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"))
                .Json<Page<T>>();
            pages++;
            Assert.True(pages < 100, "The list does not end.");
            all.AddRange(page.Items);
            if (page.NextCursor is null)
            {
                Assert.InRange(page.Items.Count, 0, limit);
                return all;
            }
            Assert.Equal(limit, page.Items.Count);
            cursor = page.NextCursor;
        }
    }

    /// <summary>A new Shared Space folder (Shared Space turned on), at the top or in <paramref name="parentId"/>.</summary>
    private async Task<Guid> SharedFolderAsync(string name, Guid? parentId = null)
    {
        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        return (await api.Admin.Client.PostAsJsonAsync("/api/v1/folders", new { name, parentId, space = "shared" }).Json(201)).GetProperty("id").GetGuid();
    }

    private static List<Guid> Newest(IEnumerable<(Guid Id, DateTime TakenAt)> photos) =>
        photos.OrderByDescending(p => p.TakenAt).ThenByDescending(p => p.Id).Select(p => p.Id).ToList();

    [Fact]
    public async Task The_timeline_with_a_partner_and_the_trash_page_through_everything_once_newest_first()
    {
        var me = await api.NewUserAsync("walker");
        var partner = await api.NewUserAsync("walkpartner");
        await partner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = me.UserId }).ShouldBe(201);
        await me.Client.PatchAsJsonAsync($"/api/v1/partners/{partner.UserId}", new { inTimeline = true }).ShouldBe(200);
        // Interleaved dates, and two photos of the same minute (one each) so that the id breaks the tie across owners.
        var mine = await PhotosAsync(me, 9, i => Start.AddHours(2 * i));
        var theirs = await PhotosAsync(partner, 6, i => Start.AddHours(2 * i + 1));
        await SetDateAsync(partner, theirs[0].Id, mine[3].TakenAt);
        theirs[0] = (theirs[0].Id, mine[3].TakenAt);
        // Trashed photos leave the timeline (the partner's too) and make up the trash, in the same order.
        var trashed = new[] { mine[1].Id, mine[4].Id, mine[7].Id };
        await me.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = trashed }).ShouldBe(200);
        await partner.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { theirs[2].Id } }).ShouldBe(200);

        var expected = Newest(mine.Where(p => !trashed.Contains(p.Id)).Concat(theirs.Where(p => p.Id != theirs[2].Id)));
        foreach (var limit in new[] { 1, 2, 3, 4 })
        {
            var timeline = await WalkAsync<Asset>(me.Client, "/api/v1/assets", limit);
            Assert.Equal(expected, timeline.Select(a => a.Id).ToList());
        }
        var trash = await WalkAsync<Asset>(me.Client, "/api/v1/assets?trashed=true", 2);
        Assert.Equal(Newest(mine.Where(p => trashed.Contains(p.Id))), trash.Select(a => a.Id).ToList());
        // The partner's library on its own, and the timeline cut to a date range.
        var library = await WalkAsync<Asset>(me.Client, $"/api/v1/assets?partnerId={partner.UserId}", 2);
        Assert.Equal(Newest(theirs.Where(p => p.Id != theirs[2].Id)), library.Select(a => a.Id).ToList());
        var from = Start.AddHours(5);
        var to = Start.AddHours(13);
        var range = await WalkAsync<Asset>(me.Client, $"/api/v1/assets?from={from:O}&to={to:O}", 2);
        Assert.Equal(Newest(mine.Where(p => !trashed.Contains(p.Id)).Concat(theirs.Where(p => p.Id != theirs[2].Id))
            .Where(p => p.TakenAt >= from && p.TakenAt < to)), range.Select(a => a.Id).ToList());
    }

    [Fact]
    public async Task An_album_pages_through_its_photos_both_ways_round_and_follows_a_changed_date()
    {
        var owner = await api.NewUserAsync("albumwalker");
        var viewer = await api.NewUserAsync("albumviewer");
        var photos = await PhotosAsync(owner, 11, i => Start.AddDays(-i * 3));
        var album = await owner.CreateAlbumAsync("Walked", photos.Select(p => p.Id).ToArray());
        await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"));
        // One photo in the trash is not shown (and leaves no gap in a page).
        await owner.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { photos[5].Id } }).ShouldBe(200);
        var shown = photos.Where(p => p.Id != photos[5].Id).ToList();

        foreach (var who in new[] { owner, viewer })
        {
            var newest = await WalkAsync<AlbumEntry>(who.Client, $"/api/v1/albums/{album.Id}/assets", 3);
            Assert.Equal(Newest(shown), newest.Select(e => e.Asset.Id).ToList());
            Assert.All(newest, e => Assert.Equal(owner.UserId, e.AddedBy));
            var timelineView = await WalkAsync<Asset>(who.Client, $"/api/v1/assets?albumId={album.Id}", 4);
            Assert.Equal(Newest(shown), timelineView.Select(a => a.Id).ToList());
        }

        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { sortOrder = "oldest" }).ShouldBe(200);
        var oldest = await WalkAsync<AlbumEntry>(viewer.Client, $"/api/v1/albums/{album.Id}/assets", 3);
        var expectedOldest = Newest(shown);
        expectedOldest.Reverse();
        Assert.Equal(expectedOldest, oldest.Select(e => e.Asset.Id).ToList());

        // The oldest photo gets a new date: it is now the newest, in the album as in the timeline.
        var moved = shown[^1].Id;
        await SetDateAsync(owner, moved, Start.AddYears(1));
        var after = await WalkAsync<AlbumEntry>(viewer.Client, $"/api/v1/albums/{album.Id}/assets", 4);
        Assert.Equal(moved, after[^1].Asset.Id);
        Assert.Equal(shown.Count, after.Count);
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { sortOrder = "newest" }).ShouldBe(200);
        var first = await viewer.Client.GetAsync($"/api/v1/albums/{album.Id}/assets?limit=1").Json<Page<AlbumEntry>>();
        Assert.Equal(moved, first.Items.Single().Asset.Id);
    }

    [Fact]
    public async Task A_folder_link_pages_through_the_folder_and_its_subfolders_newest_first()
    {
        var top = await SharedFolderAsync("Walk-" + Guid.NewGuid().ToString("N")[..6]);
        var sub = await SharedFolderAsync("Sub", top);
        var photos = (await PhotosAsync(api.Admin, 5, i => Start.AddMinutes(10 * i), top))
            .Concat(await PhotosAsync(api.Admin, 5, i => Start.AddMinutes(10 * i + 5), sub)).ToList();
        var key = (await api.Admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = top }, linkEnabled = true, privacy = "public", applyToSubfolders = true,
        }).Json(201)).GetProperty("key").GetString();

        using var guest = api.CreateClient();
        var listed = await WalkAsync<GuestAsset>(guest, $"/api/v1/s/{key}/assets", 3);
        Assert.Equal(photos.Count, listed.Select(a => a.Id).Distinct().Count());
        Assert.Equal(photos.Select(p => p.TakenAt).OrderDescending().ToList(), listed.Select(a => a.TakenAt!.Value.ToUniversalTime()).ToList());
    }

    [Fact]
    public async Task A_private_folder_link_shows_a_signed_in_invitee_full_pages_of_what_they_may_view_themselves()
    {
        var top = await SharedFolderAsync("Own-" + Guid.NewGuid().ToString("N")[..6]);
        var hidden = await SharedFolderAsync("Hidden", top);
        var invitee = await api.NewUserAsync("linkinvitee");
        await api.Admin.Client.PutAsJsonAsync("/api/v1/shared-space/access",
            new { entries = new[] { new { principalType = "user", principalId = invitee.UserId, level = "custom" } } }).ShouldBe(200);
        // The subfolder's files are newer than the folder's, and the invitee may not view them.
        var visible = await PhotosAsync(api.Admin, 5, i => Start.AddDays(i), top);
        await PhotosAsync(api.Admin, 4, i => Start.AddYears(1).AddDays(i), hidden);
        await api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{hidden}/permissions", new
        {
            entries = new[] { new { principalType = "user", principalId = invitee.UserId, effect = "deny", operations = new[] { "view" }, appliesTo = new[] { "this_folder", "files" } } },
        }).ShouldBe(200);
        var key = (await api.Admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = top }, linkEnabled = true, privacy = "private", applyToSubfolders = true,
            invitees = new[] { new { principalType = "user", principalId = invitee.UserId, role = "viewer" } },
        }).Json(201)).GetProperty("key").GetString();

        var listed = await WalkAsync<GuestAsset>(invitee.Client, $"/api/v1/s/{key}/assets", 2);
        Assert.Equal(visible.Select(p => p.TakenAt).OrderDescending().ToList(), listed.Select(a => a.TakenAt!.Value.ToUniversalTime()).ToList());
        // The owner, through the same link, sees the subfolder's files too.
        Assert.Equal(9, (await WalkAsync<GuestAsset>(api.Admin.Client, $"/api/v1/s/{key}/assets", 4)).Count);
    }
}
