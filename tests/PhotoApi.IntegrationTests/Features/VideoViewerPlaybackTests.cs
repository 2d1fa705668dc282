using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Testing;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// An album Viewer (may view, may not download) plays a video that plays from its original (H.264/AAC MP4 with a place,
/// dates, titles in it): what they receive, signed-in or through their signed URL, is the original's copy without
/// metadata (exiftool and ffprobe on the bytes), never the original; the owner plays the original itself. With the
/// in-process worker, on a real file made by ffmpeg.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class VideoViewerPlaybackTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string? Url(JsonElement asset, string name) => asset.GetProperty("urls").GetProperty(name).GetString();

    /// <summary>Asks until the copy without metadata is made (409 with Retry-After meanwhile).</summary>
    private static async Task<HttpResponseMessage> PlayedAsync(HttpClient client, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var response = await client.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.Conflict || DateTime.UtcNow > deadline) return response;
            Assert.NotNull(response.Headers.RetryAfter);
            await Task.Delay(300);
        }
    }

    [Fact]
    public async Task A_viewer_plays_the_copy_without_metadata_of_a_video_playing_from_its_original_and_the_owner_the_original()
    {
        var owner = await api.NewUserAsync("vplay-owner");
        var viewer = await api.NewUserAsync("vplay-viewer");
        var path = VideoFixtures.TaggedH264Mp4("viewer");
        var original = await File.ReadAllBytesAsync(path);
        var id = (await owner.UploadBytesAsync(original, "party.mp4")).Id;
        var processed = await owner.WaitProcessedAsync(id);
        Assert.True(processed.Status == "ready", $"{processed.Status}: {processed.FailureReason}");
        var album = await owner.CreateAlbumAsync("Clips", id);
        await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"));

        // The owner plays the original itself (it plays as it is), signed-in and by their signed URL.
        var mine = await owner.Client.GetAsync($"/api/v1/assets/{id}").Json();
        Assert.Equal(original, await owner.Client.GetByteArrayAsync($"/api/v1/assets/{id}/playback"));
        Assert.Equal(original, await api.NewClient().GetByteArrayAsync(Url(mine, "playback")));

        // The viewer: signed-in, the copy without metadata (made on first request: 409 + Retry-After until then).
        var seen = await viewer.Client.GetAsync($"/api/v1/assets/{id}").Json();
        Assert.Null(Url(seen, "original"));
        var played = await PlayedAsync(viewer.Client, $"/api/v1/assets/{id}/playback");
        await played.ShouldBe(200);
        Assert.Equal("video/mp4", played.Content.Headers.ContentType?.MediaType);
        var clean = await played.Content.ReadAsByteArrayAsync();
        Assert.NotEqual(original, clean);
        Assert.NotEqual(played.Headers.ETag, (await owner.Client.GetAsync($"/api/v1/assets/{id}/playback")).Headers.ETag);
        var file = Path.Combine(Path.GetTempPath(), $"photoapi-viewer-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(file, clean);
        try
        {
            await VideoFixtures.AssertNoMetadataAsync(file); // no GPS, dates, titles, device or encoder names
            using var probe = VideoFixtures.Probe(file);
            Assert.Equal("h264", probe.RootElement.GetProperty("streams")[0].GetProperty("codec_name").GetString());
        }
        finally { File.Delete(file); }

        // Their signed URL (for a <video src> without credentials) plays the same copy, with Range; it cannot be turned
        // into the original's by dropping what it says.
        var signed = Url(seen, "playback")!;
        Assert.Contains("clean=true", signed);
        var anonymous = api.NewClient();
        Assert.Equal(clean, await anonymous.GetByteArrayAsync(signed));
        var ranged = new HttpRequestMessage(HttpMethod.Get, signed);
        ranged.Headers.Range = new RangeHeaderValue(0, 99);
        var part = await anonymous.SendAsync(ranged);
        await part.ShouldBe(206);
        Assert.Equal(clean[..100], await part.Content.ReadAsByteArrayAsync());
        await anonymous.GetAsync(signed.Replace("clean=true&", "")).ShouldBeProblem(403, "media.link_invalid");
        await viewer.Client.GetAsync($"/api/v1/assets/{id}/original").ShouldBeProblem(403, "share.role_insufficient");
    }
}
