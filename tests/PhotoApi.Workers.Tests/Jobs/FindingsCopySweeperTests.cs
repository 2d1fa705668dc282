using Dapper;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Testing;
using PhotoApi.Workers.Jobs.Sweeper;

namespace PhotoApi.Workers.Tests.Jobs;

/// <summary>The stuck-asset sweeper finds every asset no job will finish, copies included.</summary>
public sealed class FindingsCopySweeperTests
{
    /// <summary>Records what the sweeper enqueues instead of sending it to Hangfire.</summary>
    private sealed class RecordingJobs : IBackgroundJobClient
    {
        public List<Job> Created { get; } = [];

        public string Create(Job job, IState state)
        {
            Created.Add(job);
            return Created.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }

    [Fact]
    public async Task Re_enqueues_assets_left_processing_without_a_claim_and_leaves_fresh_and_finished_ones()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync("sweeper");
        var blobRoot = Path.Combine(Path.GetTempPath(), "photoapi-sweeper-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var db = NpgsqlDataSource.Create(connectionString);
            await new Migrator(db, NullLogger<Migrator>.Instance).MigrateAsync();
            await SweepsAsync(db, blobRoot);
        }
        finally
        {
            await TestDatabase.DropDatabaseAsync(connectionString);
            if (Directory.Exists(blobRoot)) Directory.Delete(blobRoot, recursive: true);
        }
    }

    private static async Task SweepsAsync(NpgsqlDataSource db, string blobRoot)
    {
        await using var conn = await db.OpenConnectionAsync();
        var user = Guid.CreateVersion7();
        await conn.ExecuteAsync("""
            INSERT INTO users (id, username, email, display_name, password_hash, role, status)
            VALUES (@user, 'u', 'u@example.test', 'U', 'x', 'user', 'active')
            """, new { user });
        async Task<Guid> AssetAsync(string status, string createdAgo, string? claimedAgo)
        {
            var id = Guid.CreateVersion7();
            await conn.ExecuteAsync($"""
                INSERT INTO assets (id, owner_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                                    taken_at, taken_at_source, status, processing_since, created_at)
                VALUES (@id, @user, sha256(@id::text::bytea), 'originals/x', 1, 'image', 'image/jpeg', 'a.jpg', now(), 'upload', @status,
                        {(claimedAgo is null ? "NULL" : $"now() - interval '{claimedAgo}'")}, now() - interval '{createdAgo}')
                """, new { id, user, status });
            return id;
        }
        // A copy made while its original was processing, by an API that gave it no job: never claimed.
        var orphanCopy = await AssetAsync("processing", "1 hour", null);
        var pendingCopy = await AssetAsync("pending", "10 minutes", null);
        var crashed = await AssetAsync("processing", "1 hour", "20 minutes");
        var working = await AssetAsync("processing", "1 hour", "1 minute");
        var fresh = await AssetAsync("processing", "10 seconds", null);
        await AssetAsync("ready", "1 hour", null);

        var jobs = new RecordingJobs();
        await new StuckAssetSweeperJob(db, new LocalBlobStore(new LocalBlobStoreOptions { Root = blobRoot }), jobs,
            NullLogger<StuckAssetSweeperJob>.Instance).SweepAsync(CancellationToken.None);

        var enqueued = jobs.Created.Where(j => j.Type == typeof(Contracts.IProcessAssetJob)).Select(j => (Guid)j.Args[0]).ToHashSet();
        Assert.Equal(new HashSet<Guid> { orphanCopy, pendingCopy, crashed }, enqueued);
        Assert.DoesNotContain(working, enqueued);
        Assert.DoesNotContain(fresh, enqueued);
    }
}
