using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// An upload into a folder that is deleted before its asset is stored answers 404 (like a folder that does not exist) and
/// leaves neither an asset nor its bytes behind. Each race is made deterministic: the upload is held at the point of the
/// race (a lock it waits for, a body stream that waits half sent) until the folder is gone.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsUploadRaceTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Boundary = "race-boundary-7f3a";

    [Fact]
    public async Task An_upload_whose_folder_is_deleted_before_the_asset_is_stored_is_404_and_keeps_no_bytes()
    {
        var user = await api.NewUserAsync("racer");
        var folderId = (await user.Client.PostAsJsonAsync("/api/v1/folders", new { name = "going away" }).Json(201)).GetProperty("id").GetGuid();
        var bytes = RandomNumberGenerator.GetBytes(256 * 1024);
        var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));

        // The per-owner-and-checksum lock the upload takes once the body is in (and the folder checked): held here, so the
        // upload stops between that check and storing the asset; the folder goes meanwhile.
        await using var db = new NpgsqlConnection(api.ConnectionString);
        await db.OpenAsync();
        var key = $"asset:{user.UserId:N}:{hex}";
        await db.ExecuteAsync("SELECT pg_advisory_lock(hashtextextended(@key, 0))", new { key });
        var upload = user.Client.PostAsync("/api/v1/assets", Library.Form(bytes, "race.bin", new Dictionary<string, string> { ["folderId"] = folderId.ToString() }));
        await WaitUntilAsync(upload, () => db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)"));
        await user.Client.DeleteAsync($"/api/v1/folders/{folderId}").ShouldBe(204);
        await db.ExecuteAsync("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", new { key });

        await (await upload).ShouldBeProblem(404, "resource.not_found");
        Assert.Equal(0, (await user.Client.GetAsync("/api/v1/assets").Json()).GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await user.Client.GetAsync("/api/v1/assets?trashed=true").Json()).GetProperty("items").GetArrayLength());
        AssertNoBytes(hex);
    }

    [Fact]
    public async Task A_guest_upload_whose_folder_is_deleted_while_it_streams_is_404_and_keeps_no_bytes()
    {
        var admin = api.Admin.Client;
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        var folderId = (await admin.PostAsJsonAsync("/api/v1/folders", new { name = "Drop box " + Guid.NewGuid().ToString("N")[..6], space = "shared" })
            .Json(201)).GetProperty("id").GetGuid();
        var share = await admin.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "folder", id = folderId }, linkEnabled = true, privacy = "public", allowUpload = true,
        }).Json(201);
        var bytes = RandomNumberGenerator.GetBytes(512 * 1024);
        var content = new HalfThenWait(bytes);

        var upload = api.NewClient().PostAsync($"/api/v1/s/{share.GetProperty("key").GetString()}/assets", content);
        // The link was checked and the first half is being stored: the server is mid-stream.
        await WaitUntilAsync(upload, () => Task.FromResult(api.StagedFiles().Any(f => new FileInfo(f).Length > 0)));
        await admin.DeleteAsync($"/api/v1/folders/{folderId}").ShouldBe(204);
        content.Release();

        await (await upload).ShouldBeProblem(404, "resource.not_found");
        var hex = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var exists = await admin.PostAsJsonAsync("/api/v1/assets/exists", new { checksums = new[] { hex } }).Json();
        Assert.DoesNotContain(hex, exists.GetRawText(), StringComparison.Ordinal);
        AssertNoBytes(hex);
    }

    private static async Task WaitUntilAsync(Task<HttpResponseMessage> upload, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (upload.IsCompleted) Assert.Fail("the upload ended before the folder was deleted: " + await (await upload).Content.ReadAsStringAsync());
            Assert.True(DateTime.UtcNow < deadline, "the upload never reached the point of the race");
            await Task.Delay(20);
        }
    }

    private void AssertNoBytes(string hex)
    {
        Assert.Empty(api.StagedFiles());
        Assert.False(File.Exists(Path.Combine(api.BlobRoot, "originals", hex[..2], hex[2..4], hex)), "the bytes of an upload that made no asset are still stored");
    }

    /// <summary>A multipart body with one file that sends half the file, then waits to be released.</summary>
    private sealed class HalfThenWait : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HalfThenWait(byte[] bytes)
        {
            _bytes = bytes;
            Headers.TryAddWithoutValidation("Content-Type", $"multipart/form-data; boundary={Boundary}");
        }

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var head = $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"race.bin\"\r\n" +
                       "Content-Type: application/octet-stream\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(_bytes.AsMemory(0, _bytes.Length / 2));
            await stream.FlushAsync();
            await _release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await stream.WriteAsync(_bytes.AsMemory(_bytes.Length / 2));
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n"));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
