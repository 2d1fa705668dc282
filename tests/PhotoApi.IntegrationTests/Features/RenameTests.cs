using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>Renaming a file through updateAsset: the name kept, downloads, search and who may do it.</summary>
[Collection(ApiCollection.Name)]
public sealed class RenameTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static async Task<Asset> RenameAsync(Session user, Guid id, string fileName) =>
        await user.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { fileName }).Json<Asset>();

    [Fact]
    public async Task A_name_without_an_extension_keeps_the_files_and_downloads_and_search_use_the_new_name()
    {
        var user = await api.NewUserAsync();
        var bytes = (await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"))).Concat(Guid.NewGuid().ToByteArray()).ToArray();
        var id = (await user.UploadBytesAsync(bytes, "IMG_1.JPEG")).Id;
        await user.WaitProcessedAsync(id);

        Assert.Equal("Beach.JPEG", (await RenameAsync(user, id, "  Beach  ")).OriginalFileName);
        // Dots inside a name are no extension: "Mr. Smith" keeps .JPEG too.
        Assert.Equal("Mr. Smith.JPEG", (await RenameAsync(user, id, "Mr. Smith")).OriginalFileName);
        // Unicode is kept as sent.
        Assert.Equal("Été à Kyōto 📷.JPEG", (await RenameAsync(user, id, "Été à Kyōto 📷")).OriginalFileName);
        // Another extension on purpose is taken as given; the content type stays the file's.
        var renamed = await RenameAsync(user, id, "Sunset at the beach.png");
        Assert.Equal(("Sunset at the beach.png", "image/jpeg"), (renamed.OriginalFileName, renamed.ContentType));
        Assert.Equal("Sunset at the beach.png", (await user.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>()).OriginalFileName);

        var download = await user.Client.GetAsync($"/api/v1/assets/{id}/original");
        await download.ShouldBe(200);
        Assert.Equal("Sunset at the beach.png", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());

        Assert.Equal(id, Assert.Single((await user.Client.GetAsync("/api/v1/assets?q=sunset%20at").Json<Page<Asset>>()).Items).Id);
        Assert.Empty((await user.Client.GetAsync("/api/v1/assets?q=IMG_1").Json<Page<Asset>>()).Items);

        // Other fields alone leave the name as it is.
        Assert.Equal("Sunset at the beach.png", (await user.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { rating = 3 }).Json<Asset>()).OriginalFileName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("..\\evil")]
    [InlineData("line\nbreak")]
    [InlineData("invoice\u202Egpj.exe")]
    [InlineData("CON")]
    [InlineData("nul.txt")]
    [InlineData("what?")]
    [InlineData("ends with a dot.")]
    public async Task Names_a_file_system_or_a_screen_would_misread_are_refused_and_change_nothing(string fileName)
    {
        var user = await api.NewUserAsync();
        var id = await user.UploadUniqueAsync();
        var before = (await user.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>()).OriginalFileName;
        var problem = await user.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { fileName, rating = 2 }).ShouldBeProblem(400, "validation.failed");
        Assert.Contains("fileName", problem.Errors!.Keys);
        var after = await user.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>();
        Assert.Equal((before, 0), (after.OriginalFileName, after.Rating));
    }

    [Fact]
    public async Task A_name_too_long_with_its_kept_extension_is_refused()
    {
        var user = await api.NewUserAsync();
        var id = await user.UploadUniqueAsync(); // named <32 hex>.jpg
        await user.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { fileName = new string('x', 256) }).ShouldBeProblem(400, "validation.failed");
        await user.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { fileName = new string('x', 253) }).ShouldBeProblem(400, "validation.failed");
        Assert.Equal(new string('x', 251) + ".jpg", (await RenameAsync(user, id, new string('x', 251))).OriginalFileName);
    }

    [Fact]
    public async Task An_album_viewer_cannot_rename_and_another_users_asset_is_not_found()
    {
        var owner = await api.NewUserAsync();
        var viewer = await api.NewUserAsync();
        var stranger = await api.NewUserAsync();
        var id = await owner.UploadUniqueAsync();
        var name = (await owner.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>()).OriginalFileName;
        var album = await owner.CreateAlbumAsync("Trip", id);
        await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"));
        Assert.Contains(id, await viewer.AlbumAssetIdsAsync(album.Id));

        await viewer.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { fileName = "mine" }).ShouldBeProblem(404, "resource.not_found");
        await stranger.Client.PatchAsJsonAsync($"/api/v1/assets/{id}", new { fileName = "mine" }).ShouldBeProblem(404, "resource.not_found");
        Assert.Equal(name, (await owner.Client.GetAsync($"/api/v1/assets/{id}").Json<Asset>()).OriginalFileName);
    }
}
