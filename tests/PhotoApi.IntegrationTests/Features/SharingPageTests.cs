using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// The Sharing page's two lists carry what the page shows of each row — links, guest counts, invitees, covers — so a
/// client draws the page from one call, through HTTP against PostgreSQL.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class SharingPageTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static async Task<List<SharedWithMeItem>> WithMeAsync(Session who) =>
        (await who.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>()).Groups.SelectMany(g => g.Items).ToList();

    private static async Task<List<SharedWithOthersItem>> WithOthersAsync(Session who) =>
        (await who.Client.GetAsync("/api/v1/sharing/with-others").Json<Page<SharedWithOthersItem>>()).Items;

    [Fact]
    public async Task Shared_with_others_carries_each_shares_link_guest_counts_and_invitees_by_name()
    {
        var owner = await api.NewUserAsync("sharer");
        var friend = await api.NewUserAsync("friend");
        var groupName = "Cousins " + Guid.NewGuid().ToString("N")[..6];
        var groupId = (await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = groupName, memberIds = new[] { friend.UserId } }).Json(201))
            .GetProperty("id").GetGuid();
        var photo = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(photo);
        var linked = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = (await owner.CreateAlbumAsync("Trip", photo)).Id },
            invitees = new object[]
            {
                new { principalType = "group", principalId = groupId, role = "downloader" },
                new { principalType = "user", principalId = friend.UserId, role = "viewer" },
            },
            linkEnabled = true, privacy = "public", allowDownload = true, showMetadata = true,
        }).Json<Share>(201);
        var quiet = await owner.ShareAlbumAsync((await owner.CreateAlbumAsync("Quiet")).Id, (friend, "provider"));
        await owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = friend.UserId }).ShouldBe(201);

        // A guest opens the link's page and downloads the photo through it.
        var guest = api.NewClient();
        await guest.GetAsync($"/api/v1/s/{linked.Key}").ShouldBe(200);
        var guestPhoto = (await guest.GetAsync($"/api/v1/s/{linked.Key}/assets").Json()).GetProperty("items")[0];
        await guest.GetAsync(guestPhoto.GetProperty("urls").GetProperty("original").GetString()).ShouldBe(200);

        var items = await WithOthersAsync(owner);
        Assert.Equal(3, items.Count);
        var item = items.Single(i => i.ShareId == linked.Id);
        Assert.Equal((linked.Url, 1L, 1L), (item.Url, item.ViewCount, item.DownloadCount));
        Assert.Equal($"/s/{linked.Key}", new Uri(item.Url!).AbsolutePath);
        Assert.NotNull(item.LastAccessedAt);
        Assert.InRange(item.LastAccessedAt!.Value, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
        // The invitees with their names and roles, users first, as getShare lists them.
        Assert.Equal(2, item.InviteeCount);
        Assert.Equal([("user", friend.UserId, friend.Username, $"User {friend.Username}", "viewer"), ("group", groupId, groupName, groupName, "downloader")],
            item.Invitees!.Select(i => (i.PrincipalType, i.PrincipalId, i.Name, i.DisplayName, i.Role)));
        var share = await owner.Client.GetAsync($"/api/v1/shares/{linked.Id}").Json<Share>();
        Assert.Equal(share.Invitees, item.Invitees);

        // A share whose link is off has no url and no guests yet.
        var off = items.Single(i => i.ShareId == quiet.Id);
        Assert.Equal((false, (string?)null, 0L, 0L, (DateTime?)null), (off.LinkEnabled, off.Url, off.ViewCount, off.DownloadCount, off.LastAccessedAt));
        Assert.Equal([(friend.UserId, $"User {friend.Username}", "provider")], off.Invitees!.Select(i => (i.PrincipalId, i.DisplayName, i.Role)));

        // Turning the link on and off shows and hides its url; the counts stay.
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{linked.Id}", new { linkEnabled = false }).ShouldBe(200);
        item = (await WithOthersAsync(owner)).Single(i => i.ShareId == linked.Id);
        Assert.Equal(((string?)null, 1L, 1L), (item.Url, item.ViewCount, item.DownloadCount));

        // A partner keeps the shape it had: none of a share's fields.
        var partner = items.Single(i => i.Kind == "partner");
        Assert.Equal((friend.UserId, 1), (partner.PartnerId, partner.InviteeCount));
        Assert.Equal(((string?)null, (long?)null, (long?)null, (DateTime?)null, (List<Invitee>?)null),
            (partner.Url, partner.ViewCount, partner.DownloadCount, partner.LastAccessedAt, partner.Invitees));
        var raw = (await owner.Client.GetAsync("/api/v1/sharing/with-others").Json()).GetProperty("items").EnumerateArray()
            .Single(i => i.GetProperty("kind").GetString() == "partner");
        Assert.Equal(JsonValueKind.Null, raw.GetProperty("invitees").ValueKind);

        // Only the owner's own shares: the friend shares nothing.
        Assert.Empty(await WithOthersAsync(friend));
    }

    [Fact]
    public async Task Shared_with_me_signs_each_cover_the_caller_may_view_and_no_other()
    {
        var owner = await api.NewUserAsync("owner");
        var friend = await api.NewUserAsync("friend");
        var cover = await owner.UploadUniqueAsync();
        var other = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(cover);
        await owner.WaitProcessedAsync(other);
        var album = await owner.CreateAlbumAsync("Covered", cover, other);
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { coverAssetId = cover }).ShouldBe(200);
        var albumShare = await owner.ShareAlbumAsync(album.Id, (friend, "viewer"));
        var selection = await owner.ShareSelectionAsync([other], (friend, "viewer"));
        await owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = friend.UserId }).ShouldBe(201);

        var items = await WithMeAsync(friend);
        var covered = items.Single(i => i.ShareId == albumShare.Id);
        Assert.Equal(cover, covered.CoverAssetId);
        Assert.NotNull(covered.CoverThumbnailUrl);
        Assert.Contains($"/api/v1/assets/{cover}/thumbnail", covered.CoverThumbnailUrl);
        // The signed URL works without any credentials, as an <img src> on another origin would load it.
        var image = await api.NewClient().GetAsync(covered.CoverThumbnailUrl);
        await image.ShouldBe(200);
        Assert.Equal("image/webp", image.Content.Headers.ContentType?.MediaType);
        Assert.True((await image.Content.ReadAsByteArrayAsync()).Length > 0);
        // No cover chosen, or a partner: nothing to sign.
        Assert.Equal(((Guid?)null, (string?)null), (items.Single(i => i.ShareId == selection.Id).CoverAssetId, items.Single(i => i.ShareId == selection.Id).CoverThumbnailUrl));
        Assert.Null(items.Single(i => i.Kind == "partner").CoverThumbnailUrl);

        // The cover in the trash is no longer shown to the friend: the album keeps it as its cover, the friend gets no URL.
        await owner.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { cover } }).ShouldBe(200);
        await friend.Client.GetAsync($"/api/v1/assets/{cover}").ShouldBe(404);
        covered = (await WithMeAsync(friend)).Single(i => i.ShareId == albumShare.Id);
        Assert.Null(covered.CoverThumbnailUrl);
    }

    [Fact]
    public async Task An_albums_cover_shows_in_shared_with_me_exactly_when_the_album_itself_shows_it()
    {
        // The friend is also the owner's partner, so they may view the cover photo whether or not the album shows it.
        var owner = await api.NewUserAsync("owner");
        var friend = await api.NewUserAsync("friend");
        await owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = friend.UserId }).ShouldBe(201);
        var cover = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(cover);
        await owner.Client.PatchAsJsonAsync($"/api/v1/assets/{cover}", new { rating = 5 }).ShouldBe(200);
        var best = await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "Best", kind = "conditional", conditions = new { minRating = 5 } })
            .Json<Album>(201);
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{best.Id}", new { coverAssetId = cover }).ShouldBe(200);
        var share = await owner.ShareAlbumAsync(best.Id, (friend, "viewer"));

        async Task<(string? Album, string? WithMe)> CoversAsync()
        {
            var album = await friend.Client.GetAsync($"/api/v1/albums/{best.Id}").Json();
            var withMe = (await WithMeAsync(friend)).Single(i => i.ShareId == share.Id);
            Assert.Equal(cover, withMe.CoverAssetId);
            return (album.GetProperty("coverThumbnailUrl").GetString(), withMe.CoverThumbnailUrl);
        }

        var (albumCover, withMeCover) = await CoversAsync();
        Assert.NotNull(albumCover);
        Assert.Contains($"/api/v1/assets/{cover}/thumbnail", withMeCover);

        // Out of the album's conditions: the album no longer shows it — not as its cover in either list — though the
        // friend, a partner, still sees the photo itself.
        await owner.Client.PatchAsJsonAsync($"/api/v1/assets/{cover}", new { rating = 3 }).ShouldBe(200);
        await friend.Client.GetAsync($"/api/v1/assets/{cover}").ShouldBe(200);
        Assert.Equal(((string?)null, (string?)null), await CoversAsync());

        // Back in: both show it again.
        await owner.Client.PatchAsJsonAsync($"/api/v1/assets/{cover}", new { rating = 5 }).ShouldBe(200);
        (albumCover, withMeCover) = await CoversAsync();
        Assert.NotNull(albumCover);
        Assert.NotNull(withMeCover);
    }
}
