using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Testing;
using PhotoApi.Workers.Jobs.Sweeper;
using PhotoApi.Workers.Tests.Jobs;

namespace PhotoApi.Workers.Tests.Video;

/// <summary>
/// The sweeper finds playback copies no job will finish (lost enqueues, dead runs) and assets that missed a finished
/// copy; the blob collector deletes a video's copy with its original. On a real PostgreSQL and blob folder.
/// </summary>
public sealed class VideoMaintenanceTests : IAsyncLifetime
{
    private string _connectionString = "";
    private NpgsqlDataSource _db = null!;
    private readonly string _blobRoot = Path.Combine(Path.GetTempPath(), "photoapi-video-sweep-" + Guid.NewGuid().ToString("N"));
    private readonly Guid _user = Guid.CreateVersion7();

    public async Task InitializeAsync()
    {
        _connectionString = await TestDatabase.CreateDatabaseAsync("videosweep");
        _db = NpgsqlDataSource.Create(_connectionString);
        await new Migrator(_db, NullLogger<Migrator>.Instance).MigrateAsync();
        await using var conn = await _db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO users (id, username, email, display_name, password_hash, role, status)
            VALUES (@user, 'u', 'u@example.test', 'U', 'x', 'user', 'active')
            """, new { user = _user });
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        await TestDatabase.DropDatabaseAsync(_connectionString);
        if (Directory.Exists(_blobRoot)) Directory.Delete(_blobRoot, recursive: true);
    }

    private async Task<(Guid Id, byte[] Checksum)> VideoAsync(NpgsqlConnection conn, string playback, string updatedAgo, string? claimedAgo,
        string? playbackKey = null)
    {
        var id = Guid.CreateVersion7();
        var checksum = System.Security.Cryptography.SHA256.HashData(id.ToByteArray());
        await conn.ExecuteAsync("""
            INSERT INTO assets (id, owner_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                                taken_at, taken_at_source, status, playback_key)
            VALUES (@id, @user, @checksum, 'originals/x', 1, 'video', 'video/quicktime', 'a.mov', now(), 'upload', 'ready', @playbackKey)
            """, new { id, user = _user, checksum, playbackKey });
        await conn.ExecuteAsync($"""
            INSERT INTO video_playbacks (checksum, status, blob_key, size_bytes, processing_since, updated_at)
            VALUES (@checksum, @playback, CASE WHEN @playback = 'ready' THEN 'playbacks/x.mp4' END, CASE WHEN @playback = 'ready' THEN 1 END,
                    {(claimedAgo is null ? "NULL" : $"now() - interval '{claimedAgo}'")}, now() - interval '{updatedAgo}')
            """, new { checksum, playback });
        return (id, checksum);
    }

    [Fact]
    public async Task The_sweeper_re_enqueues_lost_and_dead_transcodes_once_an_hour_and_gives_missed_copies_to_their_videos()
    {
        await using var conn = await _db.OpenConnectionAsync();
        var lost = await VideoAsync(conn, "pending", "2 hours", null);
        await VideoAsync(conn, "pending", "5 minutes", null);                       // waiting its turn on the video queue
        var dead = await VideoAsync(conn, "processing", "2 hours", "20 minutes");
        await VideoAsync(conn, "processing", "1 minute", "1 minute");      // a live run renews its claim
        var missed = await VideoAsync(conn, "ready", "1 minute", null);              // copied as its copy was committed
        var failed = await VideoAsync(conn, "failed", "2 hours", null);

        var jobs = new RecordingJobs();
        var sweeper = new StuckAssetSweeperJob(_db, new LocalBlobStore(new LocalBlobStoreOptions { Root = _blobRoot }), jobs, NullLogger<StuckAssetSweeperJob>.Instance);
        await sweeper.SweepAsync(CancellationToken.None);

        var transcodes = jobs.Created.Where(j => j.Job.Type == typeof(IVideoPlaybackJob)).ToList();
        Assert.Equal(new HashSet<Guid> { lost.Id, dead.Id }, transcodes.Select(j => (Guid)j.Job.Args[0]).ToHashSet());
        Assert.All(transcodes, j => Assert.Equal(Queues.Video, j.Queue));
        Assert.Equal("playbacks/x.mp4", await conn.ExecuteScalarAsync<string?>("SELECT playback_key FROM assets WHERE id = @id", new { id = missed.Id }));
        Assert.Null(await conn.ExecuteScalarAsync<string?>("SELECT playback_key FROM assets WHERE id = @id", new { id = failed.Id }));

        // Enqueued again, they wait another hour before the next sweep enqueues them again.
        jobs.Created.Clear();
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.DoesNotContain(jobs.Created, j => j.Job.Type == typeof(IVideoPlaybackJob));
    }

    [Fact]
    public async Task The_collector_deletes_a_videos_playback_copy_with_its_original()
    {
        var blobs = new LocalBlobStore(new LocalBlobStoreOptions { Root = _blobRoot });
        await using var conn = await _db.OpenConnectionAsync();
        var (id, checksum) = await VideoAsync(conn, "ready", "1 minute", null);
        var keys = new[] { BlobKeys.Original(checksum), BlobKeys.Thumbnail(checksum), BlobKeys.Preview(checksum), BlobKeys.Playback(checksum) };
        foreach (var key in keys)
        {
            await using var upload = await blobs.BeginUploadAsync(CancellationToken.None);
            await upload.Content.WriteAsync("bytes"u8.ToArray());
            await upload.CommitAsync(key, CancellationToken.None);
        }
        await conn.ExecuteAsync("UPDATE video_playbacks SET blob_key = @key WHERE checksum = @checksum", new { key = BlobKeys.Playback(checksum), checksum });
        await conn.ExecuteAsync("DELETE FROM assets WHERE id = @id", new { id });
        await conn.ExecuteAsync("INSERT INTO orphan_checksums (checksum) VALUES (@checksum) ON CONFLICT DO NOTHING", new { checksum });

        await new BlobCollectorJob(_db, blobs, NullLogger<BlobCollectorJob>.Instance).CollectAsync(CancellationToken.None);

        foreach (var key in keys) Assert.False(await blobs.ExistsAsync(key, CancellationToken.None), key);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM video_playbacks WHERE checksum = @checksum", new { checksum }));
    }
}
