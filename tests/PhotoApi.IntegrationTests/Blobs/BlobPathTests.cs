using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using PhotoApi.IntegrationTests.Infrastructure;
using static PhotoApi.IntegrationTests.Infrastructure.TusRequests;

namespace PhotoApi.IntegrationTests.Blobs;

/// <summary>
/// The paths through the blob store a user sees — upload then download (whole and by range), the worker's thumbnails (it
/// reads the original through a temporary file when the store has no local path), a guest's file sent to a photo
/// request, a resumable (tus) upload in chunks — with the API and its worker on each store: the same test methods, a
/// local-folder fixture and an S3 one (Swift).
/// </summary>
[Collection(ApiCollection.Name)]
public abstract class BlobPathTests<TFactory>(TFactory api) where TFactory : ApiFactory
{
    protected TFactory Api => api;

    /// <summary>Guests' files waiting for their clean copy (must be none once processed).</summary>
    protected abstract string[] RawGuestFiles();

    /// <summary>Whether the store's medium itself (the folder, the bucket) holds <paramref name="key"/>.</summary>
    protected abstract bool Holds(string key);

    [Fact]
    public async Task An_upload_downloads_whole_and_by_range_and_gets_its_thumbnail()
    {
        var user = await api.NewUserAsync();
        var bytes = await File.ReadAllBytesAsync(Library.Fixture("large-orient6.jpg"));
        var id = (await user.UploadBytesAsync(bytes, "big.jpg")).Id;
        Assert.Empty(api.StagedFiles());
        Assert.True(Holds(PhotoApi.Persistence.Blobs.BlobKeys.Original(SHA256.HashData(bytes))));

        Assert.Equal(bytes, await user.Client.GetByteArrayAsync($"/api/v1/assets/{id}/original"));
        var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/assets/{id}/original");
        range.Headers.Range = new RangeHeaderValue(bytes.Length - 1100, bytes.Length - 101);
        var partial = await user.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(bytes[^1100..^100], await partial.Content.ReadAsByteArrayAsync());

        var asset = await user.WaitProcessedAsync(id);
        Assert.Equal("ready", asset.Status);
        var thumbnail = await user.Client.GetAsync(asset.Urls.Thumbnail);
        await thumbnail.ShouldBe(200);
        Assert.Equal("image/webp", thumbnail.Content.Headers.ContentType?.MediaType);
        Assert.Equal("image/jpeg", (await user.Client.GetAsync(asset.Urls.Preview)).Content.Headers.ContentType?.MediaType);
    }

    private sealed record PhotoRequest(Guid Id, string Key);

    private sealed record UploadStatus(Guid Id, string Status);

    private sealed record Sent(List<UploadStatus> Uploads);

    private sealed record OwnerUpload(Guid? AssetId, string Status);

    [Fact]
    public async Task A_guests_photo_becomes_a_clean_copy_and_the_sent_file_goes()
    {
        var owner = await api.NewUserAsync("requester");
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Photos", maxFileSizeMb = 20 }).Json<PhotoRequest>(201);
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(await File.ReadAllBytesAsync(Library.Fixture("exif-orient6.jpg")));
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "files", "IMG_0001.JPG");
        var guest = api.NewClient();
        var sent = await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", form).Json<Sent>(202);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await guest.GetAsync($"/api/v1/r/{request.Key}/uploads/{sent.Uploads.Single().Id}").Json<UploadStatus>()).Status is not ("ready" or "failed"))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("The guest's file was not processed in 60 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(200);
        }
        var upload = (await owner.Client.GetAsync($"/api/v1/photo-requests/{request.Id}/uploads").Json<Page<OwnerUpload>>()).Items.Single();
        Assert.Equal("ready", upload.Status);
        var clean = await owner.Client.GetByteArrayAsync($"/api/v1/assets/{upload.AssetId}/original");
        Assert.Equal([0xFF, 0xD8, 0xFF], clean[..3]);
        Assert.Empty(RawGuestFiles());
        Assert.Empty(api.StagedFiles());
    }

    [Fact]
    public async Task A_resumable_upload_in_chunks_becomes_an_asset_that_downloads()
    {
        var user = await api.NewUserAsync();
        var file = await File.ReadAllBytesAsync(Library.Fixture("large-orient6.jpg"));
        var create = Tus(HttpMethod.Post, "/api/v1/uploads");
        create.Headers.Add("Upload-Length", file.Length.ToString(CultureInfo.InvariantCulture));
        var created = await user.Client.SendAsync(create);
        await created.ShouldBe(201);
        var location = created.Headers.Location!.ToString();

        // Small chunks, as a phone on a bad connection sends them; the first one twice (its answer was lost).
        var cuts = new[] { 0, 1000, 5000, file.Length / 2, file.Length };
        HttpResponseMessage? last = null;
        for (var i = 0; i + 1 < cuts.Length; i++)
        {
            last = await user.Client.SendAsync(Tus(HttpMethod.Patch, location, file[cuts[i]..cuts[i + 1]], cuts[i]));
            await last.ShouldBe(204);
            if (i == 0) await (await user.Client.SendAsync(Tus(HttpMethod.Patch, location, file[..1000], 0))).ShouldBeProblem(409, "upload.offset_mismatch");
        }
        var assetId = Guid.Parse(last!.Headers.GetValues("Asset-Id").Single());
        var asset = await user.WaitProcessedAsync(assetId);
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(file)), "ready"), (asset.Checksum, asset.Status));
        Assert.Equal(file, await user.Client.GetByteArrayAsync($"/api/v1/assets/{assetId}/original"));
        Assert.Empty(api.StagedFiles());
    }
}

public sealed class LocalBlobPathTests(ApiFactory api) : BlobPathTests<ApiFactory>(api), IClassFixture<ApiFactory>
{
    protected override string[] RawGuestFiles() =>
        Directory.Exists(Path.Combine(Api.BlobRoot, "request-uploads")) ? Directory.GetFiles(Path.Combine(Api.BlobRoot, "request-uploads")) : [];

    protected override bool Holds(string key) => File.Exists(Path.Combine(Api.BlobRoot, key));
}

public sealed class S3BlobPathTests(S3ApiFactory api) : BlobPathTests<S3ApiFactory>(api), IClassFixture<S3ApiFactory>
{
    protected override string[] RawGuestFiles() => Api.Objects("request-uploads/");

    protected override bool Holds(string key) => Api.Objects(key).Length == 1;
}

/// <summary>The API and its worker on the S3 store (the Swift of the test run), under a prefix of their own.</summary>
public sealed class S3ApiFactory : ApiFactory
{
    private readonly string _prefix = TestS3.NewPrefix();

    /// <summary>This factory's prefix in the bucket.</summary>
    public string Prefix => _prefix;

    protected override IEnumerable<(string Key, string Value)> BlobSettings => TestS3.Settings(_prefix);

    /// <summary>Objects under <paramref name="area"/> of this factory's prefix.</summary>
    public string[] Objects(string area) =>
        TestS3.ListAsync(_prefix).GetAwaiter().GetResult().Where(k => k.StartsWith(_prefix + area, StringComparison.Ordinal)).ToArray();

    /// <summary>Plain uploads' staging objects and multipart uploads never completed (resumable segments are their rows' business).</summary>
    public override string[] StagedFiles() =>
        TestS3.ListAsync(_prefix).GetAwaiter().GetResult()
            .Where(k => k.StartsWith(_prefix + ".staging/uploads/", StringComparison.Ordinal) || k.StartsWith("multipart upload: ", StringComparison.Ordinal)).ToArray();
}
