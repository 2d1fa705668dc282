using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Testing;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Videos without their metadata, end to end through HTTP with the in-process worker and the machine's ffmpeg: guests
/// send real videos (made by ffmpeg, full of dates, places and device names) to a photo request, by multipart and by
/// tus, and the owner finds new files with none of it (exiftool and ffprobe on the downloaded bytes), the guest's bytes
/// gone; share-link guests whose link hides metadata download such a clean copy instead of the original.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PhotoRequestVideoTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>This class's own fixture bytes: its clean copies' checksums are not another class's.</summary>
    private const string Seed = "request";

    private sealed record OwnerUpload(Guid Id, string FileName, string Status, string? FailureReason, Guid? AssetId);

    private async Task<(Session Owner, Guid RequestId, string Key, Guid AlbumId)> RequestAsync()
    {
        var owner = await api.NewUserAsync("filmrequester");
        var album = await owner.CreateAlbumAsync("Wedding films");
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Your videos", albumId = album.Id, maxFileSizeMb = 20 })
            .Json(201);
        return (owner, request.GetProperty("id").GetGuid(), request.GetProperty("key").GetString()!, album.Id);
    }

    /// <summary>Writes downloaded bytes to a file for exiftool and ffprobe.</summary>
    private static async Task<string> SaveAsync(byte[] bytes, string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"photoapi-video-{Guid.NewGuid():N}{extension}");
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    /// <summary>The owner's asset for a video a guest sent: a new video file, clean and playable, found without a date or place.</summary>
    private static async Task<(Asset Asset, string Path)> AssertCleanVideoAssetAsync(Session owner, Guid assetId, string contentType, string fileName,
        DateTime sentAt)
    {
        var asset = await owner.WaitProcessedAsync(assetId);
        Assert.Equal(("video", contentType, fileName), (asset.MediaType, asset.ContentType, asset.OriginalFileName));
        Assert.Equal(((double?)null, (double?)null, (string?)null, (string?)null), (asset.Latitude, asset.Longitude, asset.CameraMake, asset.CameraModel));
        // Dated by the upload (the file says 2021 or 2024, and nothing of that is left to read).
        Assert.InRange(asset.TakenAt, sentAt.AddMinutes(-1), sentAt.AddMinutes(5));

        var bytes = await owner.Client.GetByteArrayAsync($"/api/v1/assets/{asset.Id}/original");
        Assert.Equal(asset.SizeBytes, bytes.Length);
        Assert.DoesNotContain(VideoFixtures.Secret, Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        var path = await SaveAsync(bytes, Path.GetExtension(fileName));
        await VideoFixtures.AssertNoMetadataAsync(path);
        await VideoFixtures.AssertPlaysToTheEndAsync(path);
        return (asset, path);
    }

    [Fact]
    public async Task Videos_sent_by_multipart_are_stored_as_new_files_without_metadata_and_the_guests_bytes_are_gone()
    {
        var (owner, requestId, key, albumId) = await RequestAsync();
        var guest = api.NewClient();
        var page = await guest.GetAsync($"/api/v1/r/{key}").Json();
        Assert.Equal(["image", "video"], page.GetProperty("acceptedMediaTypes").EnumerateArray().Select(e => e.GetString()));
        var mp4 = await File.ReadAllBytesAsync(VideoFixtures.TaggedH264Mp4(Seed));
        var mov = await File.ReadAllBytesAsync(VideoFixtures.HevcMov(Seed));
        var sentAt = DateTime.UtcNow;

        var sent = await guest.PostAsync($"/api/v1/r/{key}/uploads", PhotoRequestTests.Files((mp4, "ceremony.mp4"), (mov, "IMG_0420.MOV"))).Json<PhotoRequestTests.Sent>(202);
        foreach (var u in sent.Uploads) Assert.Equal("ready", (await PhotoRequestTests.WaitAsync(guest, key, u.Id)).Status);

        var uploads = (await owner.Client.GetAsync($"/api/v1/photo-requests/{requestId}/uploads").Json<Page<OwnerUpload>>()).Items;
        var inAlbum = await owner.AlbumAssetIdsAsync(albumId);
        var (_, cleanMp4) = await AssertCleanVideoAssetAsync(owner, uploads.Single(u => u.FileName == "ceremony.mp4").AssetId!.Value, "video/mp4", "ceremony.mp4", sentAt);
        var (iphone, cleanMov) = await AssertCleanVideoAssetAsync(owner, uploads.Single(u => u.FileName == "IMG_0420.MOV").AssetId!.Value, "video/mp4", "IMG_0420.mp4", sentAt);
        Assert.All(uploads, u => Assert.Contains(u.AssetId!.Value, inAlbum));

        // The H.264 is copied; the iPhone's HEVC is transcoded (its hvcC box names x265 and its settings) to H.264 whose
        // frames are turned upright: portrait without a display matrix.
        Assert.Equal("h264", (await VideoFixtures.VideoOfAsync(cleanMp4)).Codec);
        var original = await VideoFixtures.VideoOfAsync(VideoFixtures.HevcMov(Seed));
        var stored = await VideoFixtures.VideoOfAsync(cleanMov);
        Assert.NotEqual(0, original.Rotation);
        Assert.Equal(("h264", 0, original.Height, original.Width), (stored.Codec, stored.Rotation, stored.Width, stored.Height));
        Assert.Equal(original.Duration, stored.Duration, 0.1);
        Assert.NotEqual(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(mov)), iphone.Checksum);

        // Nothing of the guest's files is left, neither stored nor staged.
        Assert.Empty(PhotoRequestTests.RawGuestFiles(api));
        Assert.Empty(api.StagedFiles());
    }

    [Fact]
    public async Task A_webm_sent_by_tus_is_stored_as_a_clean_webm()
    {
        var (owner, requestId, key, _) = await RequestAsync();
        var guest = api.NewClient();
        var webm = await File.ReadAllBytesAsync(VideoFixtures.TaggedVp9Webm(Seed));
        var sentAt = DateTime.UtcNow;

        var create = Tus(HttpMethod.Post, $"/api/v1/r/{key}/tus");
        create.Headers.Add("Upload-Length", webm.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String("clip.webm"u8.ToArray()));
        var created = await guest.SendAsync(create);
        await created.ShouldBe(201);
        var last = await guest.SendAsync(Tus(HttpMethod.Patch, created.Headers.Location!.ToString(), webm, 0));
        await last.ShouldBe(204);
        var uploadId = Guid.Parse(last.Headers.GetValues("Photo-Request-Upload-Id").Single());
        Assert.Equal("ready", (await PhotoRequestTests.WaitAsync(guest, key, uploadId)).Status);

        var upload = (await owner.Client.GetAsync($"/api/v1/photo-requests/{requestId}/uploads").Json<Page<OwnerUpload>>()).Items.Single();
        var (_, path) = await AssertCleanVideoAssetAsync(owner, upload.AssetId!.Value, "video/webm", "clip.webm", sentAt);
        Assert.Equal("vp9", (await VideoFixtures.VideoOfAsync(path)).Codec);
        Assert.Empty(PhotoRequestTests.RawGuestFiles(api));
    }

    [Fact]
    public async Task A_truncated_video_fails_with_a_reason_and_its_bytes_go_and_other_files_are_refused()
    {
        var (owner, requestId, key, _) = await RequestAsync();
        var guest = api.NewClient();

        // Neither a photo nor a video: refused before anything is kept.
        await guest.PostAsync($"/api/v1/r/{key}/uploads", PhotoRequestTests.Files(("%PDF-1.7 not a picture"u8.ToArray(), "minutes.pdf")))
            .ShouldBeProblem(415, "upload.unsupported_type");

        var truncated = await File.ReadAllBytesAsync(VideoFixtures.TruncatedMp4(Seed));
        var sent = await guest.PostAsync($"/api/v1/r/{key}/uploads", PhotoRequestTests.Files((truncated, "broken.mp4"))).Json<PhotoRequestTests.Sent>(202);
        var failed = await PhotoRequestTests.WaitAsync(guest, key, sent.Uploads[0].Id);
        Assert.Equal("failed", failed.Status);
        Assert.StartsWith("This file could not be read as a video", failed.FailureReason);
        var refused = (await owner.Client.GetAsync($"/api/v1/photo-requests/{requestId}/uploads").Json<Page<OwnerUpload>>()).Items.Single();
        Assert.Null(refused.AssetId);
        Assert.Empty((await owner.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items);
        Assert.Empty(PhotoRequestTests.RawGuestFiles(api));
    }

    [Fact]
    public async Task With_metadata_hidden_a_guest_downloads_a_clean_copy_of_a_video_never_the_original()
    {
        var owner = await api.NewUserAsync("videohider");
        var mov = await File.ReadAllBytesAsync(VideoFixtures.HevcMov(Seed));
        var video = (await owner.UploadBytesAsync(mov, "IMG_0421.MOV")).Id;
        await owner.WaitProcessedAsync(video);
        var album = await owner.CreateAlbumAsync("Films", video);
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public", showMetadata = false, allowDownload = true,
        }).Json<Share>(201);
        var guest = api.NewClient();
        var item = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json()).GetProperty("items").EnumerateArray().Single();
        var url = item.GetProperty("urls").GetProperty("original").GetString()!;

        // The first request starts the cleaning; until it is done the answer says when to come back.
        var first = await guest.GetAsync(url);
        await first.ShouldBeProblem(409, "asset.not_ready");
        Assert.True(first.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        HttpResponseMessage clean;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((clean = await guest.GetAsync(url)).StatusCode == HttpStatusCode.Conflict)
        {
            Assert.True(clean.Headers.RetryAfter?.Delta > TimeSpan.Zero, "409 without Retry-After");
            if (DateTime.UtcNow > deadline) Assert.Fail("The clean copy was not ready after 120 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(250);
        }
        await clean.ShouldBe(200);
        Assert.Equal("video/mp4", clean.Content.Headers.ContentType?.MediaType);
        var name = (clean.Content.Headers.ContentDisposition?.FileNameStar ?? clean.Content.Headers.ContentDisposition?.FileName ?? "").Trim('"');
        Assert.Equal($"{item.GetProperty("id").GetGuid():N}.mp4", name);

        var bytes = await clean.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain("iPhone", Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        var path = await SaveAsync(bytes, ".mp4");
        await VideoFixtures.AssertNoMetadataAsync(path);
        await VideoFixtures.AssertPlaysToTheEndAsync(path);
        var original = await VideoFixtures.VideoOfAsync(VideoFixtures.HevcMov(Seed));
        var copy = await VideoFixtures.VideoOfAsync(path);
        Assert.Equal(("h264", 0, original.Height, original.Width), (copy.Codec, copy.Rotation, copy.Width, copy.Height)); // upright frames

        // Ranges (what a <video> asks for) come from the copy too.
        var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(100, 199);
        var part = await guest.SendAsync(ranged);
        await part.ShouldBe(206);
        Assert.Equal(bytes[100..200], await part.Content.ReadAsByteArrayAsync());

        // The owner still has the original, tags and all.
        var own = await owner.Client.GetByteArrayAsync($"/api/v1/assets/{video}/original");
        Assert.Equal(mov, own);
    }

    private static HttpRequestMessage Tus(HttpMethod method, string url, byte[]? body = null, long? offset = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (offset is { } o) request.Headers.Add("Upload-Offset", o.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        }
        return request;
    }
}
