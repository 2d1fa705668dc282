using System.Net.Http.Headers;
using PhotoApi.Client;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>What an integrator does: generate the client from openapi.yaml and call the API with it.</summary>
[Collection(ApiCollection.Name)]
public sealed class GeneratedClientTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task The_generated_csharp_client_signs_in_reads_and_gets_typed_problems()
    {
        var user = await api.NewUserAsync("client");
        var http = api.NewClient();
        http.BaseAddress = new Uri(http.BaseAddress!, "/");
        var client = new PhotoApiClient(http);

        var tokens = await client.LoginAsync(new LoginRequest { Username = user.Username, Password = user.Password });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        var me = await client.GetMeAsync();
        Assert.Equal(user.UserId, me.Id);
        Assert.Equal(SharedSpaceAccessLevel.None, me.SharedSpaceAccess); // Shared Space is off in a fresh library

        // An archive link, made and followed with the generated client (the link needs no credentials).
        var photo = await user.UploadUniqueAsync();
        var sent = await http.GetByteArrayAsync($"/api/v1/assets/{photo}/original");
        var name = (await client.GetAssetAsync(photo)).OriginalFileName;
        var link = await client.CreateArchiveLinkAsync(new DownloadArchiveRequest { AssetIds = [photo] });
        var plain = api.NewClient();
        plain.BaseAddress = new Uri(plain.BaseAddress!, "/");
        using var zip = await new PhotoApiClient(plain).DownloadArchiveLinkAsync(link.Url.Split('/')[^1]);
        Assert.Equal(200, zip.StatusCode);
        using var bytes = new MemoryStream();
        await zip.Stream.CopyToAsync(bytes);
        bytes.Position = 0;
        await using var archive = await System.IO.Compression.ZipArchive.CreateAsync(bytes, System.IO.Compression.ZipArchiveMode.Read, false, null);
        var entry = Assert.Single(archive.Entries);
        Assert.Equal(name, entry.FullName);
        await using var content = await entry.OpenAsync();
        using var read = new MemoryStream();
        await content.CopyToAsync(read);
        Assert.Equal(sent, read.ToArray());

        var key = await client.CreateApiKeyAsync(new CreateApiKeyRequest { Name = "generated" });
        var page = await client.ListApiKeysAsync(limit: 10, cursor: null);
        Assert.Contains(page.Items, k => k.Id == key.Id);

        // A guest's view of a photo request, read with the generated client: every value the API sends must be one the
        // contract lists (an enum missing `video` made this throw).
        var request = await client.CreatePhotoRequestAsync(new CreatePhotoRequestRequest { Subject = "Generated" });
        var guest = await new PhotoApiClient(plain).GetPublicPhotoRequestAsync(request.Key);
        Assert.Equal([AcceptedMediaTypes.Image, AcceptedMediaTypes.Video], guest.AcceptedMediaTypes);

        var error = await Assert.ThrowsAsync<PhotoApiException<ApiProblem>>(() => client.GetGroupAsync(Guid.NewGuid()));
        Assert.Equal(404, error.StatusCode);
        Assert.Equal("resource.not_found", error.Result.Code);
    }
}
