using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Testing;
using PhotoApi.Workers.Imaging;
using PhotoApi.Workers.Jobs;
using PhotoApi.Workers.Jobs.CleanOriginal;
using PhotoApi.Workers.Jobs.Playback;
using PhotoApi.Workers.Jobs.RequestUploads;
using PhotoApi.Workers.Video;

namespace PhotoApi.Workers.Tests.Jobs;

/// <summary>
/// A worker killed (<c>kill -9</c>) after its run claimed a row leaves it <c>processing</c> under a fresh claim; Hangfire
/// then runs the same job again, and that run takes the claim back at once (the row records the job that claimed it)
/// instead of leaving the row stuck until the claim is presumed dead 15 minutes later. Runs of other jobs, and runs
/// outside Hangfire, still leave a live-looking claim alone. Each row is set up as the killed run left it; real
/// PostgreSQL, blob folder, libvips and ffmpeg.
/// </summary>
public sealed class ClaimJobTests : IAsyncLifetime
{
    private const string KilledJob = "17";
    private const string OtherJob = "18";

    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "images");

    private PhotoRequestLibrary _library = null!;
    private NpgsqlDataSource _db = null!;
    private LocalBlobStore _blobs = null!;
    private Guid _user, _request;
    private readonly VipsImageProcessor _images = new(Options.Create(new ImagingOptions()));
    private readonly FfmpegRunner _ffmpeg = new(Options.Create(new VideoOptions()));

    public async Task InitializeAsync()
    {
        _library = await PhotoRequestLibrary.CreateAsync("claimjob");
        (_db, _blobs, _user, _request) = (_library.Db, _library.Blobs, _library.User, _library.Request);
    }

    public async Task DisposeAsync() => await _library.DisposeAsync();

    private sealed record Claim(string Status, int Attempts, string? ClaimJob, DateTime? ProcessingSince);

    private async Task<Claim> ClaimOfAsync(string table, string keyColumn, object key)
    {
        await using var conn = await _db.OpenConnectionAsync();
        return await conn.QuerySingleAsync<Claim>(
            $"SELECT status, attempts, claim_job, processing_since FROM {table} WHERE {keyColumn} = @key", new { key });
    }

    /// <summary>Runs <paramref name="run"/> as a run of Hangfire job <paramref name="job"/>, or outside Hangfire (null).</summary>
    private static async Task AsAsync(string? job, Func<Task> run)
    {
        if (job is null)
        {
            await run();
            return;
        }
        using (CurrentJob.As(job)) await run();
    }

    private ProcessRequestUploadJob RequestUploadJob() =>
        new(_db, _blobs, _images, new VideoCleaner(_ffmpeg, new VideoProbe(_ffmpeg)), new RecordingJobs(), NullLogger<ProcessRequestUploadJob>.Instance);

    /// <summary>A guest's photo, its bytes stored, its upload claimed a minute ago by job <see cref="KilledJob"/> (whose worker died).</summary>
    private async Task<(Guid Id, string RawKey)> UploadClaimedByKilledRunAsync(int attempts)
    {
        var id = Guid.CreateVersion7();
        var rawKey = $"request-uploads/{id:N}";
        await _blobs.StoreFileAsync(Path.Combine(Fixtures, "grey.jpg"), rawKey, CancellationToken.None);
        await using var conn = await _db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO photo_request_uploads (id, request_id, status, file_name, media_type, size_bytes, raw_blob_key, attempts,
                                               processing_since, claim_job)
            VALUES (@id, @request, 'processing', 'party.jpg', 'image', 1, @rawKey, @attempts, now() - interval '1 minute', @job)
            """, new { id, request = _request, rawKey, attempts, job = KilledJob });
        return (id, rawKey);
    }

    [Fact]
    public async Task A_request_upload_left_claimed_by_a_killed_run_is_finished_by_the_rerun_of_its_job_and_left_alone_by_any_other_run()
    {
        var (id, rawKey) = await UploadClaimedByKilledRunAsync(attempts: 1);
        var left = await ClaimOfAsync("photo_request_uploads", "id", id);

        foreach (var other in new[] { OtherJob, null })
        {
            await AsAsync(other, () => RequestUploadJob().ProcessAsync(id, CancellationToken.None));
            Assert.Equal(left, await ClaimOfAsync("photo_request_uploads", "id", id));
            Assert.True(await _blobs.ExistsAsync(rawKey, CancellationToken.None));
        }

        await AsAsync(KilledJob, () => RequestUploadJob().ProcessAsync(id, CancellationToken.None));

        // Ready, as the owner sees it: a clean asset of theirs from the request; the guest's bytes gone; the rerun counted.
        Assert.Equal(new Claim("ready", 2, null, null), await ClaimOfAsync("photo_request_uploads", "id", id));
        await using var conn = await _db.OpenConnectionAsync();
        var asset = await conn.QuerySingleAsync<(Guid Owner, Guid? Request, string Status, string Name)>("""
            SELECT a.owner_id, a.photo_request_id, a.status, a.original_file_name
            FROM photo_request_uploads u JOIN assets a ON a.id = u.asset_id WHERE u.id = @id
            """, new { id });
        Assert.Equal((_user, (Guid?)_request, "ready", "party.jpg"), asset);
        Assert.False(await _blobs.ExistsAsync(rawKey, CancellationToken.None));
    }

    [Fact]
    public async Task A_rerun_of_the_same_job_counts_as_an_attempt_so_an_upload_that_keeps_killing_its_worker_ends_failed()
    {
        var (id, rawKey) = await UploadClaimedByKilledRunAsync(attempts: ProcessRequestUploadJob.MaxAttempts);

        await AsAsync(KilledJob, () => RequestUploadJob().ProcessAsync(id, CancellationToken.None));

        Assert.Equal(new Claim("failed", ProcessRequestUploadJob.MaxAttempts + 1, null, null), await ClaimOfAsync("photo_request_uploads", "id", id));
        await using var conn = await _db.OpenConnectionAsync();
        Assert.Equal("Processing kept failing; the file was discarded.",
            await conn.ExecuteScalarAsync<string>("SELECT failure_reason FROM photo_request_uploads WHERE id = @id", new { id }));
        Assert.False(await _blobs.ExistsAsync(rawKey, CancellationToken.None));
    }

    /// <summary>An asset of <paramref name="file"/>'s bytes (stored as its original) whose copy in <paramref name="table"/> a killed run claimed.</summary>
    private async Task<(Guid Id, byte[] Checksum)> AssetWithCopyClaimedByKilledRunAsync(string file, string mediaType, string contentType, string table)
    {
        var id = Guid.CreateVersion7();
        var checksum = SHA256.HashData(await File.ReadAllBytesAsync(file));
        await _blobs.StoreFileAsync(file, BlobKeys.Original(checksum), CancellationToken.None);
        await using var conn = await _db.OpenConnectionAsync();
        await conn.ExecuteAsync($"""
            INSERT INTO assets (id, owner_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                                taken_at, taken_at_source, status)
            VALUES (@id, @user, @checksum, @key, 1, @mediaType, @contentType, 'a', now(), 'upload', 'ready');
            INSERT INTO {table} (checksum, status, attempts, processing_since, claim_job)
            VALUES (@checksum, 'processing', 1, now() - interval '1 minute', @job);
            """, new { id, user = _user, checksum, key = BlobKeys.Original(checksum), mediaType, contentType, job = KilledJob });
        return (id, checksum);
    }

    [Fact]
    public async Task A_clean_copy_left_claimed_by_a_killed_run_is_made_by_the_rerun_of_its_job_and_left_alone_by_any_other_run()
    {
        var (id, checksum) = await AssetWithCopyClaimedByKilledRunAsync(Path.Combine(Fixtures, "grey.jpg"), "image", "image/jpeg", "clean_originals");
        var job = () => new CleanOriginalJob(_db, _blobs, _images, new VideoCleaner(_ffmpeg, new VideoProbe(_ffmpeg)), NullLogger<CleanOriginalJob>.Instance)
            .CleanAsync(id, CancellationToken.None);
        var left = await ClaimOfAsync("clean_originals", "checksum", checksum);

        foreach (var other in new[] { OtherJob, null })
        {
            await AsAsync(other, job);
            Assert.Equal(left, await ClaimOfAsync("clean_originals", "checksum", checksum));
        }
        Assert.False(await _blobs.ExistsAsync(CleanOriginalJob.Key(checksum), CancellationToken.None));

        await AsAsync(KilledJob, job);

        Assert.Equal(new Claim("ready", 2, null, null), await ClaimOfAsync("clean_originals", "checksum", checksum));
        await using var conn = await _db.OpenConnectionAsync();
        var (key, cleanChecksum) = await conn.QuerySingleAsync<(string, byte[])>(
            "SELECT blob_key, clean_checksum FROM clean_originals WHERE checksum = @checksum", new { checksum });
        Assert.Equal(CleanOriginalJob.Key(checksum), key);
        await using var stored = await _blobs.OpenReadAsync(key, CancellationToken.None);
        Assert.Equal(cleanChecksum, await SHA256.HashDataAsync(stored));
    }

    [Fact]
    public async Task A_playback_copy_left_claimed_by_a_killed_run_is_made_by_the_rerun_of_its_job_and_left_alone_by_any_other_run()
    {
        var (id, checksum) = await AssetWithCopyClaimedByKilledRunAsync(VideoFixtures.H264Mp4("claimjob"), "video", "video/mp4", "video_playbacks");
        var job = () => new VideoPlaybackJob(_db, _blobs, new VideoProbe(_ffmpeg), new PlaybackTranscoder(_ffmpeg), NullLogger<VideoPlaybackJob>.Instance)
            .TranscodeAsync(id, CancellationToken.None);
        var left = await ClaimOfAsync("video_playbacks", "checksum", checksum);

        foreach (var other in new[] { OtherJob, null })
        {
            await AsAsync(other, job);
            Assert.Equal(left, await ClaimOfAsync("video_playbacks", "checksum", checksum));
        }

        await AsAsync(KilledJob, job);

        Assert.Equal(new Claim("ready", 2, null, null), await ClaimOfAsync("video_playbacks", "checksum", checksum));
        await using var conn = await _db.OpenConnectionAsync();
        Assert.Equal(BlobKeys.Playback(checksum), await conn.ExecuteScalarAsync<string?>("SELECT playback_key FROM assets WHERE id = @id", new { id }));
        Assert.True(await _blobs.ExistsAsync(BlobKeys.Playback(checksum), CancellationToken.None));
    }
}
