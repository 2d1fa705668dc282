using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Workers.Jobs.Sweeper;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Resumable uploads (tus 1.0.0) over raw HTTP, as a client sees them: every protocol rule, on the library, a share link
/// and a photo request, and an upload that moves between two API processes on one database.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TusTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string Meta(params (string Key, string Value)[] pairs) =>
        string.Join(",", pairs.Select(p => $"{p.Key} {Convert.ToBase64String(Encoding.UTF8.GetBytes(p.Value))}"));

    private static HttpRequestMessage Tus(HttpMethod method, string url, byte[]? body = null, long? offset = null, string? checksum = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (offset is { } o) request.Headers.Add("Upload-Offset", o.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (checksum is not null) request.Headers.Add("Upload-Checksum", checksum);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        }
        return request;
    }

    private static async Task<string> CreateAsync(HttpClient client, string url, long length, string? metadata = null, int expect = 201)
    {
        var request = Tus(HttpMethod.Post, url);
        request.Headers.Add("Upload-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (metadata is not null) request.Headers.Add("Upload-Metadata", metadata);
        var response = await client.SendAsync(request);
        await response.ShouldBe(expect);
        Assert.Equal("1.0.0", response.Headers.GetValues("Tus-Resumable").Single());
        if (expect != 201) return "";
        Assert.Equal("0", response.Headers.GetValues("Upload-Offset").Single());
        Assert.True(DateTimeOffset.Parse(response.Headers.GetValues("Upload-Expires").Single(), System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow.AddHours(23));
        var location = response.Headers.Location!.ToString();
        Assert.StartsWith(url + "/", location);
        // ≥ 128 random bits in the URL: 256, base64url.
        Assert.Equal(43, location.Split('/')[^1].Length);
        return location;
    }

    private static async Task<HttpResponseMessage> PatchAsync(HttpClient client, string location, byte[] chunk, long offset, string? checksum = null) =>
        await client.SendAsync(Tus(HttpMethod.Patch, location, chunk, offset, checksum));

    private static async Task<long> OffsetAsync(HttpClient client, string location)
    {
        var head = await client.SendAsync(Tus(HttpMethod.Head, location));
        await head.ShouldBe(200);
        Assert.Equal("no-store", head.Headers.CacheControl!.ToString());
        return long.Parse(head.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The staged bytes of the upload at <paramref name="location"/> (looked up as the server does: by the id's SHA-256).</summary>
    private async Task<FileInfo> StagedAsync(string location)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        var key = await conn.ExecuteScalarAsync<string>("SELECT staging_key FROM resumable_uploads WHERE id_hash = @hash",
            new { hash = SHA256.HashData(Encoding.UTF8.GetBytes(location.Split('/')[^1])) });
        Assert.NotNull(key);
        return new FileInfo(Path.Combine(api.BlobRoot, ".staging", "resumable", key));
    }

    private static byte[] Jpeg() => File.ReadAllBytes(Library.Fixture("grey.jpg"));

    /// <summary>A JPEG unlike any other (bytes appended after its end), so dedupe never answers it.</summary>
    private static byte[] UniqueJpeg(int extra = 4096) => [.. Jpeg(), .. RandomNumberGenerator.GetBytes(extra)];

    [Fact]
    public async Task Options_advertise_the_protocol_and_each_routes_real_limit()
    {
        var options = await api.NewClient().SendAsync(new HttpRequestMessage(HttpMethod.Options, "/api/v1/uploads"));
        await options.ShouldBe(204);
        Assert.Equal("1.0.0", options.Headers.GetValues("Tus-Version").Single());
        Assert.Equal("creation,creation-with-upload,termination,checksum,expiration", options.Headers.GetValues("Tus-Extension").Single());
        Assert.Equal("sha1,sha256", options.Headers.GetValues("Tus-Checksum-Algorithm").Single());
        Assert.Equal((64L * 1024 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), options.Headers.GetValues("Tus-Max-Size").Single());

        var owner = await api.NewUserAsync();
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Small", maxFileSizeMb = 2 }).Json<JsonElement>(201);
        var key = request.GetProperty("key").GetString()!;
        var limited = await api.NewClient().SendAsync(new HttpRequestMessage(HttpMethod.Options, $"/api/v1/r/{key}/tus"));
        await limited.ShouldBe(204);
        Assert.Equal((2L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), limited.Headers.GetValues("Tus-Max-Size").Single());
        // Over the limit at creation: 413, nothing created.
        await CreateAsync(api.NewClient(), $"/api/v1/r/{key}/tus", 2L * 1024 * 1024 + 1, expect: 413);

        // Another protocol version: 412, saying which one the server speaks.
        var old = new HttpRequestMessage(HttpMethod.Post, "/api/v1/uploads");
        old.Headers.Add("Tus-Resumable", "0.2.2");
        old.Headers.Add("Upload-Length", "10");
        var refused = await owner.Client.SendAsync(old);
        await refused.ShouldBeProblem(412, "upload.protocol_unsupported");
        Assert.Equal("1.0.0", refused.Headers.GetValues("Tus-Version").Single());
    }

    [Fact]
    public async Task A_library_upload_in_chunks_becomes_the_asset_with_the_files_sha256()
    {
        var user = await api.NewUserAsync();
        var file = UniqueJpeg(300_000);
        var location = await CreateAsync(user.Client, "/api/v1/uploads", file.Length,
            Meta(("filename", "chunked.jpg"), ("deviceId", "pixel-8"), ("takenAt", "2024-05-01T10:00:00Z"), ("relativePath", "ignored")));

        var first = await PatchAsync(user.Client, location, file[..100_000], 0);
        await first.ShouldBe(204);
        Assert.Equal("100000", first.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(100_000, await OffsetAsync(user.Client, location));

        // A chunk at the wrong offset: 409, the offset unchanged.
        await (await PatchAsync(user.Client, location, file[..10], 50)).ShouldBeProblem(409, "upload.offset_mismatch");
        // Not the tus media type: 415.
        var wrongType = Tus(HttpMethod.Patch, location, file[100_000..], 100_000);
        wrongType.Content!.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await (await user.Client.SendAsync(wrongType)).ShouldBe(415);

#pragma warning disable CA5350 // tus requires sha1 for Upload-Checksum; it checks transport, not a secret
        var sha1 = Convert.ToBase64String(SHA1.HashData(file.AsSpan(100_000)));
#pragma warning restore CA5350
        var last = await PatchAsync(user.Client, location, file[100_000..], 100_000, $"sha1 {sha1}");
        await last.ShouldBe(204);
        Assert.Equal(file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), last.Headers.GetValues("Upload-Offset").Single());
        var assetId = Guid.Parse(last.Headers.GetValues("Asset-Id").Single());
        Assert.Equal("false", last.Headers.GetValues("Asset-Duplicate").Single());

        var asset = await user.WaitProcessedAsync(assetId);
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(file)), "chunked.jpg", "pixel-8", "ready"),
            (asset.Checksum, asset.OriginalFileName, asset.DeviceId, asset.Status));
        // HEAD after completion still answers what it became.
        var head = await user.Client.SendAsync(Tus(HttpMethod.Head, location));
        await head.ShouldBe(200);
        Assert.Equal(assetId.ToString(), head.Headers.GetValues("Asset-Id").Single());
        Assert.Equal(file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), head.Headers.GetValues("Upload-Offset").Single());
        Assert.False((await StagedAsync(location)).Exists); // its bytes became the asset's

        // The same bytes again, all in the creation request (creation-with-upload): the existing asset, marked duplicate.
        var again = Tus(HttpMethod.Post, "/api/v1/uploads", file);
        again.Headers.Add("Upload-Length", file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var created = await user.Client.SendAsync(again);
        await created.ShouldBe(201);
        Assert.Equal((assetId.ToString(), "true"), (created.Headers.GetValues("Asset-Id").Single(), created.Headers.GetValues("Asset-Duplicate").Single()));
    }

    [Fact]
    public async Task A_checksum_mismatch_is_460_and_keeps_nothing_of_the_chunk()
    {
        var user = await api.NewUserAsync();
        var file = UniqueJpeg();
        var location = await CreateAsync(user.Client, "/api/v1/uploads", file.Length, Meta(("filename", "sum.jpg")));
        await (await PatchAsync(user.Client, location, file[..1000], 0)).ShouldBe(204);
        var wrong = Convert.ToBase64String(SHA256.HashData("not these bytes"u8));
        await (await PatchAsync(user.Client, location, file[1000..], 1000, $"sha256 {wrong}")).ShouldBeProblem(460, "upload.checksum_mismatch");
        Assert.Equal(1000, await OffsetAsync(user.Client, location));
        Assert.Equal(1000, (await StagedAsync(location)).Length);
        await (await PatchAsync(user.Client, location, file[1000..], 1000, "md5 AAAA")).ShouldBeProblem(400, "validation.failed");

        // The right bytes then complete it, and the asset is the file.
        var last = await PatchAsync(user.Client, location, file[1000..], 1000, $"sha256 {Convert.ToBase64String(SHA256.HashData(file.AsSpan(1000)))}");
        await last.ShouldBe(204);
        var asset = await user.WaitProcessedAsync(Guid.Parse(last.Headers.GetValues("Asset-Id").Single()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), asset.Checksum);
    }

    [Fact]
    public async Task Termination_deletes_the_upload_and_its_bytes_and_another_users_url_is_404()
    {
        var user = await api.NewUserAsync();
        var stranger = await api.NewUserAsync();
        var file = UniqueJpeg();
        var location = await CreateAsync(user.Client, "/api/v1/uploads", file.Length);
        await (await PatchAsync(user.Client, location, file[..500], 0)).ShouldBe(204);
        var staged = await StagedAsync(location);
        Assert.Equal(500, staged.Length);

        // One user never reaches another's upload: every method is 404, and nothing changes.
        await (await stranger.Client.SendAsync(Tus(HttpMethod.Head, location))).ShouldBe(404);
        await (await PatchAsync(stranger.Client, location, file[500..], 500)).ShouldBeProblem(404, "resource.not_found");
        await (await stranger.Client.SendAsync(Tus(HttpMethod.Delete, location))).ShouldBeProblem(404, "resource.not_found");
        await (await api.NewClient().SendAsync(Tus(HttpMethod.Head, location))).ShouldBe(401);
        await (await user.Client.SendAsync(Tus(HttpMethod.Head, "/api/v1/uploads/" + new string('A', 43)))).ShouldBe(404);
        Assert.Equal(500, await OffsetAsync(user.Client, location));

        var deleted = await user.Client.SendAsync(Tus(HttpMethod.Delete, location));
        await deleted.ShouldBe(204);
        Assert.Equal("1.0.0", deleted.Headers.GetValues("Tus-Resumable").Single());
        await (await user.Client.SendAsync(Tus(HttpMethod.Head, location))).ShouldBe(404);
        await (await PatchAsync(user.Client, location, file[500..], 500)).ShouldBeProblem(404, "resource.not_found");
        staged.Refresh();
        Assert.False(staged.Exists);
    }

    [Fact]
    public async Task Expired_uploads_are_410_and_the_sweep_deletes_them_with_their_bytes()
    {
        var user = await api.NewUserAsync();
        var file = UniqueJpeg();
        var location = await CreateAsync(user.Client, "/api/v1/uploads", file.Length);
        await (await PatchAsync(user.Client, location, file[..500], 0)).ShouldBe(204);
        await using var db = NpgsqlDataSource.Create(api.ConnectionString);
        await using (var conn = await db.OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE resumable_uploads SET expires_at = now() - interval '1 minute' WHERE owner_id = @id", new { id = user.UserId });

        await (await user.Client.SendAsync(Tus(HttpMethod.Head, location))).ShouldBe(410);
        await (await PatchAsync(user.Client, location, file[500..], 500)).ShouldBeProblem(410, "upload.expired");

        // The worker's recurring sweep: the row and its staged bytes go; the URL is then unknown.
        var staged = await StagedAsync(location);
        Assert.True(staged.Exists);
        await new ResumableUploadSweepJob(db, api.Services.GetRequiredService<IBlobStore>(), NullLogger<ResumableUploadSweepJob>.Instance)
            .SweepAsync(CancellationToken.None);
        staged.Refresh();
        Assert.False(staged.Exists);
        await (await user.Client.SendAsync(Tus(HttpMethod.Head, location))).ShouldBe(404);
    }

    [Fact]
    public async Task The_sweep_deletes_staging_objects_no_upload_names_once_old_and_those_of_completed_uploads_it_deletes()
    {
        var blobs = api.Services.GetRequiredService<IBlobStore>();
        string PathOf(string key) => Path.Combine(api.BlobRoot, ".staging", "resumable", key);
        var longAgo = DateTime.UtcNow - ResumableUploadSweepJob.StagingSafeAge - TimeSpan.FromMinutes(1);
        // A process died between creating a staging object and inserting its row: long ago, and just now.
        var orphan = await blobs.CreateStagedAsync(default);
        File.SetLastWriteTimeUtc(PathOf(orphan), longAgo);
        var young = await blobs.CreateStagedAsync(default);
        // An unfinished upload nobody wrote to for as long: its row names it.
        var user = await api.NewUserAsync();
        var file = UniqueJpeg();
        var location = await CreateAsync(user.Client, "/api/v1/uploads", file.Length, Meta(("filename", "slow.jpg")));
        await (await PatchAsync(user.Client, location, file[..500], 0)).ShouldBe(204);
        var named = await StagedAsync(location);
        File.SetLastWriteTimeUtc(named.FullName, longAgo);
        // A completed upload, now expired, whose staging object's delete was lost.
        var other = UniqueJpeg();
        var done = await CreateAsync(user.Client, "/api/v1/uploads", other.Length, Meta(("filename", "done.jpg")));
        await (await PatchAsync(user.Client, done, other, 0)).ShouldBe(204);
        var lostDelete = await blobs.CreateStagedAsync(default);
        await using var db = NpgsqlDataSource.Create(api.ConnectionString);
        await using (var conn = await db.OpenConnectionAsync())
            Assert.Equal(1, await conn.ExecuteAsync("UPDATE resumable_uploads SET staging_key = @lostDelete, expires_at = now() - interval '1 minute' WHERE id_hash = @hash",
                new { lostDelete, hash = SHA256.HashData(Encoding.UTF8.GetBytes(done.Split('/')[^1])) }));

        await new ResumableUploadSweepJob(db, blobs, NullLogger<ResumableUploadSweepJob>.Instance).SweepAsync(CancellationToken.None);

        Assert.False(File.Exists(PathOf(orphan)));
        Assert.True(File.Exists(PathOf(young)));
        Assert.False(File.Exists(PathOf(lostDelete)));
        await (await user.Client.SendAsync(Tus(HttpMethod.Head, done))).ShouldBe(404);
        named.Refresh();
        Assert.True(named.Exists);
        var last = await PatchAsync(user.Client, location, file[500..], 500); // the unfinished one still completes
        await last.ShouldBe(204);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)),
            (await user.WaitProcessedAsync(Guid.Parse(last.Headers.GetValues("Asset-Id").Single()))).Checksum);
        await blobs.DeleteStagedAsync(young, default);
    }

    [Fact]
    public async Task Unfinished_uploads_are_capped_per_user()
    {
        var user = await api.NewUserAsync();
        for (var i = 0; i < 20; i++) await CreateAsync(user.Client, "/api/v1/uploads", 10);
        var refused = Tus(HttpMethod.Post, "/api/v1/uploads");
        refused.Headers.Add("Upload-Length", "10");
        await (await user.Client.SendAsync(refused)).ShouldBeProblem(429, "upload.unfinished_limit");
    }

    [Fact]
    public async Task A_share_link_turned_off_meanwhile_refuses_the_last_chunk()
    {
        var owner = await api.NewUserAsync();
        var (album, share) = await owner.CreateDropBoxAsync();
        var guest = api.NewClient();
        var file = UniqueJpeg();
        var location = await CreateAsync(guest, $"/api/v1/s/{share.Key}/uploads", file.Length, Meta(("filename", "guest.jpg")));
        await (await PatchAsync(guest, location, file[..1000], 0)).ShouldBe(204);

        // Another link's upload URL, or the library's: not found.
        await (await owner.Client.SendAsync(Tus(HttpMethod.Head, "/api/v1/uploads/" + location.Split('/')[^1]))).ShouldBe(404);

        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { allowUpload = false }).ShouldBe(200);
        await (await PatchAsync(guest, location, file[1000..], 1000)).ShouldBeProblem(403, "share.upload_disabled");
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { allowUpload = true }).ShouldBe(200);
        Assert.Equal(1000, await OffsetAsync(guest, location));
        Assert.Empty(await owner.AlbumAssetIdsAsync(album.Id));

        // Allowed again: the last chunk makes the owner's asset in the album, known to the guest by the link's id for it.
        var last = await PatchAsync(guest, location, file[1000..], 1000);
        await last.ShouldBe(204);
        var added = (await owner.AlbumAssetIdsAsync(album.Id)).Single();
        Assert.NotEqual(added.ToString(), last.Headers.GetValues("Asset-Id").Single());
        var asset = await owner.WaitProcessedAsync(added);
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(file)), "guest.jpg", owner.UserId), (asset.Checksum, asset.OriginalFileName, asset.OwnerId));
    }

    [Fact]
    public async Task A_photo_request_checks_the_request_at_completion_and_takes_photos_and_videos_only()
    {
        var owner = await api.NewUserAsync();
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Party" }).Json<JsonElement>(201);
        var (id, key) = (request.GetProperty("id").GetGuid(), request.GetProperty("key").GetString()!);
        var guest = api.NewClient();
        var file = UniqueJpeg();
        var location = await CreateAsync(guest, $"/api/v1/r/{key}/tus", file.Length, Meta(("filename", "party.jpg")));
        await (await PatchAsync(guest, location, file[..1000], 0)).ShouldBe(204);

        await owner.Client.PatchAsJsonAsync($"/api/v1/photo-requests/{id}", new { enabled = false }).ShouldBe(200);
        await (await PatchAsync(guest, location, file[1000..], 1000)).ShouldBeProblem(410, "request.disabled");
        await owner.Client.PatchAsJsonAsync($"/api/v1/photo-requests/{id}", new { enabled = true }).ShouldBe(200);
        var last = await PatchAsync(guest, location, file[1000..], 1000);
        await last.ShouldBe(204);
        var uploadId = last.Headers.GetValues("Photo-Request-Upload-Id").Single();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string status;
        while ((status = (await guest.GetAsync($"/api/v1/r/{key}/uploads/{uploadId}").Json<JsonElement>()).GetProperty("status").GetString()!) is "pending" or "processing"
               && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal("ready", status);

        // Neither a photo nor a video: refused when it completes, and the upload goes with its bytes.
        var text = Encoding.UTF8.GetBytes("just some text, not a photo at all");
        var notPhoto = await CreateAsync(guest, $"/api/v1/r/{key}/tus", text.Length, Meta(("filename", "notes.txt")));
        var staged = await StagedAsync(notPhoto);
        await (await PatchAsync(guest, notPhoto, text, 0)).ShouldBeProblem(415, "upload.unsupported_type");
        await (await guest.SendAsync(Tus(HttpMethod.Head, notPhoto))).ShouldBe(404);
        staged.Refresh();
        Assert.False(staged.Exists);
    }

    [Fact]
    public async Task An_upload_created_on_one_api_process_is_continued_and_completed_on_another()
    {
        await using var other = new SecondApi(api);
        var user = await api.NewUserAsync();
        var otherClient = other.CreateClient();
        otherClient.DefaultRequestHeaders.Authorization = user.Client.DefaultRequestHeaders.Authorization;
        var file = UniqueJpeg(200_000);
        var location = await CreateAsync(user.Client, "/api/v1/uploads", file.Length, Meta(("filename", "two-nodes.jpg")));
        await (await PatchAsync(user.Client, location, file[..50_000], 0)).ShouldBe(204);
        // The other process knows the offset, takes the next chunk (hashing again what it did not see), and completes it.
        Assert.Equal(50_000, await OffsetAsync(otherClient, location));
        await (await PatchAsync(otherClient, location, file[50_000..150_000], 50_000)).ShouldBe(204);
        // And back: the first process' hash state is stale now, so it reads the staged bytes again.
        var last = await PatchAsync(user.Client, location, file[150_000..], 150_000);
        await last.ShouldBe(204);
        var asset = await user.WaitProcessedAsync(Guid.Parse(last.Headers.GetValues("Asset-Id").Single()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), asset.Checksum);
    }

    /// <summary>A second API process on the same database and blob store as <see cref="ApiFactory"/>.</summary>
    private sealed class SecondApi(ApiFactory first) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:Postgres", first.ConnectionString);
            builder.UseSetting("Blobs:Root", first.BlobRoot);
            builder.UseSetting("ForwardedHeaders:Enabled", "true");
        }
    }
}
