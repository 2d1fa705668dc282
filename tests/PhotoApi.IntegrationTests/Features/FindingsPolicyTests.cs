using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Access findings about links, albums and photo requests, through HTTP as the users and guests see them: a request page
/// shows an album only while its link is open to guests; an album entry grants nothing by itself; unlock tokens end with
/// any change of the link; a disabled owner's shares stop for invitees as for guests.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsPolicyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record RequestLink(Guid Id, string Key);

    private sealed record RequestAlbum(string Name, int PhotoCount, List<JsonElement> Photos);

    private sealed record RequestPage(string Subject, RequestAlbum? Album);

    private sealed record GuestAsset(Guid Id, string? OriginalFileName);

    private sealed record Unlocked(string ShareToken);

    private async Task<Share> ShareAsync(Session owner, Guid albumId, object settings)
    {
        var body = JsonSerializer.SerializeToNode(settings)!.AsObject();
        body["target"] = JsonSerializer.SerializeToNode(new { type = "album", id = albumId });
        return await owner.Client.PostAsJsonAsync("/api/v1/shares", body).Json<Share>(201);
    }

    private static Task ChangeAsync(Session owner, Share share, object change) =>
        owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", change).ShouldBe(200);

    private async Task<Guid> ProcessedAsync(Session user, Guid? folderId = null)
    {
        var id = await user.UploadUniqueAsync(folderId: folderId);
        await user.WaitProcessedAsync(id);
        return id;
    }

    private async Task<RequestAlbum?> RequestAlbumAsync(RequestLink request) =>
        (await api.NewClient().GetAsync($"/api/v1/r/{request.Key}").Json<RequestPage>()).Album;

    [Fact]
    public async Task A_request_page_shows_its_album_only_while_the_albums_own_link_is_open_to_guests()
    {
        var owner = await api.NewUserAsync("requester");
        var album = await owner.CreateAlbumAsync("Wedding", await ProcessedAsync(owner));
        var share = await ShareAsync(owner, album.Id, new { linkEnabled = true, privacy = "public" });
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Wedding", albumId = album.Id }).Json<RequestLink>(201);
        Assert.Equal(1, (await RequestAlbumAsync(request))?.PhotoCount);

        // Behind a password, turned off, private or expired, the album's link shows nothing to a guest: nor does the request page.
        await ChangeAsync(owner, share, new { password = "secret-1" });
        Assert.Null(await RequestAlbumAsync(request));
        await ChangeAsync(owner, share, new { clearPassword = true, linkEnabled = false });
        Assert.Null(await RequestAlbumAsync(request));
        await ChangeAsync(owner, share, new { linkEnabled = true, privacy = "private" });
        Assert.Null(await RequestAlbumAsync(request));
        await ChangeAsync(owner, share, new { privacy = "public", expiresAt = DateTime.UtcNow.AddSeconds(4) });
        Assert.NotNull(await RequestAlbumAsync(request));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Null(await RequestAlbumAsync(request));

        // A Provider of someone else's album shared with invitees only cannot expose it through a request.
        var other = await api.NewUserAsync("album-owner");
        var theirs = await other.CreateAlbumAsync("Theirs", await ProcessedAsync(other));
        var theirShare = await other.ShareAlbumAsync(theirs.Id, (owner, "provider"));
        var into = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Into theirs", albumId = theirs.Id }).Json<RequestLink>(201);
        Assert.Null(await RequestAlbumAsync(into));
        // What the album's owner opens to guests themselves, the page may show; until the owner is disabled.
        await ChangeAsync(other, theirShare, new { linkEnabled = true, privacy = "public" });
        Assert.Equal(1, (await RequestAlbumAsync(into))?.PhotoCount);
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{other.UserId}", new { status = "disabled" }).ShouldBe(200);
        Assert.Null(await RequestAlbumAsync(into));
    }

    private async Task EnableSharedSpaceAsync() =>
        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);

    /// <summary>Sets one user's Shared Space level, keeping everyone else's.</summary>
    private async Task SetLevelAsync(Guid userId, string level)
    {
        var entries = (await api.Admin.Client.GetAsync("/api/v1/shared-space/access").Json()).GetProperty("entries").EnumerateArray()
            .Where(e => e.GetProperty("principalId").GetGuid() != userId)
            .Select(e => new { principalType = e.GetProperty("principalType").GetString()!, principalId = e.GetProperty("principalId").GetGuid(), level = e.GetProperty("level").GetString()! })
            .Append(new { principalType = "user", principalId = userId, level })
            .ToList();
        await api.Admin.Client.PutAsJsonAsync("/api/v1/shared-space/access", new { entries }).ShouldBe(200);
    }

    private Task SetEntriesAsync(Guid folder, params object[] entries) =>
        api.Admin.Client.PutAsJsonAsync($"/api/v1/folders/{folder}/permissions", new { entries }).ShouldBe(200);

    /// <summary>
    /// A Custom user with Manager on a Shared Space folder: one upload there and one in his Personal Space, both in his
    /// album (shared with a Downloader and by a public link that allows downloads) and matched by his conditional album.
    /// </summary>
    private async Task<(Session User, Guid Folder, Guid Shared, Guid Personal, Guid Album, Guid Conditional, Session Friend, Share Link)> ManagerAsync()
    {
        await EnableSharedSpaceAsync();
        var folder = (await api.Admin.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Team-" + Guid.NewGuid().ToString("N")[..6], space = "shared" })
            .Json(201)).GetProperty("id").GetGuid();
        var user = await api.NewUserAsync("manager");
        await SetLevelAsync(user.UserId, "custom");
        await SetEntriesAsync(folder, new { principalType = "user", principalId = user.UserId, role = "manager" });
        var shared = await ProcessedAsync(user, folder);
        var personal = await ProcessedAsync(user);
        var album = await user.CreateAlbumAsync("Mine", shared, personal);
        var friend = await api.NewUserAsync("friend");
        var link = await ShareAsync(user, album.Id, new
        {
            linkEnabled = true, privacy = "public", allowDownload = true,
            invitees = new[] { new { principalType = "user", principalId = friend.UserId, role = "downloader" } },
        });
        var conditional = await user.Client.PostAsJsonAsync("/api/v1/albums", new { name = "All my photos", kind = "conditional", conditions = new { mediaType = "image" } })
            .Json<Album>(201);
        // Guests know the files by the link's own ids, and the link shows file names: remember which is which.
        foreach (var id in new[] { shared, personal })
            _ownerIdByName[(await user.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>()).OriginalFileName] = id;
        foreach (var seen in (await api.NewClient().GetAsync($"/api/v1/s/{link.Key}/assets").Json<Page<GuestAsset>>()).Items)
            _guestIds[_ownerIdByName[seen.OriginalFileName!]] = seen.Id;
        return (user, folder, shared, personal, album.Id, conditional.Id, friend, link);
    }

    private readonly Dictionary<string, Guid> _ownerIdByName = [];
    private readonly Dictionary<Guid, Guid> _guestIds = [];

    /// <summary>The id a guest of the link knows the owner's asset by.</summary>
    private Guid GuestId(Guid ownerId) => _guestIds[ownerId];

    /// <summary>The owner's ids of what a guest sees on the link's page.</summary>
    private List<Guid> OwnerIds(Page<GuestAsset> page) => page.Items.Select(a => _ownerIdByName[a.OriginalFileName!]).ToList();

    private async Task<List<Guid>> GuestSeesAsync(Share link) =>
        OwnerIds(await api.NewClient().GetAsync($"/api/v1/s/{link.Key}/assets").Json<Page<GuestAsset>>());

    private static async Task<List<string>> ArchiveAsync(Session who, Guid albumId)
    {
        var response = await who.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId });
        await response.ShouldBe(200);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        return zip.Entries.Select(e => e.FullName).Order().ToList();
    }

    private static async Task<List<Guid>> TimelineAsync(Session who) =>
        (await who.Client.GetAsync("/api/v1/assets?limit=1000").Json<Page<Asset>>()).Items.Select(a => a.Id).ToList();

    [Theory]
    [InlineData("shared space access none")]
    [InlineData("folder entries cleared")]
    public async Task Losing_access_to_a_file_takes_it_out_of_his_albums_and_links(string how)
    {
        var (user, folder, shared, personal, album, conditional, friend, link) = await ManagerAsync();
        var personalName = (await user.Client.GetAsync($"/api/v1/assets/{personal}").Json<Asset>()).OriginalFileName;
        Assert.Equal(2, (await ArchiveAsync(user, album)).Count);
        Assert.Contains(shared, await GuestSeesAsync(link));
        Assert.Contains(shared, await user.AlbumAssetIdsAsync(conditional));

        if (how == "shared space access none") await SetLevelAsync(user.UserId, "none");
        else await SetEntriesAsync(folder);

        // He: not the file, not its original; his albums, archive and timeline show only what he may still view.
        await user.Client.GetAsync($"/api/v1/assets/{shared}").ShouldBeProblem(404, "resource.not_found");
        await user.Client.GetAsync($"/api/v1/assets/{shared}/original").ShouldBeProblem(404, "resource.not_found");
        Assert.Equal([personal], await user.AlbumAssetIdsAsync(album));
        Assert.Equal(1, (await user.Client.GetAsync($"/api/v1/albums/{album}").Json<Album>()).AssetCount);
        Assert.Equal([personalName], await ArchiveAsync(user, album));
        Assert.Equal([personal], await user.AlbumAssetIdsAsync(conditional));
        Assert.DoesNotContain(shared, await TimelineAsync(user));
        // His invitee: the same.
        await friend.Client.GetAsync($"/api/v1/assets/{shared}").ShouldBeProblem(404, "resource.not_found");
        await friend.Client.GetAsync($"/api/v1/assets/{shared}/original").ShouldBeProblem(404, "resource.not_found");
        Assert.Equal([personal], await friend.AlbumAssetIdsAsync(album));
        Assert.Equal([personalName], await ArchiveAsync(friend, album));
        // Guests of his link: the same, on full pages.
        Assert.Equal([personal], await GuestSeesAsync(link));
        var guest = api.NewClient();
        Assert.Equal(1, (await guest.GetAsync($"/api/v1/s/{link.Key}").Json()).GetProperty("assetCount").GetInt32());
        var onePerPage = await guest.GetAsync($"/api/v1/s/{link.Key}/assets?limit=1").Json<Page<GuestAsset>>();
        Assert.Equal([personal], OwnerIds(onePerPage));
        Assert.Null(onePerPage.NextCursor);
        await guest.GetAsync($"/api/v1/s/{link.Key}/assets/{GuestId(shared)}/original").ShouldBeProblem(404, "resource.not_found");
        await guest.GetAsync($"/api/v1/s/{link.Key}/assets/{GuestId(shared)}/thumbnail").ShouldBeProblem(404, "resource.not_found");
    }

    [Fact]
    public async Task What_his_album_and_link_let_others_download_is_what_he_may_download_now()
    {
        var (user, folder, shared, personal, album, _, friend, link) = await ManagerAsync();
        // Down to Viewer: he still sees the file, but may no longer download it.
        await SetEntriesAsync(folder, new { principalType = "user", principalId = user.UserId, role = "viewer" });

        var mine = await user.Client.GetAsync($"/api/v1/assets/{shared}").Json<Asset>();
        Assert.Null(mine.Urls.Original);
        await user.Client.GetAsync($"/api/v1/assets/{shared}/original").ShouldBeProblem(403, "share.role_insufficient");
        await user.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = album }).ShouldBeProblem(403, "share.role_insufficient");
        // His Downloader sees it and downloads his personal photo, not this one.
        Assert.Null((await friend.Client.GetAsync($"/api/v1/assets/{shared}").Json<Asset>()).Urls.Original);
        await friend.Client.GetAsync($"/api/v1/assets/{shared}/original").ShouldBeProblem(403, "share.role_insufficient");
        await friend.Client.GetAsync($"/api/v1/assets/{personal}/original").ShouldBe(200);
        await friend.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = album }).ShouldBeProblem(403, "share.role_insufficient");
        // Guests of his link: the same.
        var guest = api.NewClient();
        Assert.Contains(shared, await GuestSeesAsync(link));
        await guest.GetAsync($"/api/v1/s/{link.Key}/assets/{GuestId(shared)}/thumbnail").ShouldBe(200);
        await guest.GetAsync($"/api/v1/s/{link.Key}/assets/{GuestId(shared)}/original").ShouldBeProblem(403, "share.download_disabled");
        await guest.GetAsync($"/api/v1/s/{link.Key}/assets/{GuestId(personal)}/original").ShouldBe(200);
    }

    /// <summary>Unlocks the link (a client of its own) and returns the token.</summary>
    private async Task<string> UnlockAsync(Share link) =>
        (await api.NewClient().PostAsJsonAsync($"/api/v1/s/{link.Key}/unlock", new { password = "link-pass-1" }).Json<Unlocked>()).ShareToken;

    /// <summary>What a guest holding this token gets from the link's list (a client of its own: no cookie).</summary>
    private async Task<HttpResponseMessage> WithTokenAsync(Share link, string token)
    {
        var guest = api.NewClient();
        guest.DefaultRequestHeaders.Add("X-Share-Token", token);
        return await guest.GetAsync($"/api/v1/s/{link.Key}/assets");
    }

    [Fact]
    public async Task An_unlock_token_ends_when_the_link_is_turned_off_and_on_or_its_expiry_or_privacy_changes()
    {
        var owner = await api.NewUserAsync("locker");
        var album = await owner.CreateAlbumAsync("Locked", await owner.UploadUniqueAsync());
        var link = await ShareAsync(owner, album.Id, new { linkEnabled = true, privacy = "public", password = "link-pass-1" });

        var token = await UnlockAsync(link);
        await WithTokenAsync(link, token).ShouldBe(200);
        // What does not touch the link's access keeps the token.
        await ChangeAsync(owner, link, new { description = "New words", showMetadata = false });
        await WithTokenAsync(link, token).ShouldBe(200);

        await ChangeAsync(owner, link, new { linkEnabled = false });
        await ChangeAsync(owner, link, new { linkEnabled = true });
        await WithTokenAsync(link, token).ShouldBeProblem(401, "share.password_required");

        token = await UnlockAsync(link);
        await ChangeAsync(owner, link, new { expiresAt = DateTime.UtcNow.AddDays(1) });
        await WithTokenAsync(link, token).ShouldBeProblem(401, "share.password_required");

        token = await UnlockAsync(link);
        await ChangeAsync(owner, link, new { clearExpiry = true });
        await WithTokenAsync(link, token).ShouldBeProblem(401, "share.password_required");

        token = await UnlockAsync(link);
        await ChangeAsync(owner, link, new { privacy = "private" });
        await ChangeAsync(owner, link, new { privacy = "public" });
        await WithTokenAsync(link, token).ShouldBeProblem(401, "share.password_required");

        // A fresh unlock works again.
        await WithTokenAsync(link, await UnlockAsync(link)).ShouldBe(200);
    }

    private async Task<List<Guid>> SharedWithMeAsync(Session who) =>
        (await who.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>()).Groups.SelectMany(g => g.Items)
            .Select(i => i.AlbumId ?? i.Owner.Id).ToList();

    private Task SetStatusAsync(Session user, string status) =>
        api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status }).ShouldBe(200);

    [Fact]
    public async Task A_disabled_owners_albums_selections_and_library_stop_for_invitees_and_partners_too()
    {
        var owner = await api.NewUserAsync("leaving");
        var photo = await ProcessedAsync(owner);
        var album = await owner.CreateAlbumAsync("Family", photo);
        var friend = await api.NewUserAsync("friend");
        var member = await api.NewUserAsync("member");
        var group = (await api.Admin.Client.PostAsJsonAsync("/api/v1/groups",
            new { name = "family-" + Guid.NewGuid().ToString("N")[..8], memberIds = new[] { member.UserId } }).Json(201)).GetProperty("id").GetGuid();
        await ShareAsync(owner, album.Id, new
        {
            invitees = new object[]
            {
                new { principalType = "user", principalId = friend.UserId, role = "downloader" },
                new { principalType = "group", principalId = group, role = "viewer" },
            },
        });
        var selection = (await owner.ShareSelectionAsync([await owner.UploadUniqueAsync()], (friend, "viewer"))).Target.AlbumId;
        await owner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = friend.UserId }).ShouldBe(201);

        Assert.Equal(new[] { album.Id, owner.UserId, selection }.Order(), (await SharedWithMeAsync(friend)).Order());
        await friend.Client.GetAsync($"/api/v1/assets/{photo}/original").ShouldBe(200);
        await member.Client.GetAsync($"/api/v1/albums/{album.Id}").ShouldBe(200);

        await SetStatusAsync(owner, "disabled");

        // Like something that does not exist, for every invitee and the partner, on every route.
        foreach (var url in new[]
                 {
                     $"/api/v1/albums/{album.Id}", $"/api/v1/albums/{album.Id}/assets", $"/api/v1/albums/{selection}", $"/api/v1/assets/{photo}",
                     $"/api/v1/assets/{photo}/original", $"/api/v1/assets?albumId={album.Id}", $"/api/v1/assets?partnerId={owner.UserId}",
                 })
            await friend.Client.GetAsync(url).ShouldBeProblem(404, "resource.not_found");
        await friend.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = album.Id }).ShouldBeProblem(404, "resource.not_found");
        await member.Client.GetAsync($"/api/v1/albums/{album.Id}").ShouldBeProblem(404, "resource.not_found");
        Assert.Empty(await SharedWithMeAsync(friend));
        Assert.Empty((await friend.Client.GetAsync("/api/v1/albums?scope=shared").Json<Page<Album>>()).Items);
        Assert.Empty((await member.Client.GetAsync("/api/v1/albums?scope=shared").Json<Page<Album>>()).Items);

        // Enabled again, everything is back.
        await SetStatusAsync(owner, "active");
        Assert.Equal(new[] { album.Id, owner.UserId, selection }.Order(), (await SharedWithMeAsync(friend)).Order());
        await friend.Client.GetAsync($"/api/v1/assets/{photo}/original").ShouldBe(200);
        await member.Client.GetAsync($"/api/v1/albums/{album.Id}").ShouldBe(200);
    }

    [Fact]
    public async Task A_disabled_admins_folder_share_stops_for_its_invitees_too()
    {
        await EnableSharedSpaceAsync();
        var admin = await api.NewUserAsync("second-admin");
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{admin.UserId}", new { role = "admin" }).ShouldBe(200);
        var folder = (await admin.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Board-" + Guid.NewGuid().ToString("N")[..6], space = "shared" })
            .Json(201)).GetProperty("id").GetGuid();
        var invitee = await api.NewUserAsync("board-member");
        await SetLevelAsync(invitee.UserId, "custom");
        await admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = folder },
            invitees = new[] { new { principalType = "user", principalId = invitee.UserId, role = "viewer" } },
        }).ShouldBe(201);
        await invitee.Client.GetAsync($"/api/v1/folders/{folder}").ShouldBe(200);
        Assert.Contains(folder, (await invitee.Client.GetAsync("/api/v1/sharing/with-me").Json()).GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("items").EnumerateArray()).Where(i => i.GetProperty("kind").GetString() == "folder")
            .Select(i => i.GetProperty("folderId").GetGuid()));

        await SetStatusAsync(admin, "disabled");
        await invitee.Client.GetAsync($"/api/v1/folders/{folder}").ShouldBeProblem(404, "resource.not_found");
        Assert.Empty((await invitee.Client.GetAsync("/api/v1/sharing/with-me").Json()).GetProperty("groups").EnumerateArray());
    }
}
