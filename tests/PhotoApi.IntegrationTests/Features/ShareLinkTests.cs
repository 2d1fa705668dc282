using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>Share links for guests, through HTTP: passwords on every route, expiry, rotation, options, throttling.</summary>
[Collection(ApiCollection.Name)]
public sealed class ShareLinkTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Unlocked(string ShareToken, DateTime ExpiresAt);

    private sealed record PublicUrls(string? Thumbnail, string? Preview, string? Original);

    private sealed record PublicAsset(Guid Id, string MediaType, string Status, int? Width, int? Height, string? OriginalFileName, DateTime? TakenAt,
        string? CameraMake, string? CameraModel, double? Latitude, double? Longitude, string? Description, PublicUrls Urls);

    /// <summary>What a guest sees of a file they sent, followed through the link until the worker is done with it.</summary>
    private static async Task<PublicAsset> FollowAsync(HttpClient guest, string key, Guid id)
    {
        var seen = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var asset = await guest.GetAsync($"/api/v1/s/{key}/assets/{id}").Json<PublicAsset>();
            seen.Add(asset.Status);
            if (asset.Status is "ready" or "failed") return asset;
            Assert.Contains(asset.Status, new[] { "pending", "processing" });
            Assert.Null(asset.Urls.Thumbnail); // nothing to show before the worker made it
            if (DateTime.UtcNow > deadline) Assert.Fail($"Still {string.Join(", ", seen)} after 60 s.");
            await Task.Delay(200);
        }
    }

    private sealed record Counts(long ViewCount, long DownloadCount, DateTime? LastAccessedAt);

    /// <summary>An owner with two processed photos (one with camera and GPS) in an album shared by link with these settings.</summary>
    private async Task<(Session Owner, Guid Album, Guid Photo, Share Share)> SharedAsync(object settings)
    {
        var owner = await api.NewUserAsync("linker");
        var photo = (await owner.UploadAsync("exif-orient6.jpg")).Id;
        var other = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(photo);
        await owner.WaitProcessedAsync(other);
        var album = await owner.CreateAlbumAsync("Trip", photo, other);
        var body = JsonSerializer.SerializeToNode(settings)!.AsObject();
        body["target"] = JsonSerializer.SerializeToNode(new { type = "album", id = album.Id });
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares", body).Json<Share>(201);
        return (owner, album.Id, photo, share);
    }

    private static MultipartFormDataContent OneFile(byte[] bytes, string name)
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "file", name);
        return form;
    }

    [Fact]
    public async Task A_public_link_shows_the_album_with_only_what_its_options_allow()
    {
        var (owner, _, photo, share) = await SharedAsync(new { linkEnabled = true, privacy = "public", showMetadata = false, allowDownload = false });
        // The url is the page a guest opens in a browser; the API's routes for it are under /api/v1/s/{key}.
        Assert.Equal($"/s/{share.Key}", new Uri(share.Url).AbsolutePath);
        var guest = api.NewClient();
        var page = await guest.GetAsync($"/api/v1/s/{share.Key}").Json();
        Assert.Equal(("Trip", 2, true, false), (page.GetProperty("title").GetString(), page.GetProperty("assetCount").GetInt32(),
            page.GetProperty("unlocked").GetBoolean(), page.GetProperty("passwordRequired").GetBoolean()));

        var assets = await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<PublicAsset>>();
        Assert.Equal(2, assets.Items.Count);
        // Guests know assets by ids of the link's own: the photo is the 48 x 64 one.
        var seen = assets.Items.Single(a => (a.Width, a.Height) == (48, 64));
        Assert.NotEqual(photo, seen.Id);
        // No metadata: no name, date, camera or place; no original to download.
        Assert.Equal(((string?)null, (DateTime?)null, (string?)null, (double?)null, (double?)null),
            (seen.OriginalFileName, seen.TakenAt, seen.CameraMake, seen.Latitude, seen.Longitude));
        Assert.Null(seen.Urls.Original);
        var thumb = await guest.GetAsync(seen.Urls.Thumbnail);
        await thumb.ShouldBe(200);
        Assert.Equal("image/webp", thumb.Content.Headers.ContentType?.MediaType);
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{seen.Id}/original").ShouldBeProblem(403, "share.download_disabled");
        await guest.PostAsync($"/api/v1/s/{share.Key}/assets", OneFile(await File.ReadAllBytesAsync(Library.Fixture("grey.jpg")), "x.jpg"))
            .ShouldBeProblem(403, "share.upload_disabled");
        // The link opens only its album: another photo of the owner is not reachable through it.
        var outside = await owner.UploadUniqueAsync();
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{outside}/thumbnail").ShouldBeProblem(404, "resource.not_found");

        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { showMetadata = true, allowDownload = true }).ShouldBe(200);
        seen = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<PublicAsset>>()).Items.Single(a => a.Id == seen.Id);
        Assert.Equal(("exif-orient6.jpg", "Canon"), (seen.OriginalFileName, seen.CameraMake));
        var original = await guest.GetAsync(seen.Urls.Original);
        await original.ShouldBe(200);
        Assert.Equal(await File.ReadAllBytesAsync(Library.Fixture("exif-orient6.jpg")), await original.Content.ReadAsByteArrayAsync());

        // The owner sees the link being used.
        var counts = await owner.Client.GetAsync($"/api/v1/shares/{share.Id}").Json<Counts>();
        Assert.Equal((1L, 1L), (counts.ViewCount, counts.DownloadCount));
        Assert.NotNull(counts.LastAccessedAt);
    }

    [Fact]
    public async Task The_password_is_enforced_on_every_guest_route_and_the_unlock_dies_with_a_new_password_or_key()
    {
        var (owner, _, photo, share) = await SharedAsync(new { linkEnabled = true, privacy = "public", password = "Open-Sesame-1", allowUpload = true });
        var guest = api.NewClient();
        var locked = await guest.GetAsync($"/api/v1/s/{share.Key}").Json();
        Assert.True(locked.GetProperty("passwordRequired").GetBoolean());
        Assert.False(locked.GetProperty("unlocked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, locked.GetProperty("title").ValueKind);
        Assert.Equal(JsonValueKind.Null, locked.GetProperty("assetCount").ValueKind);

        async Task EveryRouteRefuses(HttpClient client, string key, string code, int status)
        {
            await client.GetAsync($"/api/v1/s/{key}/assets").ShouldBeProblem(status, code);
            await client.GetAsync($"/api/v1/s/{key}/assets/{photo}").ShouldBeProblem(status, code);
            await client.GetAsync($"/api/v1/s/{key}/assets/{photo}/thumbnail").ShouldBeProblem(status, code);
            await client.GetAsync($"/api/v1/s/{key}/assets/{photo}/original").ShouldBeProblem(status, code);
            await client.PostAsync($"/api/v1/s/{key}/assets", OneFile(await File.ReadAllBytesAsync(Library.Fixture("grey.jpg")), "x.jpg"))
                .ShouldBeProblem(status, code);
        }
        await EveryRouteRefuses(guest, share.Key, "share.password_required", 401);

        // A wrong password and an unknown link are answered alike.
        var wrong = await guest.PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "guess" }).ShouldBeProblem(401, "share.unlock_failed");
        var unknown = await guest.PostAsJsonAsync($"/api/v1/s/{new string('Q', 43)}/unlock", new { password = "guess" }).ShouldBeProblem(401, "share.unlock_failed");
        Assert.Equal(wrong.Detail, unknown.Detail);

        var unlocked = await guest.PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "Open-Sesame-1" }).Json<Unlocked>();
        var withToken = api.NewClient();
        withToken.DefaultRequestHeaders.Add("X-Share-Token", unlocked.ShareToken);
        var assets = await withToken.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<PublicAsset>>();
        Assert.Equal(2, assets.Items.Count);
        // Media URLs carry the token, so they work in an <img src> without the header.
        await api.NewClient().GetAsync(assets.Items[0].Urls.Thumbnail).ShouldBe(200);
        await withToken.GetAsync(assets.Items.Single(a => a.OriginalFileName == "exif-orient6.jpg").Urls.Original).ShouldBe(200);
        await withToken.PostAsync($"/api/v1/s/{share.Key}/assets", OneFile(await File.ReadAllBytesAsync(Library.Fixture("grey.jpg")), "from-guest.jpg")).ShouldBe(201);
        // A forged or stale token is no token.
        var forged = api.NewClient();
        forged.DefaultRequestHeaders.Add("X-Share-Token", unlocked.ShareToken[..^2] + "xx");
        await forged.GetAsync($"/api/v1/s/{share.Key}/assets").ShouldBeProblem(401, "share.password_required");

        // A new password ends the unlock.
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { password = "Changed-Pass-2" }).ShouldBe(200);
        await EveryRouteRefuses(withToken, share.Key, "share.password_required", 401);

        // So does a new key: the old link is gone like one that never existed, and old unlocks do not carry over.
        var again = await guest.PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "Changed-Pass-2" }).Json<Unlocked>();
        var rotated = await owner.Client.PostAsync($"/api/v1/shares/{share.Id}/rotate-key", null).Json<Share>();
        Assert.NotEqual(share.Key, rotated.Key);
        await guest.GetAsync($"/api/v1/s/{share.Key}").ShouldBeProblem(404, "share.link_invalid");
        var oldUnlock = api.NewClient();
        oldUnlock.DefaultRequestHeaders.Add("X-Share-Token", again.ShareToken);
        await EveryRouteRefuses(oldUnlock, rotated.Key, "share.password_required", 401);
    }

    [Fact]
    public async Task Expired_disabled_private_and_unknown_links_look_the_same_and_guessing_is_throttled()
    {
        var (owner, _, _, share) = await SharedAsync(new { linkEnabled = true, privacy = "public" });
        var guest = api.NewClient();
        await guest.GetAsync($"/api/v1/s/{share.Key}").ShouldBe(200);

        var unknown = await guest.GetAsync($"/api/v1/s/{new string('Z', 43)}").ShouldBeProblem(404, "share.link_invalid");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = false }).ShouldBe(200);
        var disabled = await guest.GetAsync($"/api/v1/s/{share.Key}").ShouldBeProblem(404, "share.link_invalid");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = true, expiresAt = DateTime.UtcNow.AddSeconds(1) }).ShouldBe(200);
        await Task.Delay(1500);
        var expired = await guest.GetAsync($"/api/v1/s/{share.Key}/assets").ShouldBeProblem(404, "share.link_invalid");
        Assert.Equal(unknown.Detail, disabled.Detail);
        Assert.Equal(unknown.Detail, expired.Detail);

        // Private: only invitees, signed in.
        var friend = await api.NewUserAsync();
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            clearExpiry = true, privacy = "private",
            invitees = new[] { new { principalType = "user", principalId = friend.UserId, role = "viewer" } },
        }).ShouldBe(200);
        await guest.GetAsync($"/api/v1/s/{share.Key}").ShouldBeProblem(404, "share.link_invalid");
        await (await api.NewUserAsync()).Client.GetAsync($"/api/v1/s/{share.Key}").ShouldBeProblem(404, "share.link_invalid");
        await friend.Client.GetAsync($"/api/v1/s/{share.Key}/assets").ShouldBe(200);

        // Guessing keys from one address is throttled.
        var prober = api.NewClient();
        for (var i = 0; i < 30; i++) await prober.GetAsync($"/api/v1/s/{Guid.NewGuid():N}{Guid.NewGuid():N}"[..54]).ShouldBe(404);
        await prober.GetAsync($"/api/v1/s/{new string('Y', 43)}").ShouldBeProblem(429, "auth.throttled");
    }

    [Fact]
    public async Task Wrong_passwords_are_throttled_per_link_whatever_the_address()
    {
        var (_, _, _, share) = await SharedAsync(new { linkEnabled = true, privacy = "public", password = "Right-Pass-9" });
        for (var i = 0; i < 10; i++)
            await api.NewClient().PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = $"wrong-{i}" }).ShouldBeProblem(401, "share.unlock_failed");
        // The eleventh try — even the right password, from a fresh address — waits.
        await api.NewClient().PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "Right-Pass-9" }).ShouldBeProblem(429, "auth.throttled");
    }

    [Fact]
    public async Task Guest_uploads_belong_to_the_link_owner_and_land_in_the_album()
    {
        var (owner, album, _, share) = await SharedAsync(new { linkEnabled = true, privacy = "public", allowUpload = true });
        var guest = api.NewClient();
        var before = await owner.AlbumAssetIdsAsync(album);
        var sent = await guest.PostAsync($"/api/v1/s/{share.Key}/assets", OneFile(await File.ReadAllBytesAsync(Library.Fixture("p3.jpg")), "guest.jpg"))
            .Json<Uploaded>(201);
        // The guest is told the id the link shows the file by; the owner finds it in the album under its own.
        var added = (await owner.AlbumAssetIdsAsync(album)).Except(before).Single();
        var asset = await owner.WaitProcessedAsync(added);
        Assert.Equal((owner.UserId, "ready", "guest.jpg"), (asset.OwnerId, asset.Status, asset.OriginalFileName));
        // The guest follows it by that id until it is ready, and then sees it as the list shows it, picture and all.
        var followed = await FollowAsync(guest, share.Key, sent.Id);
        Assert.Equal(("ready", "image", "guest.jpg"), (followed.Status, followed.MediaType, followed.OriginalFileName));
        var listed = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<PublicAsset>>()).Items.Single(a => a.Id == sent.Id);
        Assert.Equal(listed with { Urls = null! }, followed with { Urls = null! });
        Assert.Equal(listed.Urls, followed.Urls);
        Assert.Equal("image/webp", (await guest.GetAsync(followed.Urls.Thumbnail)).Content.Headers.ContentType?.MediaType);
        Assert.Empty(api.StagedFiles());

        // A file the worker cannot read is kept as sent and the guest is told it failed, not why (the reason is the owner's).
        var broken = await guest.PostAsync($"/api/v1/s/{share.Key}/assets", OneFile(await File.ReadAllBytesAsync(Library.Fixture("truncated.jpg")), "half.jpg"))
            .Json<Uploaded>(201);
        var failed = await FollowAsync(guest, share.Key, broken.Id);
        Assert.Equal(("failed", (string?)null, (string?)null), (failed.Status, failed.Urls.Thumbnail, failed.Urls.Preview));
        var raw = await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{broken.Id}").Json();
        Assert.False(raw.TryGetProperty("failureReason", out _));

        // Ids the link does not show are unknown to it: the owner's own id of the file, an id of nothing, another link's id.
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{added}").ShouldBeProblem(404, "resource.not_found");
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{Guid.NewGuid()}").ShouldBeProblem(404, "resource.not_found");
        // The same file shown by a second link has another id there, which opens nothing through the first.
        var second = await owner.CreateAlbumAsync("Again", added);
        var secondLink = await owner.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "album", id = second.Id }, linkEnabled = true, privacy = "public" })
            .Json<Share>(201);
        var secondId = (await guest.GetAsync($"/api/v1/s/{secondLink.Key}/assets").Json<Page<PublicAsset>>()).Items.Single().Id;
        Assert.NotEqual(sent.Id, secondId);
        await guest.GetAsync($"/api/v1/s/{secondLink.Key}/assets/{secondId}").ShouldBe(200);
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{secondId}").ShouldBeProblem(404, "resource.not_found");
        // And once the owner takes it out of the album, the guest's id of it opens nothing either.
        await owner.Client.SendAsync(Sharing.DeleteWithBody($"/api/v1/albums/{album}/assets", new { assetIds = new[] { added } })).ShouldBe(200);
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{sent.Id}").ShouldBeProblem(404, "resource.not_found");
    }

    [Fact]
    public async Task A_guest_upload_reveals_nothing_of_what_the_owner_already_has()
    {
        var (owner, album, _, share) = await SharedAsync(new { linkEnabled = true, privacy = "public", allowUpload = true });
        var bytes = await File.ReadAllBytesAsync(Library.Fixture("large-orient6.jpg"));
        var private_ = (await owner.UploadBytesAsync(bytes, "my-private-copy.jpg")).Id;
        var sent = await api.NewClient().PostAsync($"/api/v1/s/{share.Key}/assets", OneFile(bytes, "guest.jpg")).Json<Uploaded>(201);
        Assert.False(sent.Duplicate);
        Assert.NotEqual(private_, sent.Id);
        Assert.DoesNotContain(private_, await owner.AlbumAssetIdsAsync(album));

        // A conditional album takes no files, from guests neither.
        var conditional = await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "c", kind = "conditional", conditions = new { minRating = 5 } }).Json<Album>(201);
        var link = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = conditional.Id }, linkEnabled = true, privacy = "public", allowUpload = true,
        }).Json<Share>(201);
        await api.NewClient().PostAsync($"/api/v1/s/{link.Key}/assets", OneFile(bytes, "guest.jpg")).ShouldBeProblem(409, "album.not_manual");
    }

    [Fact]
    public async Task Through_a_private_link_invitees_keep_their_own_roles()
    {
        var (owner, album, _, share) = await SharedAsync(new { linkEnabled = true, privacy = "private", allowDownload = true, allowUpload = true });
        var viewer = await api.NewUserAsync("viewer");
        var provider = await api.NewUserAsync("provider");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[]
            {
                new { principalType = "user", principalId = viewer.UserId, role = "viewer" },
                new { principalType = "user", principalId = provider.UserId, role = "provider" },
            },
        }).ShouldBe(200);
        var grey = await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"));

        var listed = (await viewer.Client.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<PublicAsset>>()).Items;
        Assert.Equal(2, listed.Count);
        var linked = listed.Single(a => a.OriginalFileName == "exif-orient6.jpg").Id;
        await viewer.Client.GetAsync($"/api/v1/s/{share.Key}/assets/{linked}/original").ShouldBeProblem(403, "share.role_insufficient");
        await viewer.Client.PostAsync($"/api/v1/s/{share.Key}/assets", OneFile(grey, "v.jpg")).ShouldBeProblem(403, "share.role_insufficient");
        await provider.Client.GetAsync($"/api/v1/s/{share.Key}/assets/{linked}/original").ShouldBe(200);
        await provider.Client.PostAsync($"/api/v1/s/{share.Key}/assets", OneFile(grey, "p.jpg")).ShouldBe(201);
        Assert.Equal(3, (await owner.AlbumAssetIdsAsync(album)).Count);
        // Someone signed in but not invited gets the same 404 as a guest.
        await (await api.NewUserAsync()).Client.GetAsync($"/api/v1/s/{share.Key}/assets").ShouldBeProblem(404, "share.link_invalid");
    }
}
