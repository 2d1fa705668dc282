using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// A photo request's page shows its album's photos by the ids the album's open link shows them by, never by the assets'
/// own UUIDv7 ids (whose first 48 bits are the upload time): the same ids, and the same routes, as that link's guests.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsRequestPageIdsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record RequestLink(Guid Id, string Key);

    private sealed record RequestPhoto(Guid Id, int? Width, int? Height, string? ThumbnailUrl, string? PreviewUrl);

    private sealed record RequestAlbum(string Name, int PhotoCount, List<RequestPhoto> Photos);

    private sealed record RequestPage(string Subject, RequestAlbum? Album);

    private sealed record GuestAsset(Guid Id);

    [Fact]
    public async Task The_request_page_shows_the_album_links_own_ids_not_the_assets_time_ordered_ones()
    {
        var owner = await api.NewUserAsync("requester");
        var first = await owner.UploadUniqueAsync();
        var second = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(first);
        await owner.WaitProcessedAsync(second);
        var album = await owner.CreateAlbumAsync("Wedding", first, second);
        var share = await owner.ShareAlbumAsync(album.Id);
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { linkEnabled = true, privacy = "public" }).ShouldBe(200);
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Wedding photos", albumId = album.Id })
            .Json<RequestLink>(201);

        var guest = api.NewClient();
        var photos = (await guest.GetAsync($"/api/v1/r/{request.Key}").Json<RequestPage>()).Album!.Photos;
        Assert.Equal(2, photos.Count);
        var shown = photos.Select(p => p.Id).ToHashSet();
        Assert.DoesNotContain(first, shown);
        Assert.DoesNotContain(second, shown);

        // The ids are the album link's own: the same its guests list, and its routes take them.
        var linkIds = (await guest.GetAsync($"/api/v1/s/{share.Key}/assets").Json<Page<GuestAsset>>()).Items.Select(a => a.Id).ToHashSet();
        Assert.Equal(linkIds, shown);
        foreach (var id in shown) await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{id}/thumbnail").ShouldBe(200);

        // The page's own images still load, without the link key.
        foreach (var photo in photos)
        {
            await api.NewClient().GetAsync(photo.ThumbnailUrl).ShouldBe(200);
            await api.NewClient().GetAsync(photo.PreviewUrl).ShouldBe(200);
        }
    }
}
