using System.Net.Http.Json;
using Dapper;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Files whose rows are deleted while a backup runs stay until the backup ends — the backup's snapshot may still name
/// them — and go after it: a deleted photo request's waiting guest file, the waiting guest files of a deleted account,
/// an expired export's files. Nothing is deleted at once, nothing is left for ever.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DeferredDeletionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record PhotoRequest(Guid Id, string Key);

    private sealed record Export(Guid Id, string Status);

    private string RawFile(Guid uploadId) => Path.Combine(api.BlobRoot, "request-uploads", uploadId.ToString("N"));

    private string ExportFile(Guid exportId) => Path.Combine(api.BlobRoot, "exports", exportId.ToString("N"), "library.json");

    private async Task<long> QueuedAsync()
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM orphan_blobs");
    }

    /// <summary>A guest sends a file to a new photo request of <paramref name="owner"/>'s and the worker finishes with it;
    /// with a backup running, the guest's raw file stays.</summary>
    private async Task<(PhotoRequest Request, Guid UploadId)> GuestFileAsync(Session owner)
    {
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Photos" }).Json<PhotoRequest>(201);
        var guest = api.NewClient();
        var bytes = (await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"))).Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var sent = await guest.PostAsync($"/api/v1/r/{request.Key}/uploads", PhotoRequestTests.Files((bytes, "a.jpg"))).Json<PhotoRequestTests.Sent>(202);
        var uploadId = sent.Uploads.Single().Id;
        Assert.Equal("ready", (await PhotoRequestTests.WaitAsync(guest, request.Key, uploadId)).Status);
        return (request, uploadId);
    }

    [Fact]
    public async Task Files_of_rows_deleted_during_a_backup_go_after_it_and_not_before()
    {
        var alice = await api.NewUserAsync("deferred-alice");
        var carol = await api.NewUserAsync("deferred-carol");
        await alice.UploadUniqueAsync();
        var export = await alice.Client.PostAsync("/api/v1/users/me/export", null).Json<Export>(202);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await alice.Client.GetAsync($"/api/v1/users/me/exports/{export.Id}").Json<Export>()).Status == "pending")
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("The export was not ready in 60 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(200);
        }
        Assert.True(File.Exists(ExportFile(export.Id)));

        // A backup starts (this session holds its lock, as tools/PhotoApi.Backup does from its snapshot to its last copy).
        // Unpooled, as the tool's: a pooled connection's session (and its lock) would outlive its disposal.
        var backup = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(api.ConnectionString) { Pooling = false }.ConnectionString);
        await backup.OpenAsync();
        await BackupLock.HoldForBackupAsync(backup, CancellationToken.None);
        var queuedBefore = await QueuedAsync();
        Guid aliceUpload, carolUpload;
        try
        {
            // The worker stores the guests' files but leaves their raw bytes while the backup runs.
            (var request, aliceUpload) = await GuestFileAsync(alice);
            (_, carolUpload) = await GuestFileAsync(carol);
            Assert.True(File.Exists(RawFile(aliceUpload)));

            await alice.Client.DeleteAsync($"/api/v1/photo-requests/{request.Id}").ShouldBe(204);
            await api.Admin.Client.SendAsync(Sharing.DeleteWithBody($"/api/v1/admin/users/{carol.UserId}", new { mode = "delete-everything" })).ShouldBe(200);
            await using (var conn = new NpgsqlConnection(api.ConnectionString))
                await conn.ExecuteAsync("UPDATE exports SET expires_at = now() - interval '30 days' WHERE id = @id", new { id = export.Id });
            await api.RunJobAsync<IExportSweepJob>(j => j.SweepAsync(CancellationToken.None));
            await api.RunJobAsync<IBlobCollectorJob>(j => j.CollectAsync(CancellationToken.None));

            Assert.Equal("expired", (await alice.Client.GetAsync($"/api/v1/users/me/exports/{export.Id}").Json<Export>()).Status);
            Assert.True(File.Exists(RawFile(aliceUpload)), "a deleted photo request's guest file went while a backup ran");
            Assert.True(File.Exists(RawFile(carolUpload)), "a deleted account's guest file went while a backup ran");
            Assert.True(File.Exists(ExportFile(export.Id)), "an expired export's file went while a backup ran");
            Assert.Equal(queuedBefore + 4, await QueuedAsync()); // two raw files, library.json and library.csv
        }
        finally
        {
            await BackupLock.ReleaseBackupAsync(backup); // the backup ends, as BackupRun ends it
            await backup.DisposeAsync();
        }

        await api.RunJobAsync<IBlobCollectorJob>(j => j.CollectAsync(CancellationToken.None));
        Assert.False(File.Exists(RawFile(aliceUpload)));
        Assert.False(File.Exists(RawFile(carolUpload)));
        Assert.False(File.Exists(ExportFile(export.Id)));
        Assert.False(File.Exists(Path.ChangeExtension(ExportFile(export.Id), ".csv")));
        Assert.Equal(0, await QueuedAsync());
    }
}
