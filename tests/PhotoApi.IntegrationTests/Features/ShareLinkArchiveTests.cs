using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>"Download all" through a share link (downloadPublicShareArchive), as a browser's plain link uses it.</summary>
[Collection(ApiCollection.Name)]
public sealed class ShareLinkArchiveTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record GuestUrls(string? Thumbnail, string? Preview, string? Original);

    private sealed record GuestAsset(Guid Id, string MediaType, string? OriginalFileName, GuestUrls Urls);

    private sealed record Unlocked(string ShareToken, DateTime ExpiresAt);

    /// <summary>An owner, their processed uploads (asset id → bytes sent) in one album, and a public link to it with these settings.</summary>
    private async Task<(Session Owner, Dictionary<Guid, byte[]> Sent, Share Share)> LinkAsync(object settings, params (byte[] Bytes, string Name)[] files)
    {
        var owner = await api.NewUserAsync("archiver");
        var sent = new Dictionary<Guid, byte[]>();
        foreach (var (bytes, name) in files)
        {
            var id = (await owner.UploadBytesAsync(bytes, name)).Id;
            await owner.WaitProcessedAsync(id);
            sent[id] = bytes;
        }
        var album = await owner.CreateAlbumAsync("Everything", [.. sent.Keys]);
        var body = JsonSerializer.SerializeToNode(settings)!.AsObject();
        body["target"] = JsonSerializer.SerializeToNode(new { type = "album", id = album.Id });
        body["linkEnabled"] = true;
        body["privacy"] = "public";
        return (owner, sent, await owner.Client.PostAsJsonAsync("/api/v1/shares", body).Json<Share>(201));
    }

    private static async Task<byte[]> FixtureAsync(string name, bool unique = true)
    {
        var bytes = await File.ReadAllBytesAsync(Library.Fixture(name));
        return unique ? [.. bytes, .. Guid.NewGuid().ToByteArray()] : bytes;
    }

    private static Task<List<(string Name, byte[] Bytes)>> EntriesAsync(HttpResponseMessage response) => response.ZipEntriesAsync();

    private static async Task<long> DownloadsAsync(Session owner, Share share) =>
        (await owner.Client.GetAsync($"/api/v1/shares/{share.Id}").Json()).GetProperty("downloadCount").GetInt64();

    private static async Task<List<GuestAsset>> ListedAsync(HttpClient guest, string key) =>
        (await guest.GetAsync($"/api/v1/s/{key}/assets").Json<Page<GuestAsset>>()).Items;

    [Fact]
    public async Task A_link_showing_metadata_zips_the_originals_in_the_order_of_its_list_and_counts_one_download()
    {
        var (owner, sent, share) = await LinkAsync(new { allowDownload = true, showMetadata = true },
            (await FixtureAsync("exif-orient6.jpg", unique: false), "exif-orient6.jpg"), (await FixtureAsync("grey.jpg"), "same.jpg"),
            (await FixtureAsync("p3.jpg"), "same.jpg"));
        var guest = api.NewClient();
        var listed = await ListedAsync(guest, share.Key);
        Assert.Equal(0, await DownloadsAsync(owner, share));

        var entries = await EntriesAsync(await guest.GetAsync($"/api/v1/s/{share.Key}/archive"));

        // As listed, named as uploaded (made distinct), each the original's bytes exactly.
        Assert.Equal(new HashSet<string> { "exif-orient6.jpg", "same.jpg", "same (2).jpg" }, entries.Select(e => e.Name).ToHashSet());
        Assert.Equal(listed.Select(a => a.OriginalFileName), entries.Select(e => e.Name.Replace(" (2)", "", StringComparison.Ordinal)));
        var byName = entries.ToDictionary(e => e.Name, e => e.Bytes);
        Assert.Equal(sent.Values.Select(Convert.ToHexString).Order(), entries.Select(e => Convert.ToHexString(e.Bytes)).Order());
        Assert.Contains("secret-xmp", Encoding.Latin1.GetString(byName["exif-orient6.jpg"]), StringComparison.Ordinal);
        Assert.Equal(1, await DownloadsAsync(owner, share));
    }

    [Fact]
    public async Task A_link_hiding_metadata_zips_the_cleaned_copies_named_by_its_ids_and_leaves_out_what_cannot_be_cleaned()
    {
        // A document: nothing can clean it (photos and videos have cleaners; PhotoRequestVideoTests covers videos).
        var notes = Encoding.UTF8.GetBytes($"Minutes {Guid.NewGuid()}");
        var (owner, _, share) = await LinkAsync(new { allowDownload = true, showMetadata = false },
            (await FixtureAsync("exif-orient6.jpg"), "exif-orient6.jpg"), (await FixtureAsync("grey.jpg"), "grey.jpg"), (notes, "minutes.txt"));
        var guest = api.NewClient();
        var listed = await ListedAsync(guest, share.Key);
        Assert.Equal(3, listed.Count);
        var url = $"/api/v1/s/{share.Key}/archive";

        // Nothing is cleaned yet: the answer says when to come back, and is no download.
        var first = await guest.GetAsync(url);
        await first.ShouldBeProblem(409, "asset.not_ready");
        Assert.True(first.Headers.RetryAfter?.Delta > TimeSpan.Zero, "409 asset.not_ready without Retry-After");
        HttpResponseMessage response;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(250))
        {
            response = await guest.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.Conflict) break;
            await response.ShouldBeProblem(409, "asset.not_ready");
            if (DateTime.UtcNow > deadline) Assert.Fail("The cleaned copies were not ready after 60 s. " + await Diagnostics.HangfireAsync());
        }
        var entries = await EntriesAsync(response);
        Assert.Equal(1, await DownloadsAsync(owner, share));

        // The photos, as listed, named by the link's ids; the document (whose own original is refused) is left out.
        var photos = listed.Where(a => a.MediaType == "image").ToList();
        Assert.Equal(photos.Select(a => $"{a.Id:N}.jpg"), entries.Select(e => e.Name));
        Assert.Null(listed.Single(a => a.MediaType == "other").Urls.Original);
        foreach (var (_, bytes) in entries)
        {
            var text = Encoding.Latin1.GetString(bytes);
            Assert.All(FindingsGuestMetadataTests.Secrets, s => Assert.DoesNotContain(s, text, StringComparison.Ordinal));
            Assert.DoesNotContain("Exif\0\0", text, StringComparison.Ordinal);
        }
        // Each entry is the very copy the download of one asset serves.
        foreach (var photo in photos)
        {
            var one = await guest.GetAsync(photo.Urls.Original);
            await one.ShouldBe(200);
            Assert.Equal(await one.Content.ReadAsByteArrayAsync(), entries.Single(e => e.Name == $"{photo.Id:N}.jpg").Bytes);
        }
    }

    [Fact]
    public async Task The_archive_is_refused_like_one_download_without_downloads_or_the_password()
    {
        var (owner, _, share) = await LinkAsync(new { allowDownload = false, password = "Open-Sesame-1" }, (await FixtureAsync("grey.jpg"), "grey.jpg"));
        var url = $"/api/v1/s/{share.Key}/archive";
        var guest = api.NewClient();

        // Locked: refused as every guest route is.
        await guest.GetAsync(url).ShouldBeProblem(401, "share.password_required");
        await guest.GetAsync(url + "?token=1.forged").ShouldBeProblem(401, "share.password_required");

        // Unlocked but without downloads: the refusal of the single download.
        var token = (await guest.PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "Open-Sesame-1" }).Json<Unlocked>()).ShareToken;
        var plainLink = api.NewClient();
        var id = (await ListedAsync(WithToken(token), share.Key)).Single().Id;
        var single = await plainLink.GetAsync($"/api/v1/s/{share.Key}/assets/{id}/original?token={Uri.EscapeDataString(token)}").ShouldBeProblem(403, "share.download_disabled");
        var archive = await plainLink.GetAsync($"{url}?token={Uri.EscapeDataString(token)}").ShouldBeProblem(403, "share.download_disabled");
        Assert.Equal(single.Detail, archive.Detail);

        // With downloads allowed, the token in the address is all a plain <a href download> needs.
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { allowDownload = true }).ShouldBe(200);
        Assert.Single(await EntriesAsync(await plainLink.GetAsync($"{url}?token={Uri.EscapeDataString(token)}")));
        Assert.Equal(1, await DownloadsAsync(owner, share));
    }

    [Fact]
    public async Task Through_a_private_link_a_viewer_may_not_download_all()
    {
        var (owner, _, share) = await LinkAsync(new { allowDownload = true }, (await FixtureAsync("grey.jpg"), "grey.jpg"));
        var viewer = await api.NewUserAsync("viewer");
        var downloader = await api.NewUserAsync("downloader");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            privacy = "private",
            invitees = new[]
            {
                new { principalType = "user", principalId = viewer.UserId, role = "viewer" },
                new { principalType = "user", principalId = downloader.UserId, role = "downloader" },
            },
        }).ShouldBe(200);
        var url = $"/api/v1/s/{share.Key}/archive";
        await viewer.Client.GetAsync(url).ShouldBeProblem(403, "share.role_insufficient");
        Assert.Single(await EntriesAsync(await downloader.Client.GetAsync(url)));
        await api.NewClient().GetAsync(url).ShouldBeProblem(404, "share.link_invalid");
    }

    private HttpClient WithToken(string token)
    {
        var client = api.NewClient();
        client.DefaultRequestHeaders.Add("X-Share-Token", token);
        return client;
    }
}
