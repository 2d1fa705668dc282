using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;
using PhotoApi.Workers.Jobs.Sweeper;

namespace PhotoApi.Workers.Tests.Jobs;

/// <summary>
/// A long run keeps its claim alive (<see cref="ProcessingClaims.Heartbeat"/>), so neither the sweeper nor another run
/// takes over a photo-request upload whose video is still being cleaned; the sweeper re-enqueues a stuck upload on the
/// queue its media type belongs on (a video's on the video queue, as the API enqueued it). On a real PostgreSQL.
/// </summary>
public sealed class ClaimHeartbeatTests : IAsyncLifetime
{
    private PhotoRequestLibrary _library = null!;
    private NpgsqlDataSource _db = null!;
    private Guid _request;

    public async Task InitializeAsync()
    {
        _library = await PhotoRequestLibrary.CreateAsync("heartbeat");
        (_db, _request) = (_library.Db, _library.Request);
    }

    public async Task DisposeAsync() => await _library.DisposeAsync();

    private async Task<Guid> UploadAsync(string mediaType, string status, string? claimedAgo)
    {
        var id = Guid.CreateVersion7();
        await using var conn = await _db.OpenConnectionAsync();
        await conn.ExecuteAsync($"""
            INSERT INTO photo_request_uploads (id, request_id, status, file_name, media_type, size_bytes, raw_blob_key, attempts,
                                               processing_since, created_at)
            VALUES (@id, @request, @status, 'f', @mediaType, 1, 'request-uploads/x', 1,
                    {(claimedAgo is null ? "NULL" : $"now() - interval '{claimedAgo}'")}, now() - interval '1 hour')
            """, new { id, request = _request, status, mediaType });
        return id;
    }

    private async Task<bool> PresumedDeadAsync(Guid id)
    {
        await using var conn = await _db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(
            $"SELECT {ProcessingClaims.PresumedDead("u")} FROM photo_request_uploads u WHERE id = @id", new { id });
    }

    [Fact]
    public async Task A_claim_kept_by_its_heartbeat_is_not_presumed_dead_and_stops_being_renewed_once_disposed()
    {
        // A run that claimed the upload 20 minutes ago (past StaleAfter) and is still cleaning its video.
        var id = await UploadAsync("video", "processing", "20 minutes");
        Assert.True(await PresumedDeadAsync(id));

        await using (ProcessingClaims.Heartbeat(_db, "photo_request_uploads", "id", id, every: TimeSpan.FromMilliseconds(100)))
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await PresumedDeadAsync(id) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.False(await PresumedDeadAsync(id));

            // Not claimable by another run, and the sweeper does not re-enqueue it.
            await using var conn = await _db.OpenConnectionAsync();
            Assert.False(await conn.ExecuteScalarAsync<bool>(
                $"SELECT {ProcessingClaims.Claimable("u")} FROM photo_request_uploads u WHERE id = @id", new { id, claimJob = "another-job" }));
            var jobs = new RecordingJobs();
            await new StuckAssetSweeperJob(_db, _library.Blobs, jobs, NullLogger<StuckAssetSweeperJob>.Instance)
                .SweepAsync(CancellationToken.None);
            Assert.DoesNotContain(jobs.Created, j => j.Job.Args.Contains(id));
        }

        // Disposed: no more renewals (an old claim time set now stays as it is).
        await using (var conn = await _db.OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE photo_request_uploads SET processing_since = now() - interval '20 minutes' WHERE id = @id", new { id });
        await Task.Delay(400);
        Assert.True(await PresumedDeadAsync(id));
    }

    [Fact]
    public async Task A_heartbeat_does_not_revive_a_row_its_run_no_longer_holds()
    {
        var id = await UploadAsync("video", "failed", null);
        await using (ProcessingClaims.Heartbeat(_db, "photo_request_uploads", "id", id, every: TimeSpan.FromMilliseconds(50)))
            await Task.Delay(300);
        await using var conn = await _db.OpenConnectionAsync();
        Assert.Null(await conn.ExecuteScalarAsync<DateTime?>("SELECT processing_since FROM photo_request_uploads WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task The_sweeper_re_enqueues_a_stuck_video_upload_on_the_video_queue_and_a_photo_on_the_media_queue()
    {
        var video = await UploadAsync("video", "pending", null);
        var photo = await UploadAsync("image", "processing", "20 minutes");
        var jobs = new RecordingJobs();

        await new StuckAssetSweeperJob(_db, _library.Blobs, jobs, NullLogger<StuckAssetSweeperJob>.Instance)
            .SweepAsync(CancellationToken.None);

        var queues = jobs.Created.Where(j => j.Job.Type == typeof(IProcessRequestUploadJob))
            .ToDictionary(j => (Guid)j.Job.Args[0], j => j.Queue);
        Assert.Equal(Queues.Video, queues[video]);
        Assert.Equal(Queues.Media, queues[photo]);
    }

    [Fact]
    public async Task Uploads_recorded_before_videos_were_taken_are_photos()
    {
        await using var conn = await _db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO photo_request_uploads (id, request_id, status, file_name, size_bytes) VALUES (@id, @request, 'pending', 'f', 1)
            """, new { id = Guid.CreateVersion7(), request = _request });
        Assert.Equal("image", await conn.ExecuteScalarAsync<string>("SELECT media_type FROM photo_request_uploads"));
    }
}
