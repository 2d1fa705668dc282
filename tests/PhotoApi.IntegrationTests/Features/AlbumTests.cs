using System.IO.Compression;
using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>Albums (manual and conditional) and album shares, through HTTP against PostgreSQL.</summary>
[Collection(ApiCollection.Name)]
public sealed class AlbumTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_manual_album_holds_each_asset_once_and_remembers_who_added_it()
    {
        var owner = await api.NewUserAsync("albums");
        var a = await owner.UploadUniqueAsync();
        var b = await owner.UploadUniqueAsync();
        var album = await owner.CreateAlbumAsync("Summer", a);
        Assert.Equal(("manual", "owner", 1), (album.Kind, album.Role, album.AssetCount));

        var added = await owner.Client.PutAsJsonAsync($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { a, b, b } }).Json();
        Assert.Equal([b], added.GetProperty("added").EnumerateArray().Select(e => e.GetGuid()));
        Assert.Equal([a], added.GetProperty("alreadyInAlbum").EnumerateArray().Select(e => e.GetGuid()));

        var entries = await owner.Client.GetAsync($"/api/v1/albums/{album.Id}/assets").Json<Page<AlbumEntry>>();
        Assert.Equal(2, entries.Items.Count);
        Assert.All(entries.Items, e => Assert.Equal(owner.UserId, e.AddedBy));

        // Trashed assets disappear from the album (and come back on restore).
        await owner.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { a } }).ShouldBe(200);
        Assert.Equal([b], await owner.AlbumAssetIdsAsync(album.Id));
        Assert.Equal(1, (await owner.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>()).AssetCount);
    }

    [Fact]
    public async Task Album_covers_come_with_a_signed_thumbnail_url_while_the_album_shows_them()
    {
        var owner = await api.NewUserAsync("cover");
        var viewer = await api.NewUserAsync("cover-viewer");
        var photo = await owner.UploadUniqueAsync();
        var other = await owner.UploadUniqueAsync();
        var thumbnail = (await owner.WaitProcessedAsync(photo)).Urls.Thumbnail;
        await owner.WaitProcessedAsync(other);
        var document = (await owner.UploadBytesAsync("just text"u8.ToArray(), "notes.txt")).Id; // kept without derivatives
        await owner.WaitProcessedAsync(document);
        var album = await owner.CreateAlbumAsync("Covered", photo, other, document);
        var plain = await owner.CreateAlbumAsync("No cover", other);
        Assert.Null(album.CoverThumbnailUrl);

        var covered = await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { coverAssetId = photo }).Json<Album>();
        Assert.Equal(photo, covered.CoverAssetId);
        Assert.NotNull(covered.CoverThumbnailUrl);
        Assert.StartsWith($"/api/v1/assets/{photo}/thumbnail?size=small&", covered.CoverThumbnailUrl, StringComparison.Ordinal);
        // The same image the asset's own signed thumbnail URL serves, without any credentials.
        var anonymous = api.NewClient();
        var cover = await anonymous.GetAsync(covered.CoverThumbnailUrl);
        await cover.ShouldBe(200);
        Assert.Equal("image/webp", cover.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await anonymous.GetByteArrayAsync(thumbnail), await cover.Content.ReadAsByteArrayAsync());

        // The list carries it for each album of the page (computed in the page query), the invitee's list too.
        await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"));
        foreach (var who in new[] { owner, viewer })
        {
            var listed = (await who.Client.GetAsync("/api/v1/albums").Json<Page<Album>>()).Items.ToDictionary(a => a.Id);
            Assert.NotNull(listed[album.Id].CoverThumbnailUrl);
            await anonymous.GetAsync(listed[album.Id].CoverThumbnailUrl).ShouldBe(200);
        }
        Assert.Null((await owner.Client.GetAsync($"/api/v1/albums/{plain.Id}").Json<Album>()).CoverThumbnailUrl);

        // A cover without a thumbnail has no URL.
        var noThumbnail = await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { coverAssetId = document }).Json<Album>();
        Assert.Equal((document, (string?)null), (noThumbnail.CoverAssetId, noThumbnail.CoverThumbnailUrl));

        // A cover the album no longer shows (in the trash) has none either, for the owner and the invitee alike.
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { coverAssetId = photo }).ShouldBe(200);
        await owner.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { photo } }).ShouldBe(200);
        foreach (var who in new[] { owner, viewer })
        {
            var seen = await who.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>();
            Assert.Equal((photo, (string?)null), (seen.CoverAssetId, seen.CoverThumbnailUrl));
            Assert.Null((await who.Client.GetAsync("/api/v1/albums").Json<Page<Album>>()).Items.Single(a => a.Id == album.Id).CoverThumbnailUrl);
        }
        await owner.Client.PostAsJsonAsync("/api/v1/trash/restore", new { ids = new[] { photo } }).ShouldBe(200);
        Assert.NotNull((await viewer.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>()).CoverThumbnailUrl);
    }

    [Fact]
    public async Task An_album_cover_from_a_Shared_Space_file_its_contributor_lost_has_no_thumbnail_url()
    {
        var admin = api.Admin.Client;
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var owner = await api.NewUserAsync("ss-cover");
        var viewer = await api.NewUserAsync("ss-cover-viewer");
        async Task Level(string level) => await admin.PutAsJsonAsync("/api/v1/shared-space/access",
            new { entries = new[] { new { principalType = "user", principalId = owner.UserId, level } } }).ShouldBe(200);
        await Level("full");
        var folder = (await admin.PostAsJsonAsync("/api/v1/folders", new { name = $"covers-{Guid.NewGuid():N}"[..14], space = "shared" }).Json(201))
            .GetProperty("id").GetGuid();
        var photo = await owner.UploadUniqueAsync(folderId: folder);
        await owner.WaitProcessedAsync(photo);
        var album = await owner.CreateAlbumAsync("From the Shared Space", photo);
        await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"));
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { coverAssetId = photo }).ShouldBe(200);
        Assert.NotNull((await viewer.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>()).CoverThumbnailUrl);

        // The owner loses the Shared Space: their entry no longer shows the file, so nobody views the cover through the album.
        await Level("none");
        var seen = await viewer.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>();
        Assert.Equal((0, (string?)null), (seen.AssetCount, seen.CoverThumbnailUrl));
        await viewer.Client.GetAsync($"/api/v1/assets/{photo}").ShouldBe(404);
        Assert.Null((await viewer.Client.GetAsync("/api/v1/albums").Json<Page<Album>>()).Items.Single(a => a.Id == album.Id).CoverThumbnailUrl);
    }

    [Fact]
    public async Task Album_input_is_checked()
    {
        var owner = await api.NewUserAsync();
        await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = " " }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "x", kind = "conditional" }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "x", kind = "conditional", conditions = new { } }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "x", conditions = new { minRating = 3 } }).ShouldBeProblem(400, "validation.failed");
        var stranger = await api.NewUserAsync();
        var theirs = await stranger.UploadUniqueAsync();
        // Another user's asset cannot be put in my album: answered like a missing one.
        await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "x", assetIds = new[] { theirs } }).ShouldBeProblem(404, "resource.not_found");
        var album = await owner.CreateAlbumAsync();
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { coverAssetId = theirs }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { conditions = new { minRating = 1 } }).ShouldBeProblem(400, "validation.failed");
    }

    [Fact]
    public async Task A_conditional_album_is_evaluated_when_read()
    {
        var owner = await api.NewUserAsync("cond");
        var a = await owner.UploadUniqueAsync();
        var b = await owner.UploadUniqueAsync();
        await owner.Client.PatchAsJsonAsync($"/api/v1/assets/{a}", new { rating = 4, tags = new[] { "Beach" } }).ShouldBe(200);
        var album = await owner.Client.PostAsJsonAsync("/api/v1/albums", new
        {
            name = "Best beach", kind = "conditional", conditions = new { minRating = 3, tags = new[] { "beach" } },
        }).Json<Album>(201);
        Assert.Equal(3, album.Conditions!.MinRating);
        Assert.Equal([a], await owner.AlbumAssetIdsAsync(album.Id));
        // Tags match without regard to case, in albums and in the timeline filter alike.
        Assert.Equal([a], (await owner.Client.GetAsync("/api/v1/assets?tag=BEACH").Json<Page<Asset>>()).Items.Select(i => i.Id));

        await owner.Client.PatchAsJsonAsync($"/api/v1/assets/{b}", new { rating = 5, tags = new[] { "beach", "sea" } }).ShouldBe(200);
        Assert.Equal([a, b], (await owner.AlbumAssetIdsAsync(album.Id)).Order());

        // Entries cannot be added to it by hand.
        await owner.Client.PutAsJsonAsync($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { a } }).ShouldBeProblem(409, "album.not_manual");

        // Folder conditions include subfolders; the timeline's albumId filter reads the same album.
        var parent = await owner.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Trips" }).Json(201);
        var child = await owner.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Rome", parentId = parent.GetProperty("id").GetGuid() }).Json(201);
        await owner.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { b }, folderId = child.GetProperty("id").GetGuid() }).ShouldBe(200);
        await owner.Client.PatchAsJsonAsync($"/api/v1/albums/{album.Id}", new { conditions = new { folderIds = new[] { parent.GetProperty("id").GetGuid() } } }).ShouldBe(200);
        var timeline = await owner.Client.GetAsync($"/api/v1/assets?albumId={album.Id}").Json<Page<Asset>>();
        Assert.Equal([b], timeline.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Invitees_see_an_album_at_their_role_and_lose_it_when_unshared()
    {
        var owner = await api.NewUserAsync("owner");
        var viewer = await api.NewUserAsync("viewer");
        var provider = await api.NewUserAsync("provider");
        var stranger = await api.NewUserAsync("stranger");
        var photo = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(photo);
        var album = await owner.CreateAlbumAsync("Family", photo);
        var share = await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"), (provider, "provider"));
        Assert.Equal(2, share.Invitees.Count);
        Assert.Equal(43, share.Key.Length); // 256 bits, base64url
        Assert.False(share.LinkEnabled);

        // The viewer sees the album and its photo, with thumbnails but no original to download.
        var seen = await viewer.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>();
        Assert.Equal(("viewer", (Guid?)null), (seen.Role, seen.ShareId));
        var entry = (await viewer.Client.GetAsync($"/api/v1/albums/{album.Id}/assets").Json<Page<AlbumEntry>>()).Items.Single();
        Assert.NotNull(entry.Asset.Urls.Thumbnail);
        Assert.Null(entry.Asset.Urls.Original);
        await viewer.Client.GetAsync($"/api/v1/assets/{photo}/original").ShouldBeProblem(403, "share.role_insufficient");
        await viewer.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = album.Id }).ShouldBeProblem(403, "share.role_insufficient");
        await api.NewClient().GetAsync(entry.Asset.Urls.Thumbnail).ShouldBe(200);

        // The provider downloads, adds their own photo, and removes only what they added.
        var mine = await provider.UploadUniqueAsync();
        await provider.Client.PutAsJsonAsync($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { mine } }).ShouldBe(200);
        var archive = await provider.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = album.Id });
        await archive.ShouldBe(200);
        using (var zip = new ZipArchive(await archive.Content.ReadAsStreamAsync())) Assert.Equal(2, zip.Entries.Count);
        await provider.Client.SendAsync(Sharing.DeleteWithBody($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { photo } }))
            .ShouldBeProblem(403, "share.role_insufficient");
        // The owner and the viewer see the provider's photo in the album.
        Assert.Contains(mine, await owner.AlbumAssetIdsAsync(album.Id));
        Assert.Contains(mine, await viewer.AlbumAssetIdsAsync(album.Id));
        await provider.Client.SendAsync(Sharing.DeleteWithBody($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { mine } })).ShouldBe(200);

        // Invitees cannot change the share (their own role included), nor re-share the album.
        await viewer.Client.GetAsync($"/api/v1/shares/{share.Id}").ShouldBe(404);
        await provider.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[] { new { principalType = "user", principalId = provider.UserId, role = "provider" } },
        }).ShouldBe(404);
        await viewer.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "album", id = album.Id } }).ShouldBeProblem(403, "share.role_insufficient");

        // A stranger (and the admin) cannot tell the album exists.
        await stranger.Client.GetAsync($"/api/v1/albums/{album.Id}").ShouldBeProblem(404, "resource.not_found");
        await api.Admin.Client.GetAsync($"/api/v1/albums/{album.Id}/assets").ShouldBeProblem(404, "resource.not_found");
        await stranger.Client.GetAsync($"/api/v1/assets/{photo}").ShouldBe(404);

        // Unsharing ends access at once.
        await owner.Client.DeleteAsync($"/api/v1/shares/{share.Id}").ShouldBe(204);
        await viewer.Client.GetAsync($"/api/v1/albums/{album.Id}").ShouldBe(404);
        await viewer.Client.GetAsync($"/api/v1/assets/{photo}").ShouldBe(404);
        Assert.Null((await owner.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>()).ShareId);
    }

    [Fact]
    public async Task Group_members_get_the_highest_of_their_roles()
    {
        var owner = await api.NewUserAsync();
        var member = await api.NewUserAsync();
        var group = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = "g-" + Guid.NewGuid().ToString("N")[..8], memberIds = new[] { member.UserId } }).Json(201);
        var photo = await owner.UploadUniqueAsync();
        var album = await owner.CreateAlbumAsync("Team", photo);
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id },
            invitees = new object[]
            {
                new { principalType = "group", principalId = group.GetProperty("id").GetGuid(), role = "downloader" },
                new { principalType = "user", principalId = member.UserId, role = "viewer" },
            },
        }).Json<Share>(201);
        Assert.Equal("downloader", (await member.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>()).Role);
        await member.Client.GetAsync($"/api/v1/assets/{photo}/original").ShouldBe(200);

        // Sharing with the owner, an unknown user, twice with the same user, or Provider on a conditional album is refused.
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[] { new { principalType = "user", principalId = owner.UserId, role = "viewer" } },
        }).ShouldBeProblem(400, "share.invitee_is_owner");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[] { new { principalType = "user", principalId = Guid.NewGuid(), role = "viewer" } },
        }).ShouldBeProblem(400, "share.unknown_invitee");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[] { new { principalType = "user", principalId = member.UserId, role = "viewer" }, new { principalType = "user", principalId = member.UserId, role = "provider" } },
        }).ShouldBeProblem(400, "validation.failed");
        var conditional = await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "c", kind = "conditional", conditions = new { minRating = 1 } }).Json<Album>(201);
        await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = conditional.Id },
            invitees = new[] { new { principalType = "user", principalId = member.UserId, role = "provider" } },
        }).ShouldBeProblem(400, "share.role_not_allowed");
        await owner.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "album", id = album.Id } }).ShouldBeProblem(409, "share.already_shared");
    }

    [Fact]
    public async Task A_selection_share_shows_exactly_its_assets_and_the_sharing_pages_list_it()
    {
        var owner = await api.NewUserAsync();
        var friend = await api.NewUserAsync();
        var shared = await owner.UploadUniqueAsync();
        var notShared = await owner.UploadUniqueAsync();
        var share = await owner.ShareSelectionAsync([shared], (friend, "downloader"));
        Assert.Equal(("selection", "1 item"), (share.Target.Type, share.Target.Name));

        Assert.Equal([shared], await friend.AlbumAssetIdsAsync(share.Target.AlbumId));
        await friend.Client.GetAsync($"/api/v1/assets/{shared}/original").ShouldBe(200);
        await friend.Client.GetAsync($"/api/v1/assets/{notShared}").ShouldBe(404);
        // Selections are not albums in the album list.
        Assert.DoesNotContain((await owner.Client.GetAsync("/api/v1/albums").Json<Page<Album>>()).Items, a => a.Id == share.Target.AlbumId);

        var withMe = await friend.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>();
        var item = withMe.Groups.SelectMany(g => g.Items).Single();
        Assert.Equal(("selection", share.Id, "downloader", 1), (item.Kind, item.ShareId, item.Role, item.AssetCount));
        Assert.Equal(DateOnly.FromDateTime(item.SharedAt), withMe.Groups.Single().Date);

        var withOthers = await owner.Client.GetAsync("/api/v1/sharing/with-others").Json<Page<SharedWithOthersItem>>();
        Assert.Equal((share.Id, 1), (withOthers.Items.Single().ShareId, withOthers.Items.Single().InviteeCount));

        await owner.Client.DeleteAsync($"/api/v1/shares/{share.Id}").ShouldBe(204);
        await friend.Client.GetAsync($"/api/v1/albums/{share.Target.AlbumId}").ShouldBe(404);
        await owner.Client.GetAsync($"/api/v1/albums/{share.Target.AlbumId}").ShouldBe(404); // the selection went with its share
        await owner.Client.GetAsync($"/api/v1/assets/{shared}").ShouldBe(200);                // the photo did not
    }

    [Fact]
    public async Task A_partner_sees_the_whole_library_but_never_the_trash()
    {
        var sharer = await api.NewUserAsync("sharer");
        var partner = await api.NewUserAsync("partner");
        var kept = await sharer.UploadUniqueAsync();
        var trashed = await sharer.UploadUniqueAsync();
        await sharer.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { trashed } }).ShouldBe(200);

        await partner.Client.GetAsync($"/api/v1/assets/{kept}").ShouldBe(404);
        var created = await sharer.Client.PostAsJsonAsync("/api/v1/partners", new { userId = partner.UserId }).Json<Partner>(201);
        Assert.Equal(("shared-by", false), (created.Direction, created.InTimeline));
        await sharer.Client.PostAsJsonAsync("/api/v1/partners", new { userId = partner.UserId }).ShouldBeProblem(409, "partner.exists");
        await sharer.Client.PostAsJsonAsync("/api/v1/partners", new { userId = sharer.UserId }).ShouldBeProblem(400, "partner.is_self");

        await partner.Client.GetAsync($"/api/v1/assets/{kept}/original").ShouldBe(200);
        await partner.Client.GetAsync($"/api/v1/assets/{trashed}").ShouldBe(404);
        // Partners view and download; they do not edit, delete or re-share.
        await partner.Client.PatchAsJsonAsync($"/api/v1/assets/{kept}", new { rating = 1 }).ShouldBe(404);
        await partner.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { kept } }).ShouldBe(404);
        await partner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "mine now", assetIds = new[] { kept } }).ShouldBe(404);

        // The partner browses the library (never its trash); a stranger cannot.
        var browsed = await partner.Client.GetAsync($"/api/v1/assets?partnerId={sharer.UserId}").Json<Page<Asset>>();
        Assert.Equal([kept], browsed.Items.Select(i => i.Id));
        await (await api.NewUserAsync()).Client.GetAsync($"/api/v1/assets?partnerId={sharer.UserId}").ShouldBeProblem(404, "resource.not_found");
        await partner.Client.PatchAsJsonAsync($"/api/v1/partners/{sharer.UserId}", new { }).ShouldBeProblem(400, "validation.failed");

        // Not in the partner's timeline until they choose so; the sharer cannot choose for them.
        async Task<List<Guid>> Timeline() => (await partner.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items.Select(a => a.Id).ToList();
        Assert.DoesNotContain(kept, await Timeline());
        await sharer.Client.PatchAsJsonAsync($"/api/v1/partners/{partner.UserId}", new { inTimeline = true }).ShouldBe(404);
        var updated = await partner.Client.PatchAsJsonAsync($"/api/v1/partners/{sharer.UserId}", new { inTimeline = true }).Json<Partner>();
        Assert.Equal(("shared-with", true), (updated.Direction, updated.InTimeline));
        var timeline = await Timeline();
        Assert.Contains(kept, timeline);
        Assert.DoesNotContain(trashed, timeline);

        var withMe = await partner.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>();
        Assert.Equal(("partner", 1), (withMe.Groups.Single().Items.Single().Kind, withMe.Groups.Single().Items.Single().AssetCount));
        Assert.Single((await partner.Client.GetAsync("/api/v1/partners?direction=shared-with").Json<Page<Partner>>()).Items);

        // The recipient may leave; then the library is gone for them.
        await partner.Client.DeleteAsync($"/api/v1/partners/{sharer.UserId}?direction=shared-with").ShouldBe(204);
        await partner.Client.GetAsync($"/api/v1/assets/{kept}").ShouldBe(404);
    }

    [Fact]
    public async Task The_sharing_pages_page_through_newest_first_without_gaps_or_repeats()
    {
        var owner = await api.NewUserAsync();
        var friend = await api.NewUserAsync();
        var shares = new List<Share>();
        for (var i = 0; i < 3; i++)
            shares.Add(await owner.ShareAlbumAsync((await owner.CreateAlbumAsync($"Album {i}")).Id, (friend, "viewer")));
        // Changing a share's settings moves it to the top of "Shared With Others".
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{shares[0].Id}", new { description = "updated" }).ShouldBe(200);

        var seen = new List<Guid?>();
        string? cursor = null;
        do
        {
            var page = await owner.Client.GetAsync($"/api/v1/sharing/with-others?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}").Json<Page<SharedWithOthersItem>>();
            seen.AddRange(page.Items.Select(i => i.ShareId));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal([shares[0].Id, shares[2].Id, shares[1].Id], seen);

        var mine = new List<Guid?>();
        cursor = null;
        do
        {
            var page = await friend.Client.GetAsync($"/api/v1/sharing/with-me?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}").Json<SharedWithMePage>();
            mine.AddRange(page.Groups.SelectMany(g => g.Items).Select(i => i.ShareId));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal([shares[2].Id, shares[1].Id, shares[0].Id], mine);

        await friend.Client.GetAsync("/api/v1/sharing/with-me?cursor=not-ours").ShouldBeProblem(400, "validation.failed");
    }
}
