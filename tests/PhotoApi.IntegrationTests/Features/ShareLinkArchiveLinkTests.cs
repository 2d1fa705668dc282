using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>The API with "download all" batches of 2 rows, so that a few photos cross several batches.</summary>
public sealed class SmallArchiveBatchApiFactory : ApiFactory
{
    protected override IEnumerable<(string Key, string Value)> Settings =>
        [("Downloads:ArchiveBatchSize", "2"), ("Throttling:ArchiveLinksPerIp", "5")];
}

/// <summary>
/// "Download all" as a browser does it (createPublicShareArchiveLink → downloadArchiveLink): a url a plain
/// <c>&lt;a href download&gt;</c> follows with no header, cookie or token, on public, password and private links alike.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ShareLinkArchiveLinkTests(SmallArchiveBatchApiFactory api) : IClassFixture<SmallArchiveBatchApiFactory>
{
    private sealed record ArchiveLink(string Url, DateTime ExpiresAt);

    private sealed record GuestAsset(Guid Id, string MediaType, string? OriginalFileName);

    private static async Task<byte[]> UniqueAsync(string fixture = "grey.jpg") =>
        [.. await File.ReadAllBytesAsync(Library.Fixture(fixture)), .. Guid.NewGuid().ToByteArray()];

    /// <summary>An owner's <paramref name="count"/> processed photos in an album, shared by a link with these settings.</summary>
    private async Task<(Session Owner, Share Share, Dictionary<string, byte[]> Sent)> LinkAsync(int count, object settings)
    {
        var owner = await api.NewUserAsync("dl-all");
        var sent = new Dictionary<string, byte[]>();
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var bytes = await UniqueAsync();
            var name = $"photo-{i}.jpg";
            var id = (await owner.UploadBytesAsync(bytes, name)).Id;
            await owner.WaitProcessedAsync(id);
            ids.Add(id);
            sent[name] = bytes;
        }
        var album = await owner.CreateAlbumAsync("All", [.. ids]);
        var body = JsonSerializer.SerializeToNode(settings)!.AsObject();
        body["target"] = JsonSerializer.SerializeToNode(new { type = "album", id = album.Id });
        body["linkEnabled"] = true;
        body.TryAdd("privacy", "public");
        body.TryAdd("allowDownload", true);
        return (owner, await owner.Client.PostAsJsonAsync("/api/v1/shares", body).Json<Share>(201), sent);
    }

    private static async Task<long> DownloadsAsync(Session owner, Share share) =>
        (await owner.Client.GetAsync($"/api/v1/shares/{share.Id}").Json()).GetProperty("downloadCount").GetInt64();

    /// <summary>Follows a url as a plain link: a client with no Authorization, API key, share token or cookie.</summary>
    private async Task<HttpResponseMessage> FollowAsync(string url)
    {
        var plain = api.NewClient();
        Assert.Null(plain.DefaultRequestHeaders.Authorization);
        var response = await plain.GetAsync(url);
        if (response.IsSuccessStatusCode)
        {
            Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        }
        return response;
    }

    private static async Task AssertZipOfAsync(HttpResponseMessage response, Dictionary<string, byte[]> sent)
    {
        var entries = await response.ZipEntriesAsync();
        Assert.Equal(sent.Keys.Order(), entries.Select(e => e.Name).Order());
        Assert.All(entries, e => Assert.Equal(sent[e.Name], e.Bytes));
    }

    [Fact]
    public async Task A_public_links_url_streams_its_zip_across_batches_without_any_header_once_and_counts_one_download()
    {
        var (owner, share, sent) = await LinkAsync(5, new { });
        var guest = api.NewClient();
        var listed = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<GuestAsset>>()).Items;

        var link = await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        Assert.Matches("^/api/v1/downloads/archive-links/[A-Za-z0-9_-]{43}$", link.Url);
        Assert.Equal(0, await DownloadsAsync(owner, share)); // making the link is no download

        var response = await FollowAsync(link.Url);
        var entries = await response.ZipEntriesAsync();
        // Five photos in batches of two: all of them, in the order of the link's pages.
        Assert.Equal(listed.Select(a => a.OriginalFileName), entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal(sent[e.Name], e.Bytes));
        Assert.Equal(1, await DownloadsAsync(owner, share));

        // One link, one download.
        await (await FollowAsync(link.Url)).ShouldBeProblem(404, "download.link_invalid");
        Assert.Equal(1, await DownloadsAsync(owner, share));
    }

    [Fact]
    public async Task A_password_links_url_needs_the_unlock_to_be_made_and_nothing_to_be_followed()
    {
        var (owner, share, sent) = await LinkAsync(1, new { password = "Open-Sesame-1" });
        var guest = api.NewClient();
        await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).ShouldBeProblem(401, "share.password_required");
        var unlocked = await guest.PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "Open-Sesame-1" }).Json();
        var token = unlocked.GetProperty("shareToken").GetString()!;
        var withToken = api.NewClient();
        withToken.DefaultRequestHeaders.Add("X-Share-Token", token);

        var link = await withToken.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        Assert.DoesNotContain(token, link.Url, StringComparison.Ordinal);
        await AssertZipOfAsync(await FollowAsync(link.Url), sent);
        Assert.Equal(1, await DownloadsAsync(owner, share));

        // A new password since the link was made: the url no longer works.
        var next = await withToken.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { password = "Other-Sesame-2" }).ShouldBe(200);
        await (await FollowAsync(next.Url)).ShouldBeProblem(404, "download.link_invalid");
        Assert.Equal(1, await DownloadsAsync(owner, share));
    }

    [Fact]
    public async Task A_private_links_url_carries_its_makers_rights_and_needs_no_bearer()
    {
        var (owner, share, sent) = await LinkAsync(1, new { });
        var viewer = await api.NewUserAsync("dl-viewer");
        var downloader = await api.NewUserAsync("dl-downloader");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            privacy = "private",
            invitees = new[]
            {
                new { principalType = "user", principalId = viewer.UserId, role = "viewer" },
                new { principalType = "user", principalId = downloader.UserId, role = "downloader" },
            },
        }).ShouldBe(200);
        var url = $"/api/v1/s/{share.Key}/archive-links";
        await api.NewClient().PostAsync(url, null).ShouldBeProblem(404, "share.link_invalid");
        await viewer.Client.PostAsync(url, null).ShouldBeProblem(403, "share.role_insufficient");

        var link = await downloader.Client.PostAsync(url, null).Json<ArchiveLink>(201);
        await AssertZipOfAsync(await FollowAsync(link.Url), sent);

        // Lowered to Viewer after making it: refused at download time, as the maker would be.
        var kept = await downloader.Client.PostAsync(url, null).Json<ArchiveLink>(201);
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[] { new { principalType = "user", principalId = downloader.UserId, role = "viewer" } },
        }).ShouldBe(200);
        await (await FollowAsync(kept.Url)).ShouldBeProblem(403, "share.role_insufficient");
    }

    [Fact]
    public async Task A_link_turned_off_or_rotated_between_making_the_url_and_following_it_answers_404()
    {
        var (owner, share, _) = await LinkAsync(1, new { });
        var guest = api.NewClient();
        var off = await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = false }).ShouldBe(200);
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = true }).ShouldBe(200);
        await (await FollowAsync(off.Url)).ShouldBeProblem(404, "download.link_invalid"); // off and on again: still ended

        var rotated = await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        var key = (await owner.Client.PostAsync($"/api/v1/shares/{share.Id}/rotate-key", null).Json()).GetProperty("key").GetString();
        await (await FollowAsync(rotated.Url)).ShouldBeProblem(404, "download.link_invalid");

        var noDownloads = await guest.PostAsync($"/api/v1/s/{key}/archive-links", null).Json<ArchiveLink>(201);
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { allowDownload = false }).ShouldBe(200);
        await (await FollowAsync(noDownloads.Url)).ShouldBeProblem(403, "share.download_disabled");
        Assert.Equal(0, await DownloadsAsync(owner, share));
    }

    [Fact]
    public async Task Hidden_metadata_answers_409_until_every_clean_copy_is_ready_then_the_url_streams_them()
    {
        var (owner, share, _) = await LinkAsync(3, new { showMetadata = false });
        var guest = api.NewClient();
        var url = $"/api/v1/s/{share.Key}/archive-links";
        var first = await guest.PostAsync(url, null);
        await first.ShouldBeProblem(409, "asset.not_ready");
        Assert.True(first.Headers.RetryAfter?.Delta > TimeSpan.Zero, "409 asset.not_ready without Retry-After");
        HttpResponseMessage made;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(250))
        {
            made = await guest.PostAsync(url, null);
            if (made.StatusCode != HttpStatusCode.Conflict) break;
            if (DateTime.UtcNow > deadline) Assert.Fail("The cleaned copies were not ready after 60 s. " + await Diagnostics.HangfireAsync());
        }
        Assert.Equal(0, await DownloadsAsync(owner, share)); // neither the 409s nor the 201 count
        var link = await made.Json<ArchiveLink>(201);
        var listed = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<GuestAsset>>()).Items;
        var entries = await (await FollowAsync(link.Url)).ZipEntriesAsync();
        Assert.Equal(listed.Select(a => $"{a.Id:N}.jpg"), entries.Select(e => e.Name));
        Assert.Equal(1, await DownloadsAsync(owner, share));
    }

    [Fact]
    public async Task A_link_showing_nothing_gets_no_url_and_no_download_and_the_old_archive_counts_no_empty_zip()
    {
        var owner = await api.NewUserAsync("dl-empty");
        var album = await owner.CreateAlbumAsync("Empty");
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public", allowDownload = true,
        }).Json<Share>(201);
        var guest = api.NewClient();
        var refused = await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).ShouldBeProblem(409, "share.archive_empty");
        Assert.Empty(await (await guest.GetAsync($"/api/v1/s/{share.Key}/archive")).ZipEntriesAsync());
        Assert.Equal(0, await DownloadsAsync(owner, share));
        Assert.NotNull(refused.Detail);
    }

    [Fact]
    public async Task A_folder_links_zip_holds_the_files_of_its_folders_below_in_the_order_of_its_pages()
    {
        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var admin = api.Admin;
        async Task<Guid> FolderAsync(string name, Guid? parentId = null, string? space = null) =>
            (await admin.Client.PostAsJsonAsync("/api/v1/folders", new { name = name + "-" + Guid.NewGuid().ToString("N")[..6], parentId, space })
                .Json(201)).GetProperty("id").GetGuid();
        var top = await FolderAsync("Linked", space: "shared");
        var below = await FolderAsync("Below", top);
        var sent = new Dictionary<string, byte[]>();
        foreach (var (folder, name) in new[] { (top, "top-1.jpg"), (below, "below-1.jpg"), (top, "top-2.jpg"), (below, "below-2.jpg"), (below, "trashed.jpg") })
        {
            var bytes = await UniqueAsync();
            var id = (await admin.UploadBytesAsync(bytes, name, new Dictionary<string, string> { ["folderId"] = folder.ToString() })).Id;
            if (name == "trashed.jpg") await admin.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { id } }).ShouldBe(200);
            else sent[name] = bytes;
        }
        var created = await admin.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = top }, linkEnabled = true, privacy = "public", applyToSubfolders = true, allowDownload = true,
        }).Json(201);
        var share = (Id: created.GetProperty("id").GetGuid(), Key: created.GetProperty("key").GetString()!);
        var guest = api.NewClient();
        var listed = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<GuestAsset>>()).Items;
        Assert.Equal(4, listed.Count);

        var link = await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        var entries = await (await FollowAsync(link.Url)).ZipEntriesAsync();
        Assert.Equal(listed.Select(a => a.OriginalFileName), entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal(sent[e.Name], e.Bytes));
        // The old route holds the same.
        Assert.Equal(entries.Select(e => e.Name), (await (await guest.GetAsync($"/api/v1/s/{share.Key}/archive")).ZipEntriesAsync()).Select(e => e.Name));

        // Without subfolders: the top folder's files only.
        await admin.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { applyToSubfolders = false }).ShouldBe(200);
        var topOnly = await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        Assert.Equal(["top-1.jpg", "top-2.jpg"], (await (await FollowAsync(topOnly.Url)).ZipEntriesAsync()).Select(e => e.Name).Order());
    }

    [Fact]
    public async Task Making_urls_is_throttled_per_client_address()
    {
        var (_, share, _) = await LinkAsync(1, new { });
        var ip = ApiFactory.RandomIp();
        var guest = api.NewClient(ip);
        for (var i = 0; i < 5; i++) await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
        var throttled = await guest.PostAsync($"/api/v1/s/{share.Key}/archive-links", null);
        await throttled.ShouldBeProblem(429, "auth.throttled");
        Assert.NotNull(throttled.Headers.RetryAfter);
        // Another address is not held back.
        await api.NewClient().PostAsync($"/api/v1/s/{share.Key}/archive-links", null).Json<ArchiveLink>(201);
    }
}
