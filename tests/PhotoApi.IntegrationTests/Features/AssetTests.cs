using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>Uploads through HTTP, processed by the real worker with real libvips, read back through HTTP.</summary>
[Collection(ApiCollection.Name)]
public sealed class AssetTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_jpeg_is_streamed_in_processed_and_read_back_with_its_metadata()
    {
        var user = await api.NewUserAsync("photos");
        var bytes = await File.ReadAllBytesAsync(Library.Fixture("exif-orient6.jpg"));
        var uploaded = await user.UploadBytesAsync(bytes, "IMG_0001.JPG");
        Assert.False(uploaded.Duplicate);

        var asset = await user.WaitProcessedAsync(uploaded.Id);
        Assert.Equal("ready", asset.Status);
        Assert.Equal(("image", "image/jpeg", "IMG_0001.JPG"), (asset.MediaType, asset.ContentType, asset.OriginalFileName));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), asset.Checksum);
        Assert.Equal(bytes.Length, asset.SizeBytes);
        Assert.Equal((48, 64), (asset.Width, asset.Height)); // stored 64x48 with orientation 6: shown upright
        Assert.Equal(("Canon", "Canon EOS R5"), (asset.CameraMake, asset.CameraModel));
        Assert.Equal(new DateTime(2024, 5, 1, 10, 20, 30), asset.TakenAt);
        Assert.Equal(-22.951916, asset.Latitude!.Value, 4);
        Assert.Equal(-43.210487, asset.Longitude!.Value, 4);

        // Derivatives load from an <img src> on another origin: signed URLs, no Authorization header.
        var anonymous = api.NewClient();
        var thumb = await anonymous.GetAsync(asset.Urls.Thumbnail);
        await thumb.ShouldBe(200);
        Assert.Equal("image/webp", thumb.Content.Headers.ContentType?.MediaType);
        var webp = await thumb.Content.ReadAsByteArrayAsync();
        Assert.Equal("WEBP", Encoding.ASCII.GetString(webp, 8, 4));
        var preview = await anonymous.GetAsync(asset.Urls.Preview);
        Assert.Equal("image/jpeg", preview.Content.Headers.ContentType?.MediaType);
        var original = await anonymous.GetAsync(asset.Urls.Original);
        Assert.Equal(bytes, await original.Content.ReadAsByteArrayAsync());

        // A SPA on a configured origin may read them (CORS); another origin gets no CORS grant.
        var spa = new HttpRequestMessage(HttpMethod.Get, asset.Urls.Thumbnail);
        spa.Headers.Add("Origin", "http://localhost:5173");
        var allowed = await anonymous.SendAsync(spa);
        Assert.Equal("http://localhost:5173", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var evil = new HttpRequestMessage(HttpMethod.Get, asset.Urls.Thumbnail);
        evil.Headers.Add("Origin", "https://evil.example");
        Assert.False((await anonymous.SendAsync(evil)).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Originals_support_range_requests_and_etags()
    {
        var user = await api.NewUserAsync();
        var bytes = await File.ReadAllBytesAsync(Library.Fixture("large-orient6.jpg"));
        var id = (await user.UploadBytesAsync(bytes, "big.jpg")).Id;

        var full = await user.Client.GetAsync($"/api/v1/assets/{id}/original");
        await full.ShouldBe(200);
        Assert.Equal("bytes", full.Headers.AcceptRanges.Single());
        var etag = full.Headers.ETag!;
        Assert.Equal($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))}\"", etag.Tag);

        var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/assets/{id}/original");
        range.Headers.Range = new RangeHeaderValue(100, 1099);
        var partial = await user.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[100..1100], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(bytes.Length, partial.Content.Headers.ContentRange!.Length);

        var conditional = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/assets/{id}/original");
        conditional.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await user.Client.SendAsync(conditional)).StatusCode);
    }

    [Fact]
    public async Task The_same_file_twice_is_a_duplicate_and_checkExisting_tells_a_device_what_to_skip()
    {
        var user = await api.NewUserAsync();
        var other = await api.NewUserAsync();
        var bytes = await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"));
        var first = await user.UploadBytesAsync(bytes, "a.jpg");
        var again = await user.UploadBytesAsync(bytes, "copy-of-a.jpg", expect: 200);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Id, again.Id);
        // Another user's identical file is theirs: not a duplicate of mine.
        Assert.False((await other.UploadBytesAsync(bytes, "a.jpg")).Duplicate);

        var sum = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var unknown = new string('0', 64);
        var existing = await user.Client.PostAsJsonAsync("/api/v1/assets/exists", new { checksums = new[] { sum.ToUpperInvariant(), unknown } }).Json();
        var found = existing.GetProperty("existing").EnumerateArray().Single();
        Assert.Equal(sum, found.GetProperty("checksum").GetString());
        Assert.Equal(first.Id, found.GetProperty("assetId").GetGuid());

        var bad = await user.Client.PostAsJsonAsync("/api/v1/assets/exists", new { checksums = new[] { "xyz" } });
        await bad.ShouldBeProblem(400, "validation.failed");
    }

    [Theory]
    [InlineData("exif-irot.heic", 48, 64)]
    [InlineData("photo.avif", null, null)]
    [InlineData("alpha16.png", null, null)]
    [InlineData("photo.tiff", null, null)]
    [InlineData("photo.webp", null, null)]
    [InlineData("anim.gif", null, null)]
    [InlineData("p3.jpg", null, null)]
    [InlineData("cmyk.jpg", null, null)]
    public async Task Every_supported_format_gets_derivatives(string fixture, int? width, int? height)
    {
        var user = await api.NewUserAsync();
        var asset = await user.WaitProcessedAsync((await user.UploadAsync(fixture)).Id);
        Assert.True(asset.Status == "ready", $"{fixture}: {asset.Status} {asset.FailureReason}");
        Assert.NotNull(asset.Urls.Thumbnail);
        Assert.NotNull(asset.Urls.Preview);
        if (width is not null) Assert.Equal((width, height), (asset.Width, asset.Height));
        var thumb = await user.Client.GetAsync($"/api/v1/assets/{asset.Id}/thumbnail");
        Assert.Equal("image/webp", thumb.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("truncated.jpg")]
    [InlineData("truncated.heic")]
    [InlineData("empty.jpg")]
    [InlineData("not-an-image.jpg")]
    [InlineData("bomb.png")]
    [InlineData("too-wide.png")]
    public async Task Broken_and_hostile_files_end_failed_with_a_reason_and_the_worker_goes_on(string fixture)
    {
        var user = await api.NewUserAsync();
        var bad = await user.WaitProcessedAsync((await user.UploadAsync(fixture)).Id);
        Assert.Equal("failed", bad.Status);
        Assert.False(string.IsNullOrWhiteSpace(bad.FailureReason));
        Assert.Null(bad.Urls.Thumbnail);
        await (await user.Client.GetAsync($"/api/v1/assets/{bad.Id}/thumbnail")).ShouldBeProblem(404, "asset.no_derivative");
        // The original is kept as uploaded, and the worker still works.
        await user.Client.GetAsync($"/api/v1/assets/{bad.Id}/original").ShouldBe(200);
        Assert.Equal("ready", (await user.WaitProcessedAsync((await user.UploadAsync("grey.jpg")).Id)).Status);
    }

    [Fact]
    public async Task Documents_are_backed_up_without_derivatives()
    {
        var user = await api.NewUserAsync();
        var text = Encoding.UTF8.GetBytes("minutes of the meeting " + Guid.NewGuid());
        var doc = await user.WaitProcessedAsync((await user.UploadBytesAsync(text, "minutes.txt")).Id);
        Assert.Equal(("other", "ready"), (doc.MediaType, doc.Status));
        Assert.Null(doc.Urls.Thumbnail);
        Assert.Equal(text, await user.Client.GetByteArrayAsync($"/api/v1/assets/{doc.Id}/original"));
    }

    [Fact]
    public async Task Bad_uploads_are_refused_and_leave_nothing_behind()
    {
        var user = await api.NewUserAsync();
        var json = await user.Client.PostAsJsonAsync("/api/v1/assets", new { file = "x" });
        await json.ShouldBeProblem(415, "request.unsupported_media_type");
        var noBoundary = new ByteArrayContent([1, 2, 3]);
        noBoundary.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data");
        await (await user.Client.PostAsync("/api/v1/assets", noBoundary)).ShouldBeProblem(415, "upload.not_multipart");

        var noFile = new MultipartFormDataContent { { new StringContent("abc"), "deviceId" } };
        await (await user.Client.PostAsync("/api/v1/assets", noFile)).ShouldBeProblem(400, "upload.missing_file");

        var bytes = await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"));
        var badFields = await user.Client.PostAsync("/api/v1/assets", Library.Form(bytes, "a.jpg", new Dictionary<string, string> { ["takenAt"] = "yesterday", ["color"] = "red" }));
        var problem = await badFields.ShouldBeProblem(400, "validation.failed");
        Assert.Contains("takenAt", problem.Errors!.Keys);
        Assert.Contains("color", problem.Errors!.Keys);

        var stranger = await api.NewUserAsync();
        var folder = await stranger.Client.PostAsJsonAsync("/api/v1/folders", new { name = "private" }).Json(201);
        var intoTheirs = await user.Client.PostAsync("/api/v1/assets",
            Library.Form(bytes, "a.jpg", new Dictionary<string, string> { ["folderId"] = folder.GetProperty("id").GetString()! }));
        await intoTheirs.ShouldBeProblem(404, "resource.not_found");

        await (await api.NewClient().PostAsync("/api/v1/assets", Library.Form(bytes, "a.jpg"))).ShouldBeProblem(401, "auth.unauthenticated");

        Assert.Empty((await user.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);
        Assert.Empty(api.StagedFiles());
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_upload_leaves_no_asset_and_no_file()
    {
        var user = await api.NewUserAsync();
        var form = new MultipartFormDataContent
        {
            { new StringContent("phone-1"), "deviceId" },
            { new StreamContent(new FailingStream(bytesBeforeFailure: 3 * 1024 * 1024)), "file", "video.mp4" },
        };
        // The in-memory test server only notices a client that went away when the request is aborted: give up after a few
        // seconds, as a phone losing its connection would, instead of HttpClient's default 100 s.
        using var gone = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAnyAsync<Exception>(() => user.Client.PostAsync("/api/v1/assets", form, gone.Token));
        await Task.Delay(500);
        Assert.Empty((await user.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);
        Assert.Empty(api.StagedFiles());
        var status = await user.Client.GetAsync("/api/v1/devices/phone-1/backup-status").Json();
        Assert.Equal(1, status.GetProperty("uploadFailures").GetInt32());
    }

    [Fact]
    public async Task Another_users_asset_is_not_found_everywhere_and_signed_urls_cannot_be_forged()
    {
        var owner = await api.NewUserAsync();
        var stranger = await api.NewUserAsync();
        var asset = await owner.WaitProcessedAsync((await owner.UploadAsync("grey.jpg")).Id);
        var id = asset.Id;
        foreach (var response in new[]
                 {
                     await stranger.Client.GetAsync($"/api/v1/assets/{id}"),
                     await stranger.Client.GetAsync($"/api/v1/assets/{id}/original"),
                     await stranger.Client.GetAsync($"/api/v1/assets/{id}/thumbnail"),
                     await stranger.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { rating = 5 }),
                     await stranger.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { id } }),
                     await stranger.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { id } }),
                     await stranger.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = new[] { id } }),
                 })
            await response.ShouldBeProblem(404, "resource.not_found");
        Assert.Empty((await stranger.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);

        var anonymous = api.NewClient();
        await (await anonymous.GetAsync($"/api/v1/assets/{id}/original")).ShouldBeProblem(401, "auth.unauthenticated");
        var forged = asset.Urls.Original!.Replace("sig=", "sig=x", StringComparison.Ordinal);
        await (await anonymous.GetAsync(forged)).ShouldBeProblem(403, "media.link_invalid");
        // A thumbnail signature does not open the original.
        var thumbSig = asset.Urls.Thumbnail![asset.Urls.Thumbnail!.IndexOf("exp=", StringComparison.Ordinal)..];
        await (await anonymous.GetAsync($"/api/v1/assets/{id}/original?{thumbSig}")).ShouldBeProblem(403, "media.link_invalid");
        var expired = System.Text.RegularExpressions.Regex.Replace(asset.Urls.Original, "exp=[0-9]+", "exp=1000");
        await (await anonymous.GetAsync(expired)).ShouldBeProblem(403, "media.link_invalid");
    }

    [Fact]
    public async Task Editing_trash_restore_and_empty_trash()
    {
        var user = await api.NewUserAsync();
        // Bytes nobody else has, so that emptying the trash frees them.
        var unique = (await File.ReadAllBytesAsync(Library.Fixture("exif-orient6.jpg"))).Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var asset = await user.WaitProcessedAsync((await user.UploadBytesAsync(unique, "unique.jpg")).Id);
        var edited = await user.Client.PatchAsJsonAsync($"/api/v1/assets/{asset.Id}",
            new { rating = 4, tags = new[] { "beach", "Beach", "family" }, description = "Summer", takenAt = "2020-07-01T12:00:00Z" }).Json<Asset>();
        Assert.Equal((4, "Summer"), (edited.Rating, edited.Description));
        Assert.Equal(new[] { "beach", "family" }, edited.Tags);
        Assert.Equal(new DateTime(2020, 7, 1, 12, 0, 0), edited.TakenAt);
        Assert.Equal(new DateTime(2020, 7, 1, 12, 0, 0), (await user.Client.GetAsync($"/api/v1/assets/{asset.Id}").Json<Asset>()).TakenAt);
        var invalid = await user.Client.PatchAsJsonAsync($"/api/v1/assets/{asset.Id}", new { rating = 6 });
        Assert.Contains("rating", (await invalid.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);

        await user.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { asset.Id } }).ShouldBe(200);
        Assert.Empty((await user.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);
        Assert.Single((await user.Client.GetAsync("/api/v1/assets?trashed=true").Json<Page<Asset>>()).Items);
        await user.Client.PostAsJsonAsync("/api/v1/trash/restore", new { ids = new[] { asset.Id } }).ShouldBe(200);
        Assert.Single((await user.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);

        await user.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { asset.Id } }).ShouldBe(200);
        var emptied = await user.Client.PostAsync("/api/v1/trash/empty", null).Json();
        Assert.Equal(1, emptied.GetProperty("purged").GetInt32());
        await (await user.Client.GetAsync($"/api/v1/assets/{asset.Id}")).ShouldBeProblem(404, "resource.not_found");
        // The bytes go too, once no asset uses them.
        var blob = Path.Combine(api.BlobRoot, "originals", asset.Checksum[..2], asset.Checksum[2..4], asset.Checksum);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (File.Exists(blob) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.False(File.Exists(blob), "the original's bytes were not deleted");
    }

    [Fact]
    public async Task The_timeline_filters_and_pages()
    {
        var user = await api.NewUserAsync();
        var ids = new List<Guid>();
        foreach (var fixture in new[] { "grey.jpg", "photo.webp", "alpha16.png" }) ids.Add((await user.UploadAsync(fixture)).Id);
        foreach (var id in ids) await user.WaitProcessedAsync(id);
        // A date the user sets wins over the one in the file (photo.webp and alpha16.png carry EXIF dates).
        for (var i = 0; i < ids.Count; i++)
            await user.Client.PatchAsJsonAsync($"/api/v1/assets/{ids[i]}", new { takenAt = $"{2021 + i}-01-01T00:00:00Z" }).ShouldBe(200);
        await user.Client.PatchAsJsonAsync($"/api/v1/assets/{ids[0]}", new { rating = 5, tags = new[] { "best" } }).ShouldBe(200);

        var first = await user.Client.GetAsync("/api/v1/assets?limit=2").Json<Page<Asset>>();
        Assert.Equal(2, first.Items.Count);
        Assert.True(first.Items[0].TakenAt >= first.Items[1].TakenAt, "newest first");
        var second = await user.Client.GetAsync($"/api/v1/assets?limit=2&cursor={first.NextCursor}").Json<Page<Asset>>();
        Assert.Single(second.Items);
        Assert.Null(second.NextCursor);
        Assert.Equal(3, first.Items.Concat(second.Items).Select(a => a.Id).Distinct().Count());

        Assert.Equal(ids[0], Assert.Single((await user.Client.GetAsync("/api/v1/assets?minRating=5").Json<Page<Asset>>()).Items).Id);
        Assert.Equal(ids[0], Assert.Single((await user.Client.GetAsync("/api/v1/assets?tag=best").Json<Page<Asset>>()).Items).Id);
        Assert.Equal(ids[1], Assert.Single((await user.Client.GetAsync("/api/v1/assets?q=photo.web").Json<Page<Asset>>()).Items).Id);
        Assert.Equal(2, (await user.Client.GetAsync("/api/v1/assets?from=2022-01-01T00:00:00Z").Json<Page<Asset>>()).Items.Count);
        await (await user.Client.GetAsync("/api/v1/assets?type=sound")).ShouldBeProblem(400, "validation.failed");
        await (await user.Client.GetAsync("/api/v1/assets?cursor=garbage")).ShouldBeProblem(400, "validation.failed");
    }

    [Fact]
    public async Task The_top_of_the_Personal_Space_lists_the_callers_files_in_no_folder()
    {
        var user = await api.NewUserAsync("root");
        var partner = await api.NewUserAsync("root-partner");
        await partner.Client.PostAsJsonAsync("/api/v1/partners", new { userId = user.UserId }).ShouldBe(201);
        await user.Client.PatchAsJsonAsync($"/api/v1/partners/{partner.UserId}", new { inTimeline = true }).ShouldBe(200);
        var theirs = await partner.UploadUniqueAsync(); // in the user's timeline, not in their Personal Space
        var folder = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Sorted" }).Json(201)).GetProperty("id").GetGuid();
        var inFolder = await user.UploadUniqueAsync(folderId: folder);
        var top = new List<Guid>();
        for (var i = 0; i < 3; i++) top.Add(await user.UploadUniqueAsync());
        var trashed = await user.UploadUniqueAsync();
        foreach (var id in top.Append(inFolder).Append(trashed)) await user.WaitProcessedAsync(id);
        await partner.WaitProcessedAsync(theirs);
        for (var i = 0; i < top.Count; i++)
            await user.Client.PatchAsJsonAsync($"/api/v1/assets/{top[i]}", new { takenAt = $"{2021 + i}-01-01T00:00:00Z", rating = i }).ShouldBe(200);
        await user.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { trashed } }).ShouldBe(200);
        var timeline = (await user.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items.Select(a => a.Id).ToList();
        Assert.Contains(inFolder, timeline);
        Assert.Contains(theirs, timeline);

        // Newest first, one page at a time on the timeline's cursor: only the files with folderId null, none in the trash.
        var seen = new List<Asset>();
        string? cursor = null;
        do
        {
            var page = await user.Client.GetAsync($"/api/v1/assets?inFolder=false&limit=2{(cursor is null ? "" : $"&cursor={cursor}")}").Json<Page<Asset>>();
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(Enumerable.Reverse(top), seen.Select(a => a.Id));
        Assert.All(seen, a => Assert.Equal((user.UserId, (Guid?)null), (a.OwnerId, a.FolderId)));
        // The timeline's filters apply.
        Assert.Equal([top[2], top[1]], (await user.Client.GetAsync("/api/v1/assets?inFolder=false&minRating=1").Json<Page<Asset>>()).Items.Select(a => a.Id));
        Assert.Equal([top[0]], (await user.Client.GetAsync("/api/v1/assets?inFolder=false&to=2022-01-01T00:00:00Z").Json<Page<Asset>>()).Items.Select(a => a.Id));
        // Moving a file into a folder takes it off the top; the partner's own top holds only their file.
        await user.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { top[0] }, folderId = folder }).ShouldBe(200);
        Assert.Equal([top[2], top[1]], (await user.Client.GetAsync("/api/v1/assets?inFolder=false").Json<Page<Asset>>()).Items.Select(a => a.Id));
        Assert.Equal([theirs], (await partner.Client.GetAsync("/api/v1/assets?inFolder=false").Json<Page<Asset>>()).Items.Select(a => a.Id));

        foreach (var bad in new[] { "inFolder=true", $"inFolder=false&folderId={folder}", "inFolder=false&trashed=true",
                     $"inFolder=false&partnerId={partner.UserId}", $"inFolder=false&albumId={Guid.NewGuid()}", "inFolder=maybe" })
            await (await user.Client.GetAsync($"/api/v1/assets?{bad}")).ShouldBeProblem(400, "validation.failed");
    }

    [Fact]
    public async Task Move_and_copy_between_folders()
    {
        var user = await api.NewUserAsync();
        var folder = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "Trips" }).Json(201)).GetProperty("id").GetGuid();
        var asset = await user.WaitProcessedAsync((await user.UploadAsync("grey.jpg")).Id);

        await user.Client.PostAsJsonAsync("/api/v1/assets/move", new { ids = new[] { asset.Id }, folderId = folder }).ShouldBe(200);
        Assert.Equal(asset.Id, Assert.Single((await user.Client.GetAsync($"/api/v1/assets?folderId={folder}").Json<Page<Asset>>()).Items).Id);

        var copied = await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { asset.Id } }).Json(201);
        var copyId = copied.GetProperty("ids")[0].GetGuid();
        var copy = await user.Client.GetAsync($"/api/v1/assets/{copyId}").Json<Asset>();
        Assert.Equal((asset.Checksum, "ready", (Guid?)null), (copy.Checksum, copy.Status, copy.FolderId));
        Assert.Equal(await user.Client.GetByteArrayAsync($"/api/v1/assets/{asset.Id}/original"), await user.Client.GetByteArrayAsync($"/api/v1/assets/{copyId}/original"));
    }

    [Fact]
    public async Task An_archive_streams_the_originals_as_a_zip()
    {
        var user = await api.NewUserAsync();
        var a = await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"));
        var b = await File.ReadAllBytesAsync(Library.Fixture("photo.webp"));
        var ids = new[] { (await user.UploadBytesAsync(a, "same.jpg")).Id, (await user.UploadBytesAsync(b, "same.jpg")).Id };
        var response = await user.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = ids });
        var contents = (await response.ZipEntriesAsync()).ToDictionary(e => e.Name, e => e.Bytes);
        Assert.Equal(2, contents.Count);
        Assert.Contains(contents.Values, v => v.SequenceEqual(a));
        Assert.Contains(contents.Values, v => v.SequenceEqual(b));
        Assert.Contains("same (2).jpg", contents.Keys);
        await (await user.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = Array.Empty<Guid>() })).ShouldBeProblem(400, "validation.failed");
    }

    [Fact]
    public async Task Backup_status_counts_a_devices_uploads_duplicates_and_failures()
    {
        var user = await api.NewUserAsync();
        var device = new Dictionary<string, string> { ["deviceId"] = "pixel-8", ["deviceAssetId"] = "1001" };
        var good = await user.UploadAsync("grey.jpg", device);
        await user.UploadAsync("grey.jpg", device).ContinueWith(_ => Task.CompletedTask); // duplicate answers 200
        var bad = await user.UploadAsync("truncated.jpg", device);
        await user.WaitProcessedAsync(good.Id);
        await user.WaitProcessedAsync(bad.Id);

        var status = await user.Client.GetAsync("/api/v1/devices/pixel-8/backup-status").Json();
        Assert.Equal(2, status.GetProperty("assetCount").GetInt32());
        Assert.Equal(1, status.GetProperty("readyCount").GetInt32());
        Assert.Equal(1, status.GetProperty("failedCount").GetInt32());
        Assert.Equal(1, status.GetProperty("duplicatesSkipped").GetInt32());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, status.GetProperty("lastBackupAt").ValueKind);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, status.GetProperty("lastFailure").ValueKind);
        var none = await user.Client.GetAsync("/api/v1/devices/never-seen/backup-status").Json();
        Assert.Equal(0, none.GetProperty("assetCount").GetInt32());
    }

    /// <summary>A request body that sends some bytes, then fails like a dropped connection.</summary>
    private sealed class FailingStream(int bytesBeforeFailure) : Stream
    {
        private int _sent;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _sent; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_sent >= bytesBeforeFailure) throw new IOException("connection reset by peer (simulated)");
            var n = Math.Min(count, bytesBeforeFailure - _sent);
            Array.Fill(buffer, (byte)0x42, offset, n);
            _sent += n;
            return n;
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
