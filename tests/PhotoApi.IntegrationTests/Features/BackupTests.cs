using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Backup;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Testing;
using PhotoApi.Workers.Jobs.Sweeper;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// The backup drill: a library with two users, albums, a share, a password link with expiry and a photo request with a
/// guest's file; a backup made while uploads run and files are deleted; the database dropped and the blob folder deleted;
/// a restore into empty ones; then the same API answers every user and guest the same, byte for byte.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed partial class BackupTests(ApiFactory api) : IClassFixture<ApiFactory>, IDisposable
{
    private readonly string _target = Path.Combine(Path.GetTempPath(), "photoapi-backup-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_target)) Directory.Delete(_target, recursive: true);
    }

    private sealed record Unlocked(string ShareToken, DateTime ExpiresAt);

    private sealed record PhotoRequest(Guid Id, string Key);

    private sealed record TrashEmptied(int Purged);

    private IConfiguration Config(string? connectionString = null, string? blobRoot = null) =>
        BackupTool.Local(connectionString ?? api.ConnectionString, blobRoot ?? api.BlobRoot);

    // Signed media URLs carry their half-hour window; everything else of an answer must be the same.
    [GeneratedRegex("exp=[0-9]+&sig=[A-Za-z0-9_-]+")]
    private static partial Regex Signature();

    private static async Task<string> AnswerAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        await response.ShouldBe(200);
        return Signature().Replace(await response.Content.ReadAsStringAsync(), "exp=…&sig=…");
    }

    [Fact]
    public async Task A_backup_made_while_uploads_run_restores_into_empty_targets_and_every_user_and_guest_gets_the_same_answers()
    {
        // ---- the library
        var alice = await api.NewUserAsync("alice");
        var bob = await api.NewUserAsync("bob");
        var uploader = await api.NewUserAsync("uploader");
        var photo = (await alice.UploadAsync("exif-orient6.jpg")).Id;
        var inAlbum = await alice.UploadUniqueAsync();
        var linked = await alice.UploadUniqueAsync();
        var doomed = await alice.UploadUniqueAsync();   // deleted for good while the backup runs: still in the backup
        foreach (var id in new[] { photo, inAlbum, linked, doomed }) Assert.Equal("ready", (await alice.WaitProcessedAsync(id)).Status);
        var trip = await alice.CreateAlbumAsync("Trip", photo, inAlbum);
        await alice.ShareAlbumAsync(trip.Id, (bob, "viewer"));
        var publicAlbum = await alice.CreateAlbumAsync("For guests", linked);
        var link = await alice.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = publicAlbum.Id }, linkEnabled = true, privacy = "public", password = "Backup-Pass-7",
            expiresAt = DateTime.UtcNow.AddDays(3), allowDownload = true,
        }).Json<Share>(201);
        var unlocked = await api.NewClient().PostAsJsonAsync($"/api/v1/s/{link.Key}/unlock", new { password = "Backup-Pass-7" }).Json<Unlocked>();
        var guest = api.NewClient();
        guest.DefaultRequestHeaders.Add("X-Share-Token", unlocked.ShareToken);
        var request = await alice.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Party photos" }).Json<PhotoRequest>(201);
        var requestGuest = api.NewClient();
        var sent = await requestGuest.PostAsync($"/api/v1/r/{request.Key}/uploads",
            PhotoRequestTests.Files((await File.ReadAllBytesAsync(Library.Fixture("grey.jpg")), "party.jpg"))).Json<PhotoRequestTests.Sent>(202);
        Assert.Equal("ready", (await PhotoRequestTests.WaitAsync(requestGuest, request.Key, sent.Uploads.Single().Id)).Status);

        // What each of them sees, in an order that changes nothing an earlier answer shows (guests' visits count on the owner's list).
        async Task<Dictionary<string, string>> AnswersAsync() => new()
        {
            ["alice timeline"] = await AnswerAsync(alice.Client, "/api/v1/assets?limit=100"),
            ["alice albums"] = await AnswerAsync(alice.Client, "/api/v1/albums"),
            ["alice trip"] = await AnswerAsync(alice.Client, $"/api/v1/albums/{trip.Id}/assets"),
            ["alice shared with others"] = await AnswerAsync(alice.Client, "/api/v1/sharing/with-others"),
            ["alice request uploads"] = await AnswerAsync(alice.Client, $"/api/v1/photo-requests/{request.Id}/uploads"),
            ["bob shared with me"] = await AnswerAsync(bob.Client, "/api/v1/sharing/with-me"),
            ["bob trip"] = await AnswerAsync(bob.Client, $"/api/v1/albums/{trip.Id}/assets"),
            ["bob timeline"] = await AnswerAsync(bob.Client, "/api/v1/assets?limit=100"),
            ["admin users"] = await AnswerAsync(api.Admin.Client, "/api/v1/admin/users"),
            ["guest link"] = await AnswerAsync(guest, $"/api/v1/s/{link.Key}"),
            ["guest link assets"] = await AnswerAsync(guest, $"/api/v1/s/{link.Key}/assets"),
            ["request guest page"] = await AnswerAsync(requestGuest, $"/api/v1/r/{request.Key}"),
        };
        // Alice's files as she downloads them (originals and thumbnails), to compare byte for byte after the restore.
        var aliceIds = JsonNode.Parse(await AnswerAsync(alice.Client, "/api/v1/assets?limit=100"))!["items"]!.AsArray().Select(a => a!["id"]!.GetValue<Guid>()).ToList();
        Assert.Equal(5, aliceIds.Count); // four uploads and the guest's photo
        var files = new Dictionary<string, byte[]>();
        foreach (var id in aliceIds)
        {
            files[$"/api/v1/assets/{id}/original"] = await alice.Client.GetByteArrayAsync($"/api/v1/assets/{id}/original");
            files[$"/api/v1/assets/{id}/thumbnail?size=preview"] = await alice.Client.GetByteArrayAsync($"/api/v1/assets/{id}/thumbnail?size=preview");
        }
        await using var db = new NpgsqlConnection(api.ConnectionString);
        var doomedKey = await db.ExecuteScalarAsync<string>("SELECT blob_key FROM assets WHERE id = @doomed", new { doomed });

        // ---- uploads keep running through the backup, one after another (so the snapshot holds a prefix of them)
        var uploads = new List<(Guid Id, byte[] Bytes)>();
        var started = 0;
        using var stop = new CancellationTokenSource();
        var grey = await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"));
        var uploading = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested || uploads.Count < 3)
            {
                var bytes = grey.Concat(Guid.NewGuid().ToByteArray()).ToArray();
                Interlocked.Increment(ref started);
                var id = (await uploader.UploadBytesAsync(bytes, $"{Guid.NewGuid():N}.jpg")).Id;
                lock (uploads) uploads.Add((id, bytes));
            }
        });
        while (Volatile.Read(ref started) < 2) await Task.Delay(20);
        int doneBeforeBackup;
        lock (uploads) doneBeforeBackup = uploads.Count;

        Dictionary<string, string> before = [];
        var startedBeforeSnapshotWork = 0;
        Guid afterSnapshot = default;
        var collector = new BlobCollectorJob(api.Services.GetRequiredService<NpgsqlDataSource>(), api.Services.GetRequiredService<IBlobStore>(),
            NullLogger<BlobCollectorJob>.Instance);
        var log = new StringWriter();
        var (manifest, folder) = await new BackupRun(Instance.From(Config()), log)
        {
            // Between the snapshot and the copying of blobs: read what everyone sees, then change things.
            AfterSnapshot = async ct =>
            {
                startedBeforeSnapshotWork = Volatile.Read(ref started);
                before = await AnswersAsync();
                await alice.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { doomed } }, ct).ShouldBe(200);
                Assert.Equal(1, (await alice.Client.PostAsync("/api/v1/trash/empty", null, ct).Json<TrashEmptied>()).Purged);
                await collector.CollectAsync(ct);
                Assert.True(File.Exists(Path.Combine(api.BlobRoot, doomedKey!)), "the blob collector deleted bytes a running backup's snapshot references");
                afterSnapshot = await alice.UploadUniqueAsync();
                await requestGuest.PostAsync($"/api/v1/r/{request.Key}/uploads",
                    PhotoRequestTests.Files((grey.Concat(Guid.NewGuid().ToByteArray()).ToArray(), "late.jpg")), ct).ShouldBe(202);
            },
        }.RunAsync(_target, CancellationToken.None);
        await stop.CancelAsync();
        await uploading;

        // The backup done, the collector deletes what it had to leave.
        await collector.CollectAsync(CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(api.BlobRoot, doomedKey!)));
        Assert.Empty(manifest.Missing);
        Assert.Equal(Migrator.LatestVersion, manifest.SchemaVersion);
        Assert.Equal(manifest.Blobs.Count, manifest.Counts.Blobs);
        Assert.Equal(manifest.Blobs.Count, manifest.Copied.Blobs); // the first backup of the target copies everything
        Assert.Equal(4, manifest.Counts.Users);

        // A second backup copies only what is new since the first.
        var second = await BackupTool.RunAsync(Config(), "backup", _target);
        Assert.True(second.Exit == 0, second.Error);
        var secondManifest = await Manifest.ReadAsync(Directory.GetDirectories(_target).Single(d => d != folder && !d.EndsWith("blobs", StringComparison.Ordinal)) + "/manifest.json", CancellationToken.None);
        var firstKeys = manifest.Blobs.Select(b => b.Key).ToHashSet();
        Assert.Equal(secondManifest.Blobs.Count(b => !firstKeys.Contains(b.Key)), secondManifest.Copied.Blobs);
        Assert.True(secondManifest.Copied.Blobs < secondManifest.Blobs.Count);

        // ---- wipe: the database dropped, the blob folder deleted
        await api.StopWorkerAsync();
        await TestDatabase.DropDatabaseAsync(api.ConnectionString);
        Directory.Delete(api.BlobRoot, recursive: true);

        // A backup newer than this code is refused before anything is touched.
        var newer = folder + "-newer";
        Directory.CreateDirectory(newer);
        File.Copy(Path.Combine(folder, Manifest.DumpFileName), Path.Combine(newer, Manifest.DumpFileName));
        var edited = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, Manifest.FileName)))!;
        edited["schemaVersion"] = Migrator.LatestVersion + 1;
        await File.WriteAllTextAsync(Path.Combine(newer, Manifest.FileName), edited.ToJsonString());
        var refused = await BackupTool.RunAsync(Config(), "restore", newer);
        Assert.Equal((BackupCli.Failed, true), (refused.Exit, refused.Error.Contains("newer than this code's migrations", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(api.BlobRoot) && Directory.EnumerateFiles(api.BlobRoot, "*", SearchOption.AllDirectories).Any());

        // ---- restore
        var restored = await BackupTool.RunAsync(Config(), "restore", folder);
        Assert.True(restored.Exit == 0, restored.Error + restored.Output);
        Assert.Contains($"Restored 4 users, {manifest.Counts.Assets} assets, {manifest.Counts.Blobs} blobs", restored.Output, StringComparison.Ordinal);
        api.Services.GetRequiredService<NpgsqlDataSource>().Clear(); // the API's pooled connections died with the database
        await api.StartWorkerAsync();

        // The same answers for everyone, as of the snapshot.
        var after = await AnswersAsync();
        foreach (var (what, answer) in before) Assert.True(answer == after[what], $"{what} differs after the restore:\nbefore: {answer}\nafter:  {after[what]}");
        foreach (var (url, bytes) in files) Assert.Equal(bytes, await alice.Client.GetByteArrayAsync(url));
        await alice.Client.GetAsync($"/api/v1/assets/{afterSnapshot}").ShouldBeProblem(404, "resource.not_found");
        // The uploads: a prefix of them, at least those done before the backup began, none begun after the snapshot's work.
        var uploaderIds = JsonNode.Parse(await AnswerAsync(uploader.Client, "/api/v1/assets?limit=1000"))!["items"]!.AsArray()
            .Select(a => a!["id"]!.GetValue<Guid>()).ToHashSet();
        var kept = uploads.TakeWhile(u => uploaderIds.Contains(u.Id)).ToList();
        Assert.Equal(uploaderIds.Count, kept.Count);
        Assert.InRange(kept.Count, doneBeforeBackup, startedBeforeSnapshotWork);
        Assert.True(uploads.Count > kept.Count, "no upload committed after the snapshot");
        foreach (var (id, bytes) in kept) Assert.Equal(bytes, await uploader.Client.GetByteArrayAsync($"/api/v1/assets/{id}/original"));
        // The link still opens with its password only, and gives the guest the same bytes.
        await api.NewClient().PostAsJsonAsync($"/api/v1/s/{link.Key}/unlock", new { password = "wrong-one" }).ShouldBeProblem(401, "share.unlock_failed");
        var again = api.NewClient();
        again.DefaultRequestHeaders.Add("X-Share-Token",
            (await again.PostAsJsonAsync($"/api/v1/s/{link.Key}/unlock", new { password = "Backup-Pass-7" }).Json<Unlocked>()).ShareToken);
        var guestAsset = JsonNode.Parse(await AnswerAsync(again, $"/api/v1/s/{link.Key}/assets"))!["items"]![0]!["id"]!.GetValue<Guid>();
        Assert.Equal(files[$"/api/v1/assets/{linked}/original"], await again.GetByteArrayAsync($"/api/v1/s/{link.Key}/assets/{guestAsset}/original"));

        // Restoring again is refused: the database is not empty; so is a store that is not, even with a database that is.
        refused = await BackupTool.RunAsync(Config(), "restore", folder);
        Assert.Equal((BackupCli.Failed, true), (refused.Exit, refused.Error.Contains("is not empty", StringComparison.Ordinal)));
        var otherDb = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = "photoapi_backup_" + Guid.NewGuid().ToString("N")[..12] }.ConnectionString;
        refused = await BackupTool.RunAsync(Config(otherDb), "restore", folder);
        Assert.Equal((BackupCli.Failed, true), (refused.Exit, refused.Error.Contains("blob store", StringComparison.Ordinal) && refused.Error.Contains("is not empty", StringComparison.Ordinal)));
        Assert.False(await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name)",
            new { name = new NpgsqlConnectionStringBuilder(otherDb).Database }));
    }

    [Fact]
    public async Task Every_key_column_of_the_schema_is_backed_up_or_known_to_name_no_blob()
    {
        await using var db = new NpgsqlConnection(api.ConnectionString);
        var columns = (await db.QueryAsync<string>("""
            SELECT table_name || '.' || column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND column_name LIKE '%\_key' ORDER BY 1
            """)).ToList();
        Assert.Equal(columns, BlobInventory.Columns.Concat(BlobInventory.NotBlobs.Keys).Order(StringComparer.Ordinal).ToList());
    }
}

/// <summary>The same tool on the S3 store: blobs read from a bucket prefix into the backup folder, and restored into another, empty one.</summary>
[Collection(ApiCollection.Name)]
public sealed class S3BackupTests(PhotoApi.IntegrationTests.Blobs.S3ApiFactory api) : IClassFixture<PhotoApi.IntegrationTests.Blobs.S3ApiFactory>, IDisposable
{
    private readonly string _target = Path.Combine(Path.GetTempPath(), "photoapi-backup-s3-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_target)) Directory.Delete(_target, recursive: true);
    }

    private static IConfiguration Config(string connectionString, string prefix) => new ConfigurationBuilder()
        .AddInMemoryCollection(PhotoApi.IntegrationTests.Blobs.TestS3.Settings(prefix).Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))
            .Append(KeyValuePair.Create("ConnectionStrings:Postgres", (string?)connectionString)))
        .Build();


    [Fact]
    public async Task A_backup_of_a_bucket_restores_into_an_empty_prefix_byte_for_byte_and_not_into_a_full_one()
    {
        var user = await api.NewUserAsync("s3backup");
        foreach (var id in new[] { await user.UploadUniqueAsync(), await user.UploadUniqueAsync() })
            Assert.Equal("ready", (await user.WaitProcessedAsync(id)).Status);

        var backup = await BackupTool.RunAsync(Config(api.ConnectionString, api.Prefix), "backup", _target);
        Assert.True(backup.Exit == 0, backup.Error);
        var folder = Directory.GetDirectories(_target).Single(d => Path.GetFileName(d) != "blobs");
        var manifest = await Manifest.ReadAsync(Path.Combine(folder, Manifest.FileName), CancellationToken.None);
        Assert.Equal("s3", manifest.Source);
        Assert.Equal(6, manifest.Blobs.Count); // two originals, their thumbnails and previews

        var database = await TestDatabase.CreateDatabaseAsync("restored");
        var prefix = PhotoApi.IntegrationTests.Blobs.TestS3.NewPrefix();
        try
        {
            var restore = await BackupTool.RunAsync(Config(database, prefix), "restore", folder);
            Assert.True(restore.Exit == 0, restore.Error);
            using var store = new S3BlobStore(PhotoApi.IntegrationTests.Blobs.TestS3.Options(prefix));
            foreach (var blob in manifest.Blobs)
            {
                await using var read = await store.OpenReadAsync(blob.Key, CancellationToken.None);
                var bytes = new MemoryStream();
                await read.CopyToAsync(bytes);
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_target, "blobs", blob.Key)), bytes.ToArray());
            }

            // The instance's own prefix holds its blobs: refused, even with an empty database.
            var empty = await TestDatabase.CreateDatabaseAsync("empty");
            var refused = await BackupTool.RunAsync(Config(empty, api.Prefix), "restore", folder);
            await TestDatabase.DropDatabaseAsync(empty);
            Assert.Equal((BackupCli.Failed, true), (refused.Exit, refused.Error.Contains("is not empty", StringComparison.Ordinal)));
        }
        finally
        {
            await TestDatabase.DropDatabaseAsync(database);
        }
    }
}

/// <summary>The backup tool run as the scripts run it (<see cref="BackupCli"/>), what it printed kept for the assertions.</summary>
internal static class BackupTool
{
    /// <summary>The tool's configuration for a database and a local blob folder (what the scripts read from the environment).</summary>
    public static IConfiguration Local(string connectionString, string blobRoot) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Blobs:Root"] = blobRoot,
        })
        .Build();

    public static async Task<(int Exit, string Output, string Error)> RunAsync(IConfiguration config, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await BackupCli.RunAsync(args, config, output, error, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }
}
