using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Testing;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Videos end to end through the API with the in-process worker, on real files made by ffmpeg
/// (<see cref="VideoFixtures"/>): what the library shows of them, their posters, where they play from (the original or
/// the video queue's copy), who may play them (users who may view; link guests where downloads are allowed), copies and
/// duplicate uploads, and hostile files.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class VideoTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static async Task<Guid> UploadAsync(Session session, string path, string? name = null) =>
        (await session.UploadBytesAsync(await File.ReadAllBytesAsync(path), name ?? Path.GetFileName(path))).Id;

    private static async Task<JsonElement> ReadyAsync(Session session, Guid id)
    {
        var asset = await session.WaitProcessedAsync(id);
        Assert.True(asset.Status == "ready", $"{asset.Status}: {asset.FailureReason}");
        return await session.Client.GetAsync($"/api/v1/assets/{id}").Json();
    }

    /// <summary>Polls getAsset until <c>urls.playback</c> is set (the video queue's copy is made).</summary>
    private static async Task<JsonElement> PlayableAsync(Session session, Guid id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var asset = await session.Client.GetAsync($"/api/v1/assets/{id}").Json();
            if (asset.GetProperty("urls").GetProperty("playback").ValueKind == JsonValueKind.String) return asset;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Asset {id} has no playback after 90 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(300);
        }
    }

    private static string? Url(JsonElement asset, string name) => asset.GetProperty("urls").GetProperty(name).GetString();

    private static HttpRequestMessage Ranged(string url, long from, long to)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Range = new RangeHeaderValue(from, to);
        return request;
    }

    /// <summary>ffprobe's view of bytes served: codec names of the streams, and the top-level boxes.</summary>
    private static (string[] Codecs, List<string> Boxes) Inspect(byte[] mp4)
    {
        var file = Path.Combine(Path.GetTempPath(), $"photoapi-served-{Guid.NewGuid():N}.mp4");
        File.WriteAllBytes(file, mp4);
        try
        {
            using var probe = VideoFixtures.Probe(file);
            return (probe.RootElement.GetProperty("streams").EnumerateArray().Select(s => s.GetProperty("codec_name").GetString()!).ToArray(),
                VideoFixtures.TopLevelBoxes(mp4));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public async Task An_h264_mp4_is_read_given_a_poster_and_plays_from_its_original_with_range()
    {
        var user = await api.NewUserAsync();
        var path = VideoFixtures.H264Mp4("api");
        var asset = await ReadyAsync(user, await UploadAsync(user, path, "clip.mp4"));

        Assert.Equal(("video", "h264", "aac", 640, 360), (asset.GetProperty("mediaType").GetString(), asset.GetProperty("videoCodec").GetString(),
            asset.GetProperty("audioCodec").GetString(), asset.GetProperty("width").GetInt32(), asset.GetProperty("height").GetInt32()));
        Assert.Equal(3.0, asset.GetProperty("durationSeconds").GetDouble(), 1);
        Assert.Equal(VideoFixtures.H264TakenAt, asset.GetProperty("takenAt").GetDateTime().ToUniversalTime());
        Assert.Equal(VideoFixtures.H264Latitude, asset.GetProperty("latitude").GetDouble(), 4);
        Assert.Equal(VideoFixtures.H264Longitude, asset.GetProperty("longitude").GetDouble(), 4);

        var anonymous = api.NewClient();   // signed URLs, as a <video src> / <img src> on another origin uses them
        var thumbnail = await anonymous.GetAsync(Url(asset, "thumbnail"));
        await thumbnail.ShouldBe(200);
        Assert.Equal("image/webp", thumbnail.Content.Headers.ContentType?.MediaType);
        var preview = await anonymous.GetAsync(Url(asset, "preview"));
        await preview.ShouldBe(200);
        Assert.Equal("image/jpeg", preview.Content.Headers.ContentType?.MediaType);

        // Plays from the original at once: a browser plays it as it is.
        var original = await File.ReadAllBytesAsync(path);
        var ranged = await anonymous.SendAsync(Ranged(Url(asset, "playback")!, 100, 1099));
        await ranged.ShouldBe(206);
        Assert.Equal("video/mp4", ranged.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"bytes 100-1099/{original.Length}", ranged.Content.Headers.ContentRange?.ToString());
        Assert.Equal(original[100..1100], await ranged.Content.ReadAsByteArrayAsync());
        Assert.NotEqual("attachment", ranged.Content.Headers.ContentDisposition?.DispositionType);
        var whole = await user.Client.GetAsync($"/api/v1/assets/{asset.GetProperty("id").GetGuid()}/playback");
        await whole.ShouldBe(200);
        Assert.Equal(original, await whole.Content.ReadAsByteArrayAsync());
        var again = new HttpRequestMessage(HttpMethod.Get, Url(asset, "playback"));
        again.Headers.IfNoneMatch.Add(whole.Headers.ETag!);
        await (await anonymous.SendAsync(again)).ShouldBe(304);
    }

    [Theory]
    [InlineData("hevc")]
    [InlineData("vp9")]
    public async Task A_video_browsers_cannot_play_gets_an_h264_copy_from_the_video_queue(string kind)
    {
        var user = await api.NewUserAsync();
        var path = kind == "hevc" ? VideoFixtures.HevcMov("api") : VideoFixtures.Vp9Webm("api");
        var id = await UploadAsync(user, path);
        var asset = await ReadyAsync(user, id);
        if (kind == "hevc")
        {
            Assert.Equal(("hevc", "aac", 360, 640, "Apple", "iPhone 15 Pro"), (asset.GetProperty("videoCodec").GetString(),
                asset.GetProperty("audioCodec").GetString(), asset.GetProperty("width").GetInt32(), asset.GetProperty("height").GetInt32(),
                asset.GetProperty("cameraMake").GetString(), asset.GetProperty("cameraModel").GetString()));
            Assert.Equal(DateTime.SpecifyKind(VideoFixtures.HevcTakenAt, DateTimeKind.Utc), asset.GetProperty("takenAt").GetDateTime().ToUniversalTime());
            Assert.Equal(VideoFixtures.HevcLatitude, asset.GetProperty("latitude").GetDouble(), 4);
        }
        else Assert.Equal(("vp9", "opus"), (asset.GetProperty("videoCodec").GetString(), asset.GetProperty("audioCodec").GetString()));
        Assert.Equal(3.0, asset.GetProperty("durationSeconds").GetDouble(), 1);
        // Until the copy is made there is nothing to play (409, not 404: ask again).
        if (Url(asset, "playback") is null)
        {
            var early = await user.Client.GetAsync($"/api/v1/assets/{id}/playback");
            if (early.StatusCode != System.Net.HttpStatusCode.OK) await early.ShouldBeProblem(409, "asset.not_ready");
        }

        asset = await PlayableAsync(user, id);
        var copy = await api.NewClient().GetAsync(Url(asset, "playback"));
        await copy.ShouldBe(200);
        Assert.Equal("video/mp4", copy.Content.Headers.ContentType?.MediaType);
        var bytes = await copy.Content.ReadAsByteArrayAsync();
        var (codecs, boxes) = Inspect(bytes);
        Assert.Equal(["h264", "aac"], codecs);
        Assert.True(boxes.IndexOf("moov") < boxes.IndexOf("mdat"), string.Join(",", boxes));
        var ranged = await user.Client.SendAsync(Ranged($"/api/v1/assets/{id}/playback", 10, 19));
        await ranged.ShouldBe(206);
        Assert.Equal(bytes[10..20], await ranged.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_viewer_of_a_shared_album_plays_a_video_whose_original_they_may_not_download()
    {
        var owner = await api.NewUserAsync("owner");
        var viewer = await api.NewUserAsync("viewer");
        var id = await UploadAsync(owner, VideoFixtures.H264Mp4("viewer"));
        await ReadyAsync(owner, id);
        var album = await owner.CreateAlbumAsync("Clips", id);
        await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"));

        var seen = await viewer.Client.GetAsync($"/api/v1/assets/{id}").Json();
        Assert.Null(Url(seen, "original"));
        Assert.NotNull(Url(seen, "playback"));
        // What they play is the original's copy without metadata, never the original: VideoViewerPlaybackTests.
        await viewer.Client.GetAsync($"/api/v1/assets/{id}/original").ShouldBeProblem(403, "share.role_insufficient");
        var stranger = await api.NewUserAsync("stranger");
        await stranger.Client.GetAsync($"/api/v1/assets/{id}/playback").ShouldBeProblem(404, "resource.not_found");
        // A photo has nothing to play.
        var photo = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(photo);
        await owner.Client.GetAsync($"/api/v1/assets/{photo}/playback").ShouldBeProblem(404, "asset.no_derivative");
    }

    private sealed record GuestUrls(string? Thumbnail, string? Preview, string? Original, string? Playback);
    private sealed record GuestAsset(Guid Id, string MediaType, int? Width, int? Height, double? DurationSeconds, GuestUrls Urls);

    [Fact]
    public async Task Link_guests_play_videos_only_where_the_link_allows_downloads()
    {
        var owner = await api.NewUserAsync("linker");
        var h264Path = VideoFixtures.H264Mp4("link");
        var h264 = await UploadAsync(owner, h264Path);
        var hevc = await UploadAsync(owner, VideoFixtures.HevcMov("link"));
        await ReadyAsync(owner, h264);
        await PlayableAsync(owner, hevc);
        var album = await owner.CreateAlbumAsync("Clips", h264, hevc);
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public", showMetadata = true, allowDownload = false,
        }).Json<Share>(201);
        var guest = api.NewClient();
        async Task<(GuestAsset H264, GuestAsset Hevc)> ListAsync()
        {
            var items = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<GuestAsset>>()).Items;
            return (items.Single(a => a.Width == 640), items.Single(a => a.Width == 360));
        }

        var (a, b) = await ListAsync();
        Assert.Equal(3.0, a.DurationSeconds!.Value, 1);
        Assert.Equal(((string?)null, (string?)null), (a.Urls.Playback, b.Urls.Playback));
        Assert.NotNull(b.Urls.Thumbnail);   // posters are shown whatever the link allows
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{b.Id}/thumbnail").ShouldBe(200);
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{b.Id}/playback").ShouldBeProblem(403, "share.download_disabled");

        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { allowDownload = true }).ShouldBe(200);
        (a, b) = await ListAsync();
        var played = await guest.SendAsync(Ranged(a.Urls.Playback!, 0, 99));
        await played.ShouldBe(206);
        Assert.Equal((await File.ReadAllBytesAsync(h264Path))[..100], await played.Content.ReadAsByteArrayAsync());
        var copy = await guest.GetAsync(b.Urls.Playback);
        await copy.ShouldBe(200);
        Assert.Equal(["h264", "aac"], Inspect(await copy.Content.ReadAsByteArrayAsync()).Codecs);

        // Hiding metadata: the transcoded copy has none and still plays; a video playing from its original plays the
        // original's copy without metadata instead (the video cleaner's; 409 with Retry-After until it is made).
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { showMetadata = false }).ShouldBe(200);
        (a, b) = await ListAsync();
        Assert.NotNull(b.Urls.Playback);
        await guest.GetAsync(b.Urls.Playback).ShouldBe(200);
        Assert.NotNull(a.Urls.Playback);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        HttpResponseMessage clean;
        while ((clean = await guest.GetAsync(a.Urls.Playback)).StatusCode == System.Net.HttpStatusCode.Conflict && DateTime.UtcNow < deadline)
        {
            Assert.NotNull(clean.Headers.RetryAfter);
            await Task.Delay(300);
        }
        await clean.ShouldBe(200);
        Assert.Equal("video/mp4", clean.Content.Headers.ContentType?.MediaType);
        var cleanBytes = await clean.Content.ReadAsByteArrayAsync();
        Assert.NotEqual(await File.ReadAllBytesAsync(h264Path), cleanBytes);
        var file = Path.Combine(Path.GetTempPath(), $"photoapi-clean-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(file, cleanBytes);
        try
        {
            using var probe = VideoFixtures.Probe(file);
            var tags = probe.RootElement.GetProperty("format").TryGetProperty("tags", out var t) ? t.EnumerateObject().Select(p => p.Name).ToList() : [];
            Assert.DoesNotContain("creation_time", tags);
            Assert.DoesNotContain("location", tags);
            Assert.Equal("h264", probe.RootElement.GetProperty("streams")[0].GetProperty("codec_name").GetString());
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public async Task Copies_and_duplicate_uploads_of_a_transcoded_video_play_the_same_copy()
    {
        var user = await api.NewUserAsync();
        var path = VideoFixtures.HevcMov("copies");
        var id = await UploadAsync(user, path);
        // A copy made at once (the original still processing or its copy being made) gets the copy when it is made.
        var early = (await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { id } }).Json(201)).GetProperty("ids")[0].GetGuid();
        await PlayableAsync(user, id);
        var earlyCopy = await PlayableAsync(user, early);
        // A copy made afterwards has it at once; so has the same file uploaded by someone else (once processed).
        var late = (await user.Client.PostAsJsonAsync("/api/v1/assets/copy", new { ids = new[] { id } }).Json(201)).GetProperty("ids")[0].GetGuid();
        var lateCopy = await user.Client.GetAsync($"/api/v1/assets/{late}").Json();
        Assert.Equal(("ready", true), (lateCopy.GetProperty("status").GetString(), Url(lateCopy, "playback") is not null));
        var other = await api.NewUserAsync();
        var theirs = await ReadyAsync(other, await UploadAsync(other, path));
        Assert.NotNull(Url(theirs, "playback"));

        var bytes = await user.Client.GetByteArrayAsync($"/api/v1/assets/{id}/playback");
        foreach (var (session, asset) in new[] { (user, earlyCopy), (user, lateCopy), (other, theirs) })
            Assert.Equal(bytes, await session.Client.GetByteArrayAsync($"/api/v1/assets/{asset.GetProperty("id").GetGuid()}/playback"));
        // One copy made for all of them (per checksum), stored once.
        var checksum = lateCopy.GetProperty("checksum").GetString();
        Assert.Equal(1, await Scalar($"SELECT count(*) FROM video_playbacks WHERE checksum = decode('{checksum}', 'hex') AND status = 'ready'"));
    }

    [Fact]
    public async Task Hostile_videos_fail_with_a_reason_and_the_worker_goes_on()
    {
        var user = await api.NewUserAsync();
        var many = await UploadAsync(user, VideoFixtures.ManyStreams("api"));
        var playlist = await UploadAsync(user, VideoFixtures.PlaylistAsMp4("api"));
        var truncated = await UploadAsync(user, VideoFixtures.TruncatedMp4("api"));
        var lying = await UploadAsync(user, VideoFixtures.LyingDuration("api"));
        foreach (var (id, reason) in new[] { (many, "999 streams"), (playlist, "could not be read as a video"), (truncated, "could not be read as a video"),
                     (lying, "says it lasts") })
        {
            var asset = await user.WaitProcessedAsync(id);
            Assert.Equal("failed", asset.Status);
            Assert.Contains(reason, asset.FailureReason);
            await user.Client.GetAsync($"/api/v1/assets/{id}/playback").ShouldBeProblem(404, "asset.no_derivative");
        }
        // The playlist named nothing the worker fetched, and the worker still processes videos.
        await ReadyAsync(user, await UploadAsync(user, VideoFixtures.H264Mp4("after-hostile")));
    }

    private async Task<long> Scalar(string sql)
    {
        await using var conn = new Npgsql.NpgsqlConnection(api.ConnectionString);
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, sql);
    }
}
