using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Photo requests end to end: the owner's link, guests sending real files through HTTP, the worker storing clean copies
/// with real libvips, and exiftool reading what was stored.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PhotoRequestTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record PhotoRequest(Guid Id, string Subject, string Description, Guid? FolderId, Guid? AlbumId, int? MaxFileSizeMb,
        DateTime? ExpiresAt, bool Enabled, string Key, string Url, int UploadCount, int ReadyCount, int FailedCount);

    internal sealed record UploadStatus(Guid Id, string FileName, long SizeBytes, string Status, string? FailureReason);

    internal sealed record Sent(List<UploadStatus> Uploads);

    private sealed record OwnerUpload(Guid Id, string FileName, long SizeBytes, string Status, string? FailureReason, Guid? AssetId, string? ThumbnailUrl);

    private sealed record PublicPhoto(Guid Id, int? Width, int? Height, string? ThumbnailUrl, string? PreviewUrl);

    private sealed record PublicAlbum(string Name, int PhotoCount, List<PublicPhoto> Photos);

    private sealed record PublicRequest(string Subject, string Description, string OwnerDisplayName, int MaxFileSizeMb, DateTime? ExpiresAt,
        List<string> AcceptedMediaTypes, PublicAlbum? Album);

    /// <summary>A multipart body of files in parts named <c>files</c>, as a browser sends them.</summary>
    internal static MultipartFormDataContent Files(params (byte[] Bytes, string Name)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (bytes, name) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", name);
        }
        return form;
    }

    private static byte[] Fixture(string name) => File.ReadAllBytes(Library.Fixture(name));

    /// <summary>Polls the guest's upload status until the worker has finished with it (ready or failed).</summary>
    internal static async Task<UploadStatus> WaitAsync(HttpClient guest, string key, Guid uploadId)
    {
        // Videos are rewritten by ffmpeg (a transcode at worst): allow for a loaded machine.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var status = await guest.GetAsync($"/api/v1/r/{key}/uploads/{uploadId}").Json<UploadStatus>();
            if (status.Status is "ready" or "failed") return status;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Upload {uploadId} still {status.Status} after 120 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(200);
        }
    }

    private string[] RawGuestFiles() => RawGuestFiles(api);

    /// <summary>The guests' own files still in the blob store: none once the worker is done with them.</summary>
    internal static string[] RawGuestFiles(ApiFactory api) =>
        Directory.Exists(Path.Combine(api.BlobRoot, "request-uploads")) ? Directory.GetFiles(Path.Combine(api.BlobRoot, "request-uploads")) : [];

    [Fact]
    public async Task Guest_photos_are_stored_as_clean_jpegs_in_the_folder_and_album_and_the_originals_are_gone()
    {
        var owner = await api.NewUserAsync("requester");
        var folder = (await owner.Client.PostAsJsonAsync("/api/v1/folders", new { name = "From the party" }).Json(201)).GetProperty("id").GetGuid();
        var album = await owner.CreateAlbumAsync("Party");
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new
        {
            subject = "Photos from Saturday", description = "Send us yours!", folderId = folder, albumId = album.Id, maxFileSizeMb = 20,
        }).Json<PhotoRequest>(201);
        Assert.Equal(43, request.Key.Length);
        // The url is the page a guest opens in a browser; the API's routes for it are under /api/v1/r/{key}.
        Assert.Equal($"/r/{request.Key}", new Uri(request.Url).AbsolutePath);

        var guest = api.NewClient();
        var page = await guest.GetAsync($"/api/v1/r/{request.Key}").Json<PublicRequest>();
        Assert.Equal(("Photos from Saturday", "Send us yours!", 20, (PublicAlbum?)null), (page.Subject, page.Description, page.MaxFileSizeMb, page.Album));

        var sent = await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files(
            (Fixture("exif-orient6.jpg"), "IMG_0001.JPG"), (Fixture("exif-irot.heic"), "IMG_0002.HEIC"), (Fixture("alpha16.png"), "drawing.png"))).Json<Sent>(202);
        Assert.Equal(3, sent.Uploads.Count);
        Assert.All(sent.Uploads, u => Assert.Equal("pending", u.Status));
        foreach (var u in sent.Uploads) Assert.Equal("ready", (await WaitAsync(guest, request.Key, u.Id)).Status);

        var uploads = await owner.Client.GetAsync($"/api/v1/photo-requests/{request.Id}/uploads").Json<Page<OwnerUpload>>();
        // Ids of one body are time-ordered to the millisecond only: compare as a set.
        Assert.Equal(["IMG_0001.JPG", "IMG_0002.HEIC", "drawing.png"], uploads.Items.Select(u => u.FileName).Order(StringComparer.Ordinal));
        var inAlbum = await owner.AlbumAssetIdsAsync(album.Id);
        foreach (var upload in uploads.Items)
        {
            var asset = await owner.Client.GetAsync($"/api/v1/assets/{upload.AssetId}").Json<Asset>();
            Assert.Equal((owner.UserId, (Guid?)folder, "image/jpeg", "ready"), (asset.OwnerId, asset.FolderId, asset.ContentType, asset.Status));
            Assert.EndsWith(".jpg", asset.OriginalFileName);
            Assert.Equal(((double?)null, (double?)null, (string?)null, (string?)null), (asset.Latitude, asset.Longitude, asset.CameraMake, asset.CameraModel));
            Assert.Contains(asset.Id, inAlbum);

            // The stored bytes are a new JPEG without any metadata (exiftool reads them as the owner downloads them).
            var bytes = await owner.Client.GetByteArrayAsync($"/api/v1/assets/{asset.Id}/original");
            Assert.Equal([0xFF, 0xD8, 0xFF], bytes[..3]);
            var (groups, keys) = await ExifToolAsync(bytes);
            Assert.DoesNotContain("EXIF", groups);
            Assert.DoesNotContain("XMP", groups);
            Assert.DoesNotContain("IPTC", groups);
            Assert.DoesNotContain("ICC_Profile", groups);
            Assert.DoesNotContain(keys, k => k.Contains("GPS", StringComparison.OrdinalIgnoreCase));
        }
        // Once the worker has made their thumbnails, the list signs them: the owner's page shows every upload from this one call.
        foreach (var upload in uploads.Items) await owner.WaitProcessedAsync(upload.AssetId!.Value);
        uploads = await owner.Client.GetAsync($"/api/v1/photo-requests/{request.Id}/uploads").Json<Page<OwnerUpload>>();
        foreach (var upload in uploads.Items)
        {
            Assert.StartsWith($"/api/v1/assets/{upload.AssetId}/thumbnail?size=small&exp=", upload.ThumbnailUrl);
            var thumbnail = await api.NewClient().GetAsync(upload.ThumbnailUrl);
            await thumbnail.ShouldBe(200);
            Assert.Equal("image/webp", thumbnail.Content.Headers.ContentType?.MediaType);
        }

        // The JPEG's EXIF orientation 6 was applied to the pixels: 64x48 stored, shown 48x64, now stored upright.
        var upright = await owner.Client.GetAsync($"/api/v1/assets/{uploads.Items.Single(u => u.FileName == "IMG_0001.JPG").AssetId}").Json<Asset>();
        Assert.Equal((48, 64), (upright.Width, upright.Height));

        // Nothing of the guests' files is left, neither stored nor staged.
        Assert.Empty(RawGuestFiles());
        Assert.Empty(api.StagedFiles());
        var counts = await owner.Client.GetAsync($"/api/v1/photo-requests/{request.Id}").Json<PhotoRequest>();
        Assert.Equal((3, 3, 0), (counts.UploadCount, counts.ReadyCount, counts.FailedCount));
    }

    [Fact]
    public async Task Bad_files_are_refused_clearly_and_leave_nothing_behind()
    {
        var owner = await api.NewUserAsync();
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Limits", maxFileSizeMb = 1 }).Json<PhotoRequest>(201);
        var guest = api.NewClient();

        // Over the limit: refused while streaming, the partial file discarded, the good file before it not kept either.
        var big = Fixture("grey.jpg").Concat(new byte[1536 * 1024]).ToArray();
        await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files((Fixture("grey.jpg"), "ok.jpg"), (big, "big.jpg")))
            .ShouldBeProblem(413, "upload.too_large");
        // Not a photo.
        await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files(("just some notes"u8.ToArray(), "notes.txt")))
            .ShouldBeProblem(415, "upload.unsupported_type");
        var noParts = new StringContent("--b--\r\n");
        noParts.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", noParts).ShouldBeProblem(400, "upload.missing_file");
        var field = new MultipartFormDataContent { { new StringContent("hello"), "message" } };
        await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", field).ShouldBeProblem(400, "validation.failed");
        await guest.PostAsJsonAsync($"/api/v1/r/{request.Key}/uploads", new { }).ShouldBeProblem(415, "request.unsupported_media_type");
        Assert.Empty(api.StagedFiles());
        Assert.Empty((await owner.Client.GetAsync($"/api/v1/photo-requests/{request.Id}/uploads").Json<Page<OwnerUpload>>()).Items);

        // A corrupt photo is accepted, then fails with a reason; its bytes are deleted and no asset appears.
        var sent = await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files((Fixture("truncated.jpg"), "broken.jpg"))).Json<Sent>(202);
        var failed = await WaitAsync(guest, request.Key, sent.Uploads[0].Id);
        Assert.Equal("failed", failed.Status);
        Assert.Contains("could not be read as a photo", failed.FailureReason);
        var refused = (await owner.Client.GetAsync($"/api/v1/photo-requests/{request.Id}/uploads").Json<Page<OwnerUpload>>()).Items.Single();
        Assert.Equal(((Guid?)null, (string?)null), (refused.AssetId, refused.ThumbnailUrl));
        Assert.Empty((await owner.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);
        Assert.Empty(RawGuestFiles());
    }

    [Fact]
    public async Task Disabled_and_expired_requests_refuse_files_and_unknown_links_are_throttled()
    {
        var owner = await api.NewUserAsync();
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Soon closed" }).Json<PhotoRequest>(201);
        var guest = api.NewClient();
        var sent = await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files((Fixture("grey.jpg"), "a.jpg"))).Json<Sent>(202);

        await owner.Client.PatchAsJsonAsync($"/api/v1/photo-requests/{request.Id}", new { enabled = false }).ShouldBe(200);
        await guest.GetAsync($"/api/v1/r/{request.Key}").ShouldBeProblem(410, "request.disabled");
        await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files((Fixture("grey.jpg"), "b.jpg"))).ShouldBeProblem(410, "request.disabled");
        // What was sent before can still be followed.
        Assert.Equal("ready", (await WaitAsync(guest, request.Key, sent.Uploads[0].Id)).Status);

        await owner.Client.PatchAsJsonAsync($"/api/v1/photo-requests/{request.Id}", new { enabled = true, expiresAt = DateTime.UtcNow.AddSeconds(1) }).ShouldBe(200);
        await Task.Delay(1500);
        await guest.GetAsync($"/api/v1/r/{request.Key}").ShouldBeProblem(410, "request.expired");
        await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files((Fixture("grey.jpg"), "c.jpg"))).ShouldBeProblem(410, "request.expired");

        // Deleted: the link is gone like one that never existed.
        await owner.Client.DeleteAsync($"/api/v1/photo-requests/{request.Id}").ShouldBe(204);
        await guest.GetAsync($"/api/v1/r/{request.Key}").ShouldBeProblem(404, "request.not_found");

        // Guessing: unknown and malformed keys get the same 404, and an IP that keeps missing is throttled.
        var prober = api.NewClient();
        for (var i = 0; i < 30; i++)
            await prober.GetAsync($"/api/v1/r/{(i % 2 == 0 ? new string('A', 43) : "x")}").ShouldBeProblem(404, "request.not_found");
        await prober.GetAsync($"/api/v1/r/{new string('B', 43)}").ShouldBeProblem(429, "auth.throttled");
    }

    [Fact]
    public async Task Guests_see_the_album_only_where_it_is_shared_and_never_more()
    {
        var owner = await api.NewUserAsync();
        var friend = await api.NewUserAsync();
        var photo = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(photo);
        var album = await owner.CreateAlbumAsync("Wedding", photo);
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Wedding photos", albumId = album.Id }).Json<PhotoRequest>(201);
        var guest = api.NewClient();
        Assert.Null((await guest.GetAsync($"/api/v1/r/{request.Key}").Json<PublicRequest>()).Album);

        // Shared with invitees only, the album stays private; once its own link is open to guests, the page shows it.
        var share = await owner.ShareAlbumAsync(album.Id, (friend, "viewer"));
        Assert.Null((await guest.GetAsync($"/api/v1/r/{request.Key}").Json<PublicRequest>()).Album);
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = true, privacy = "public" }).ShouldBe(200);
        var json = await guest.GetAsync($"/api/v1/r/{request.Key}").Json();
        var shown = json.GetProperty("album");
        Assert.Equal(("Wedding", 1), (shown.GetProperty("name").GetString(), shown.GetProperty("photoCount").GetInt32()));
        var only = shown.GetProperty("photos").EnumerateArray().Single();
        // An image and its size: no file name, no dates, no camera or GPS, no original.
        Assert.Equal(["id", "width", "height", "thumbnailUrl", "previewUrl"], only.EnumerateObject().Select(p => p.Name));
        await api.NewClient().GetAsync(only.GetProperty("thumbnailUrl").GetString()).ShouldBe(200);
        // The request link opens nothing else: not the photo's record, not its original.
        await guest.GetAsync($"/api/v1/assets/{photo}").ShouldBe(401);
        await guest.GetAsync($"/api/v1/assets/{photo}/original").ShouldBe(401);
    }

    [Fact]
    public async Task Owners_choose_where_files_go_and_only_they_manage_the_request()
    {
        var owner = await api.NewUserAsync();
        var other = await api.NewUserAsync();
        var theirFolder = (await other.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Theirs" }).Json(201)).GetProperty("id").GetGuid();
        var conditional = await owner.Client.PostAsJsonAsync("/api/v1/albums", new { name = "c", kind = "conditional", conditions = new { minRating = 1 } }).Json<Album>(201);
        var viewerOf = await other.CreateAlbumAsync("other's");
        await other.ShareAlbumAsync(viewerOf.Id, (owner, "viewer"));
        var providerOf = await other.CreateAlbumAsync("other's, owner provides");
        await other.ShareAlbumAsync(providerOf.Id, (owner, "provider"));

        var requests = "/api/v1/photo-requests";
        await owner.Client.PostAsJsonAsync(requests, new { subject = "" }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync(requests, new { subject = "x", maxFileSizeMb = 0 }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync(requests, new { subject = "x", maxFileSizeMb = 3001 }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync(requests, new { subject = "x", expiresAt = DateTime.UtcNow.AddDays(-1) }).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync(requests, new { subject = "x", folderId = theirFolder }).ShouldBeProblem(404, "resource.not_found");
        await owner.Client.PostAsJsonAsync(requests, new { subject = "x", albumId = conditional.Id }).ShouldBeProblem(400, "request.album_invalid");
        await owner.Client.PostAsJsonAsync(requests, new { subject = "x", albumId = viewerOf.Id }).ShouldBeProblem(400, "request.album_invalid");
        var created = await owner.Client.PostAsJsonAsync(requests, new { subject = "x", albumId = providerOf.Id, maxFileSizeMb = 3000 }).Json<PhotoRequest>(201);

        // A guest's photo lands in the Provider's library and in the other user's album, added by the Provider.
        var guest = api.NewClient();
        var sent = await guest.PostAsync($"/api/v1/r/{created.Key}/uploads", Files((Fixture("grey.jpg"), "g.jpg"))).Json<Sent>(202);
        Assert.Equal("ready", (await WaitAsync(guest, created.Key, sent.Uploads[0].Id)).Status);
        var entry = (await other.Client.GetAsync($"/api/v1/albums/{providerOf.Id}/assets").Json<Page<AlbumEntry>>()).Items.Single();
        Assert.Equal((owner.UserId, owner.UserId), (entry.Asset.OwnerId, entry.AddedBy));

        Assert.Single((await owner.Client.GetAsync(requests).Json<Page<PhotoRequest>>()).Items);
        Assert.Empty((await other.Client.GetAsync(requests).Json<Page<PhotoRequest>>()).Items);
        await other.Client.GetAsync($"{requests}/{created.Id}").ShouldBeProblem(404, "resource.not_found");
        await other.Client.GetAsync($"{requests}/{created.Id}/uploads").ShouldBeProblem(404, "resource.not_found");
        await other.Client.PatchAsJsonAsync($"{requests}/{created.Id}", new { enabled = false }).ShouldBeProblem(404, "resource.not_found");
        await other.Client.DeleteAsync($"{requests}/{created.Id}").ShouldBeProblem(404, "resource.not_found");
        await guest.GetAsync($"/api/v1/r/{created.Key}/uploads/{Guid.CreateVersion7()}").ShouldBeProblem(404, "resource.not_found");
    }

    [Fact]
    public async Task A_request_follows_its_owners_rights_as_they_change()
    {
        var owner = await api.NewUserAsync();
        var albumOwner = await api.NewUserAsync();
        var album = await albumOwner.CreateAlbumAsync("Shared box");
        var share = await albumOwner.ShareAlbumAsync(album.Id, (owner, "provider"));
        await albumOwner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = true, privacy = "public" }).ShouldBe(200);
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Into their album", albumId = album.Id }).Json<PhotoRequest>(201);
        var guest = api.NewClient();

        Assert.NotNull((await guest.GetAsync($"/api/v1/r/{request.Key}").Json<PublicRequest>()).Album);

        // The owner is no longer a Provider: the page stops showing that album, and guests' photos arrive outside it.
        await albumOwner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[] { new { principalType = "user", principalId = owner.UserId, role = "viewer" } },
        }).ShouldBe(200);
        Assert.Null((await guest.GetAsync($"/api/v1/r/{request.Key}").Json<PublicRequest>()).Album);
        var sent = await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", Files((Fixture("grey.jpg"), "late.jpg"))).Json<Sent>(202);
        Assert.Equal("ready", (await WaitAsync(guest, request.Key, sent.Uploads[0].Id)).Status);
        Assert.Empty(await albumOwner.AlbumAssetIdsAsync(album.Id));
        Assert.Single((await owner.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);

        // An admin takes the photo library away from the owner: the link stops working like an unknown one.
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{owner.UserId}", new { photoLibraryAllowed = false }).ShouldBe(200);
        await guest.GetAsync($"/api/v1/r/{request.Key}").ShouldBeProblem(404, "request.not_found");
    }

    /// <summary>exiftool's view of some bytes: the family-0 groups present and every Group:Tag.</summary>
    private static async Task<(HashSet<string> Groups, List<string> Keys)> ExifToolAsync(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"photoapi-exif-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            var start = new ProcessStartInfo("exiftool", ["-j", "-G", "-a", "-u", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start) ?? throw new InvalidOperationException("exiftool did not start (apt-get install libimage-exiftool-perl)");
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            using var json = JsonDocument.Parse(output);
            var keys = json.RootElement[0].EnumerateObject().Select(p => p.Name).Where(n => n.Contains(':', StringComparison.Ordinal)).ToList();
            return (keys.Select(k => k[..k.IndexOf(':', StringComparison.Ordinal)]).ToHashSet(), keys);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
