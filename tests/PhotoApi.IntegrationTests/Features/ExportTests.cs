using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Library exports (requestExport → the worker → getExport's downloadUrl → one zip): the caller's originals byte for byte
/// at their folders' paths, with library.json and library.csv saying what they are, and nothing of anyone else's.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ExportTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record ExportResponse(Guid Id, string Status, DateTime CreatedAt, DateTime? PreparedAt, DateTime? ExpiresAt, int? AssetCount,
        long? TotalBytes, string? FailureReason, string? DownloadUrl, DateTime? DownloadUrlExpiresAt);

    private sealed record Folder(Guid Id, string Name);

    private static byte[] UniqueJpeg() =>
        File.ReadAllBytes(Library.Fixture("grey.jpg")).Concat(Guid.NewGuid().ToByteArray()).ToArray();

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task<Guid> UploadAsync(Session user, byte[] bytes, string name, Guid? folderId = null) =>
        (await user.UploadBytesAsync(bytes, name, folderId is null ? null : new Dictionary<string, string> { ["folderId"] = folderId.Value.ToString() })).Id;

    private static async Task<Folder> FolderAsync(Session user, string name, Guid? parentId = null) =>
        await user.Client.PostAsJsonAsync("/api/v1/folders", new { name, parentId }).Json<Folder>(201);

    private static async Task<ExportResponse> WaitReadyAsync(Session user, Guid id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var export = await user.Client.GetAsync($"/api/v1/users/me/exports/{id}").Json<ExportResponse>();
            if (export.Status != "pending") return export;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Export {id} still pending after 60 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(200);
        }
    }

    /// <summary>An export row as the worker and the sweep leave them, made <paramref name="ago"/> before
    /// <paramref name="now"/> (the database's now when not given; one given moment makes rows of the same age tie exactly).</summary>
    private async Task<Guid> InsertExportAsync(Session owner, string status, TimeSpan ago, DateTime? now = null)
    {
        var id = Guid.CreateVersion7();
        await ExecuteAsync("""
            INSERT INTO exports (id, owner_id, status, failure_reason, asset_count, total_bytes, created_at, prepared_at, expires_at)
            SELECT @id, @owner, @stored, CASE WHEN @status = 'failed' THEN 'The storage did not answer.' END,
                   CASE WHEN @status <> 'pending' THEN 3 END, CASE WHEN @status <> 'pending' THEN 3000 END, t,
                   CASE WHEN @status NOT IN ('pending', 'failed') THEN t + interval '1 minute' END,
                   CASE WHEN @status = 'ready' THEN now() + interval '1 day'
                        WHEN @status IN ('expired', 'ready-past-expiry') THEN t + interval '1 hour' END
            FROM (SELECT COALESCE(CAST(@now AS timestamptz), now()) - @ago AS t) made
            """, new { id, owner = owner.UserId, status, stored = status == "ready-past-expiry" ? "ready" : status, ago, now });
        return id;
    }

    private static HttpClient ApiKeyClient(ApiFactory api, string key)
    {
        var client = api.NewClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task<string> NewApiKeyAsync(Session user) =>
        (await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "backup" }).Json<JsonElement>(201)).GetProperty("key").GetString()!;

    /// <summary>Every page of the caller's exports, <paramref name="limit"/> at a time, each page but the last full.</summary>
    private static async Task<List<ExportResponse>> WalkExportsAsync(HttpClient client, int limit)
    {
        var all = new List<ExportResponse>();
        string? cursor = null;
        for (var pages = 1; ; pages++)
        {
            Assert.True(pages < 50, "The list of exports does not end.");
            var page = await client.GetAsync($"/api/v1/users/me/exports?limit={limit}" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"))
                .Json<Page<ExportResponse>>();
            all.AddRange(page.Items);
            if (page.NextCursor is null) return all;
            Assert.Equal(limit, page.Items.Count);
            cursor = page.NextCursor;
        }
    }

    private async Task<int> ExecuteAsync(string sql, object args)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        return await conn.ExecuteAsync(sql, args);
    }

    [Fact]
    public async Task An_export_zips_exactly_the_callers_originals_at_their_folders_with_metadata_that_matches_and_no_secrets()
    {
        var user = await api.NewUserAsync("exporter");
        var friend = await api.NewUserAsync("export-friend");
        var stranger = await api.NewUserAsync("export-stranger");
        var trips = await FolderAsync(user, "Trips");
        var year = await FolderAsync(user, "2024", trips.Id);

        var files = new Dictionary<Guid, (byte[] Bytes, string Path)>();
        async Task<Guid> Add(string name, Guid? folder, string path)
        {
            var bytes = UniqueJpeg();
            var id = await UploadAsync(user, bytes, name, folder);
            files[id] = (bytes, path);
            return id;
        }
        var beach = await Add("beach.jpg", year.Id, "Personal Space/Trips/2024/beach.jpg");
        var twin = await Add("beach.jpg", year.Id, "Personal Space/Trips/2024/beach (2).jpg"); // same name, other bytes
        var hill = await Add("hill.jpg", trips.Id, "Personal Space/Trips/hill.jpg");
        var loose = await Add("loose.jpg", null, "Personal Space/loose.jpg");
        var trashed = await UploadAsync(user, UniqueJpeg(), "trashed.jpg"); // the trash is not exported
        // Nor what the user put in Shared Space: it is the Space's, read under its permissions (which an admin may take away).
        var admin = api.Admin.Client;
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        await admin.PutAsJsonAsync("/api/v1/shared-space/access", new
        {
            entries = new[] { new { principalType = "user", principalId = user.UserId, level = "full" } },
        }).ShouldBe(200);
        var team = (await admin.PostAsJsonAsync("/api/v1/folders", new { name = $"Team-{Guid.NewGuid():N}"[..12], space = "shared" }).Json(201))
            .GetProperty("id").GetGuid();
        var sharedBytes = UniqueJpeg();
        var inSharedSpace = await UploadAsync(user, sharedBytes, "team.jpg", team);
        await user.WaitProcessedAsync(inSharedSpace);
        await user.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { trashed } }).ShouldBe(200);
        foreach (var id in files.Keys) await user.WaitProcessedAsync(id);
        await user.Client.PatchAsJsonAsync($"/api/v1/assets/{beach}", new { tags = new[] { "sea", "summer" }, description = "=Sunset, \"golden\"", rating = 4 })
            .ShouldBe(200);

        var album = await user.CreateAlbumAsync("Best of", beach, hill);
        var share = await user.ShareAlbumAsync(album.Id, (friend, "viewer"));
        const string password = "Link-Passw0rd-42";
        var linked = await user.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = true, privacy = "public", password })
            .Json<Share>();
        var strangerBytes = UniqueJpeg();
        await UploadAsync(stranger, strangerBytes, "stranger.jpg");

        var requested = await user.Client.PostAsync("/api/v1/users/me/export", null).Json<ExportResponse>(202);
        Assert.Equal("pending", requested.Status);
        Assert.Null(requested.DownloadUrl);
        Assert.Null(requested.ExpiresAt);
        // Another user's export is as unknown to them as a random id.
        await stranger.Client.GetAsync($"/api/v1/users/me/exports/{requested.Id}").ShouldBeProblem(404, ErrorCodes.NotFound);
        await user.Client.GetAsync($"/api/v1/users/me/exports/{Guid.NewGuid()}").ShouldBeProblem(404, ErrorCodes.NotFound);

        var ready = await WaitReadyAsync(user, requested.Id);
        Assert.Equal("ready", ready.Status);
        Assert.Equal(files.Count, ready.AssetCount);
        Assert.Equal(files.Values.Sum(f => (long)f.Bytes.Length), ready.TotalBytes);
        Assert.InRange(ready.ExpiresAt!.Value, DateTime.UtcNow.AddHours(71), DateTime.UtcNow.AddHours(72.1));
        Assert.Matches("^/api/v1/downloads/archive-links/[A-Za-z0-9_-]{43}$", ready.DownloadUrl!);
        await stranger.Client.GetAsync($"/api/v1/users/me/exports/{requested.Id}").ShouldBeProblem(404, ErrorCodes.NotFound);

        // A plain link: no credentials.
        var response = await api.NewClient().GetAsync(ready.DownloadUrl);
        Assert.Matches("^photoapi-export-\\d{8}-\\d{6}\\.zip$", response.Content.Headers.ContentDisposition?.FileName?.Trim('"') ?? "");
        var zip = (await response.ZipEntriesAsync()).ToDictionary(e => e.Name, e => e.Bytes);
        Assert.Equal(files.Values.Select(f => f.Path).Append("library.json").Append("library.csv").Order(), zip.Keys.Order());
        foreach (var (_, (bytes, path)) in files) Assert.Equal(Sha256(bytes), Sha256(zip[path]));
        Assert.DoesNotContain(Sha256(strangerBytes), zip.Values.Select(Sha256));
        Assert.DoesNotContain(Sha256(sharedBytes), zip.Values.Select(Sha256));

        // Nothing in the zip holds the link's key or password.
        foreach (var (name, bytes) in zip)
        {
            var text = Encoding.UTF8.GetString(bytes);
            Assert.DoesNotContain(linked.Key, text);
            Assert.DoesNotContain(password, text);
        }

        using var json = JsonDocument.Parse(zip["library.json"]);
        var root = json.RootElement;
        Assert.Equal(user.UserId, root.GetProperty("user").GetProperty("id").GetGuid());
        var assets = root.GetProperty("assets").EnumerateArray().ToDictionary(a => a.GetProperty("id").GetGuid());
        Assert.Equal(files.Keys.Order(), assets.Keys.Order());
        foreach (var (id, (bytes, path)) in files)
        {
            Assert.Equal(path, assets[id].GetProperty("path").GetString());
            Assert.Equal(Sha256(bytes), assets[id].GetProperty("checksum").GetString());
            Assert.Equal(bytes.Length, assets[id].GetProperty("sizeBytes").GetInt64());
        }
        Assert.Equal("Trips/2024", assets[beach].GetProperty("folderPath").GetString());
        Assert.Equal("", assets[loose].GetProperty("folderPath").GetString());
        Assert.Equal(["sea", "summer"], assets[beach].GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("=Sunset, \"golden\"", assets[beach].GetProperty("description").GetString());
        Assert.Equal(4, assets[beach].GetProperty("rating").GetInt32());

        var exportedAlbum = root.GetProperty("albums").EnumerateArray().Single(a => a.GetProperty("id").GetGuid() == album.Id);
        Assert.Equal("Best of", exportedAlbum.GetProperty("name").GetString());
        Assert.Equal(new[] { beach, hill }.Order(), exportedAlbum.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("assetId").GetGuid()).Order());

        var exportedShare = root.GetProperty("shares").EnumerateArray().Single();
        Assert.Equal(album.Id, exportedShare.GetProperty("target").GetProperty("albumId").GetGuid());
        var invitee = exportedShare.GetProperty("invitees").EnumerateArray().Single();
        Assert.Equal((friend.UserId, friend.Username, "viewer"),
            (invitee.GetProperty("id").GetGuid(), invitee.GetProperty("name").GetString(), invitee.GetProperty("role").GetString()));
        var link = exportedShare.GetProperty("link");
        Assert.True(link.GetProperty("enabled").GetBoolean());
        Assert.True(link.GetProperty("passwordProtected").GetBoolean());
        Assert.Equal("public", link.GetProperty("privacy").GetString());

        // library.csv: a header and one row per asset, the same main fields (text a spreadsheet would run is defused).
        var lines = Encoding.UTF8.GetString(zip["library.csv"]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,path,fileName,folderPath,", lines[0]);
        Assert.Equal(files.Count + 1, lines.Length);
        var beachRow = lines.Single(l => l.StartsWith(beach.ToString()));
        Assert.Contains(",Personal Space/Trips/2024/beach.jpg,beach.jpg,Trips/2024,personal,", beachRow);
        Assert.Contains("sea;summer", beachRow);
        Assert.Contains("\"'=Sunset, \"\"golden\"\"\"", beachRow);
        Assert.Contains(Sha256(files[beach].Bytes), beachRow);

        // A tampered link answers like an unknown one.
        var url = ready.DownloadUrl!;
        var tampered = url[..^1] + (url[^1] == 'A' ? 'B' : 'A');
        await api.NewClient().GetAsync(tampered).ShouldBeProblem(404, ErrorCodes.DownloadLinkInvalid);

        // An asset deleted after the export was prepared is left out of the zip, and named in missing.csv.
        await user.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { twin } }).ShouldBe(200);
        var again = (await (await api.NewClient().GetAsync(url)).ZipEntriesAsync()).ToDictionary(e => e.Name, e => e.Bytes);
        Assert.DoesNotContain(files[twin].Path, again.Keys);
        Assert.Equal($"id,path\r\n{twin},{files[twin].Path}\r\n", Encoding.UTF8.GetString(again["missing.csv"]));
        Assert.Equal(zip["library.json"], again["library.json"]);
    }

    [Fact]
    public async Task An_expired_export_stops_downloading_and_the_sweep_deletes_its_metadata()
    {
        var user = await api.NewUserAsync("export-expiry");
        await UploadAsync(user, UniqueJpeg(), "a.jpg");
        var requested = await user.Client.PostAsync("/api/v1/users/me/export", null).Json<ExportResponse>(202);
        var ready = await WaitReadyAsync(user, requested.Id);
        await api.NewClient().GetAsync(ready.DownloadUrl).ShouldBe(200);
        var json = Path.Combine(api.BlobRoot, "exports", requested.Id.ToString("N"), "library.json");
        Assert.True(File.Exists(json));

        Assert.Equal(1, await ExecuteAsync("UPDATE exports SET expires_at = now() - interval '1 second' WHERE id = @id", new { id = requested.Id }));
        // The link handed out before, and the caller's own credentials, do not download it any more.
        await api.NewClient().GetAsync(ready.DownloadUrl).ShouldBeProblem(404, ErrorCodes.DownloadLinkInvalid);
        await user.Client.GetAsync(ready.DownloadUrl).ShouldBeProblem(404, ErrorCodes.DownloadLinkInvalid);
        var expired = await user.Client.GetAsync($"/api/v1/users/me/exports/{requested.Id}").Json<ExportResponse>();
        Assert.Equal(("expired", null), (expired.Status, expired.DownloadUrl));

        // The files stay a while for a download that began before the expiry (it reads the list as it streams)…
        await api.RunJobAsync<IExportSweepJob>(j => j.SweepAsync(CancellationToken.None));
        await api.RunJobAsync<IBlobCollectorJob>(j => j.CollectAsync(CancellationToken.None));
        Assert.True(File.Exists(json));
        // …and go once that grace is over too.
        Assert.Equal(1, await ExecuteAsync("UPDATE exports SET expires_at = now() - @grace - interval '1 second' WHERE id = @id",
            new { id = requested.Id, grace = PhotoApi.Workers.Jobs.Export.ExportSweepJob.DownloadGrace }));
        await api.RunJobAsync<IExportSweepJob>(j => j.SweepAsync(CancellationToken.None));
        // The sweep queues them for the blob collector (which never deletes while a backup runs).
        await api.RunJobAsync<IBlobCollectorJob>(j => j.CollectAsync(CancellationToken.None));
        Assert.False(File.Exists(json));
        Assert.False(File.Exists(Path.ChangeExtension(json, ".csv")));
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        Assert.Equal("expired", await conn.ExecuteScalarAsync<string>("SELECT status FROM exports WHERE id = @id", new { id = requested.Id }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM export_assets WHERE export_id = @id", new { id = requested.Id }));
        Assert.Equal("expired", (await user.Client.GetAsync($"/api/v1/users/me/exports/{requested.Id}").Json<ExportResponse>()).Status);
    }

    [Fact]
    public async Task A_second_request_while_one_is_pending_answers_that_one_and_an_api_key_may_ask()
    {
        var user = await api.NewUserAsync("export-twice");
        // An export the worker has not got to yet (no job for it: it stays pending).
        var pending = Guid.CreateVersion7();
        await ExecuteAsync("INSERT INTO exports (id, owner_id) VALUES (@pending, @owner)", new { pending, owner = user.UserId });

        var key = await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "backup" }).Json<JsonElement>(201);
        var integration = api.NewClient();
        integration.DefaultRequestHeaders.Add("X-Api-Key", key.GetProperty("key").GetString());
        foreach (var client in new[] { user.Client, integration })
        {
            var answer = await client.PostAsync("/api/v1/users/me/export", null).Json<ExportResponse>(202);
            Assert.Equal((pending, "pending"), (answer.Id, answer.Status));
        }
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        Assert.Equal(1, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM exports WHERE owner_id = @id", new { id = user.UserId }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE kind = 'account.exported' AND owner_id = @id", new { id = user.UserId }));

        // Once it is no longer pending, a request makes a new export, recorded in the audit trail — through an API key too.
        await ExecuteAsync("UPDATE exports SET status = 'failed', failure_reason = 'test' WHERE id = @pending", new { pending });
        var fresh = await integration.PostAsync("/api/v1/users/me/export", null).Json<ExportResponse>(202);
        Assert.NotEqual(pending, fresh.Id);
        var ready = await WaitReadyAsync(user, fresh.Id);
        Assert.Equal(("ready", 0), (ready.Status, ready.AssetCount));
        var audited = (await conn.QueryAsync<(Guid? ActorId, string TargetType, Guid TargetId)>(
            "SELECT actor_id, target_type, target_id FROM audit_events WHERE kind = 'account.exported' AND owner_id = @id", new { id = user.UserId })).Single();
        Assert.Equal((user.UserId, "export", fresh.Id), (audited.ActorId!.Value, audited.TargetType, audited.TargetId));

        // A disabled account's export does not download.
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status = "disabled" }).ShouldBe(200);
        await api.NewClient().GetAsync(ready.DownloadUrl).ShouldBeProblem(404, ErrorCodes.DownloadLinkInvalid);
    }

    [Fact]
    public async Task The_list_is_the_callers_exports_newest_first_page_by_page_never_another_users()
    {
        var user = await api.NewUserAsync("export-list");
        var other = await api.NewUserAsync("export-list-other");
        // The user's history, and the other user's exports made in between. Two of the user's were made in the same
        // instant: the id decides between them, and a page ends between the two.
        var hours = TimeSpan.FromHours(1);
        var made = new List<(Guid Id, TimeSpan Ago, string Status)>();
        var now = DateTime.UtcNow;
        async Task Made(string status, TimeSpan ago) => made.Add((await InsertExportAsync(user, status, ago, now), ago, status == "ready-past-expiry" ? "expired" : status));
        await Made("failed", 60 * hours); // younger than the expiry, which the sweep deletes failed exports after
        await Made("expired", 48 * hours);
        await Made("failed", 48 * hours);
        await Made("ready-past-expiry", 24 * hours);
        await Made("ready", 2 * hours);
        await Made("pending", TimeSpan.Zero);
        var others = new List<Guid>
        {
            await InsertExportAsync(other, "expired", 60 * hours), await InsertExportAsync(other, "ready", 30 * hours),
            await InsertExportAsync(other, "pending", 1 * hours),
        };
        var newestFirst = made.OrderBy(m => m.Ago).ThenByDescending(m => m.Id.ToString(), StringComparer.Ordinal).ToList();

        var walked = await WalkExportsAsync(user.Client, limit: 2);
        Assert.Equal(newestFirst.Select(m => (m.Id, m.Status)), walked.Select(e => (e.Id, e.Status)));
        // Each item is what getExport answers, without a download link (a list makes none); the failed ones with their reason.
        Assert.All(walked, e => Assert.Equal((null, null), (e.DownloadUrl, e.DownloadUrlExpiresAt)));
        var ready = await user.Client.GetAsync($"/api/v1/users/me/exports/{walked.Single(e => e.Status == "ready").Id}").Json<ExportResponse>();
        Assert.Matches("^/api/v1/downloads/archive-links/[A-Za-z0-9_-]{43}$", ready.DownloadUrl!);
        Assert.Equal(ready with { DownloadUrl = null, DownloadUrlExpiresAt = null }, walked.Single(e => e.Status == "ready"));
        Assert.All(walked.Where(e => e.Status == "failed"), e => Assert.Equal("The storage did not answer.", e.FailureReason));
        var single = await user.Client.GetAsync($"/api/v1/users/me/exports/{made[0].Id}").Json<ExportResponse>();
        Assert.Equal(single, walked.Single(e => e.Id == made[0].Id));

        // ?limit=1 is the newest: what the account page shows after a reload.
        var newest = await user.Client.GetAsync("/api/v1/users/me/exports?limit=1").Json<Page<ExportResponse>>();
        Assert.Equal(newestFirst[0].Id, Assert.Single(newest.Items).Id);
        Assert.NotNull(newest.NextCursor);

        // The other user sees their own and nothing of the user's, and an API key lists its user's exports.
        Assert.Equal(Enumerable.Reverse(others), (await WalkExportsAsync(other.Client, limit: 100)).Select(e => e.Id));
        var viaKey = await WalkExportsAsync(ApiKeyClient(api, await NewApiKeyAsync(other)), limit: 1);
        Assert.Equal(Enumerable.Reverse(others), viaKey.Select(e => e.Id));
        var fresh = await api.NewUserAsync("export-list-none");
        Assert.Empty((await fresh.Client.GetAsync("/api/v1/users/me/exports").Json<Page<ExportResponse>>()).Items);

        await user.Client.GetAsync("/api/v1/users/me/exports?cursor=not-a-cursor").ShouldBeProblem(400, ErrorCodes.ValidationFailed);
        await user.Client.GetAsync("/api/v1/users/me/exports?limit=0").ShouldBeProblem(400, ErrorCodes.ValidationFailed);
        await api.NewClient().GetAsync("/api/v1/users/me/exports").ShouldBeProblem(401, ErrorCodes.Unauthenticated);
    }

    [Fact]
    public async Task A_ready_export_listed_to_an_api_key_downloads_the_library_from_the_link_getExport_gives()
    {
        var user = await api.NewUserAsync("export-list-ready");
        var bytes = UniqueJpeg();
        await user.WaitProcessedAsync(await UploadAsync(user, bytes, "pier.jpg"));
        var requested = await user.Client.PostAsync("/api/v1/users/me/export", null).Json<ExportResponse>(202);
        Assert.Equal("ready", (await WaitReadyAsync(user, requested.Id)).Status);

        var integration = ApiKeyClient(api, await NewApiKeyAsync(user));
        var listed = Assert.Single((await integration.GetAsync("/api/v1/users/me/exports").Json<Page<ExportResponse>>()).Items);
        Assert.Equal((requested.Id, "ready", 1, null), (listed.Id, listed.Status, listed.AssetCount, listed.DownloadUrl));
        var link = (await integration.GetAsync($"/api/v1/users/me/exports/{listed.Id}").Json<ExportResponse>()).DownloadUrl;
        var zip = (await (await api.NewClient().GetAsync(link)).ZipEntriesAsync()).ToDictionary(e => e.Name, e => e.Bytes);
        Assert.Equal(Sha256(bytes), Sha256(zip["Personal Space/pier.jpg"]));
        Assert.Contains("library.json", zip.Keys);
    }
}
