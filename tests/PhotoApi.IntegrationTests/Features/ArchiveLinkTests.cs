using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Archive links (createArchiveLink → downloadArchiveLink): a zip a browser downloads as a plain link, decided as the
/// user who made it each time it is downloaded.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ArchiveLinkTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record ArchiveLink(string Url, DateTime ExpiresAt);

    private static async Task<ArchiveLink> LinkAsync(HttpClient client, object body) =>
        await client.PostAsJsonAsync("/api/v1/downloads/archive-links", body).Json<ArchiveLink>(201);

    private static string TokenOf(ArchiveLink link) => link.Url.Split('/')[^1];

    private static async Task<Dictionary<string, byte[]>> EntriesAsync(HttpResponseMessage response) =>
        (await response.ZipEntriesAsync()).ToDictionary(e => e.Name, e => e.Bytes);

    private async Task<int> ExecuteAsync(string sql, object args)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        return await conn.ExecuteAsync(sql, args);
    }

    [Fact]
    public async Task A_link_streams_the_zip_of_the_originals_without_any_credentials()
    {
        var user = await api.NewUserAsync("zip-link");
        var a = await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"));
        var b = await File.ReadAllBytesAsync(Library.Fixture("photo.webp"));
        var ids = new[] { (await user.UploadBytesAsync(a, "same.jpg")).Id, (await user.UploadBytesAsync(b, "same.jpg")).Id };
        // Entries go by time taken: once both are processed they share their EXIF date and go in upload order (while only
        // the second one was processed, it would come first).
        foreach (var id in ids) await user.WaitProcessedAsync(id);

        var before = DateTime.UtcNow;
        var link = await LinkAsync(user.Client, new { assetIds = ids });
        Assert.Matches("^/api/v1/downloads/archive-links/[A-Za-z0-9_-]{43}$", link.Url); // 256 bits, base64url
        Assert.InRange(link.ExpiresAt, before.AddMinutes(9), DateTime.UtcNow.AddMinutes(10).AddSeconds(5));

        // A plain GET: no Authorization header, no API key, no cookie.
        var anonymous = api.NewClient();
        Assert.Null(anonymous.DefaultRequestHeaders.Authorization);
        var response = await anonymous.GetAsync(link.Url);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        var contents = await EntriesAsync(response);
        Assert.Equal(2, contents.Count);
        Assert.Equal(a, contents["same.jpg"]);
        Assert.Equal(b, contents["same (2).jpg"]);
        // The same zip as downloadArchive sends for the same request, and the link works again until it expires (a retry).
        var direct = await EntriesAsync(await user.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { assetIds = ids }));
        Assert.Equal(direct.Keys.Order(), contents.Keys.Order());
        Assert.All(direct, e => Assert.Equal(e.Value, contents[e.Key]));
        Assert.Equal(2, (await EntriesAsync(await anonymous.GetAsync(link.Url))).Count);

        // Only the token's SHA-256 is stored.
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        var stored = (await conn.QueryAsync<byte[]>("SELECT token_hash FROM archive_links WHERE user_id = @id", new { id = user.UserId })).Single();
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(TokenOf(link))), stored);
    }

    [Fact]
    public async Task Unknown_and_expired_links_answer_the_same_404_and_expired_ones_are_swept()
    {
        var user = await api.NewUserAsync("zip-expiry");
        var id = (await user.UploadBytesAsync(await File.ReadAllBytesAsync(Library.Fixture("grey.jpg")), "a.jpg")).Id;
        var link = await LinkAsync(user.Client, new { assetIds = new[] { id } });
        var anonymous = api.NewClient();
        await anonymous.GetAsync(link.Url).ShouldBe(200);

        var random = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        foreach (var token in new[] { random, "x", new string('a', 300), "%20" })
            await anonymous.GetAsync($"/api/v1/downloads/archive-links/{token}").ShouldBeProblem(404, "download.link_invalid");

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(TokenOf(link)));
        Assert.Equal(1, await ExecuteAsync("UPDATE archive_links SET expires_at = now() - interval '1 second' WHERE token_hash = @hash", new { hash }));
        await anonymous.GetAsync(link.Url).ShouldBeProblem(404, "download.link_invalid");
        // The caller's own credentials do not revive it.
        await user.Client.GetAsync(link.Url).ShouldBeProblem(404, "download.link_invalid");

        // Making a link deletes the expired ones.
        await LinkAsync(user.Client, new { assetIds = new[] { id } });
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM archive_links WHERE expires_at <= now()"));
    }

    [Fact]
    public async Task A_link_is_refused_at_creation_as_downloadArchive_refuses_the_same_request()
    {
        var owner = await api.NewUserAsync("zip-owner");
        var viewer = await api.NewUserAsync("zip-viewer");
        var stranger = await api.NewUserAsync("zip-stranger");
        var photo = await owner.UploadUniqueAsync();
        var album = await owner.CreateAlbumAsync("Viewed", photo);
        await owner.ShareAlbumAsync(album.Id, (viewer, "viewer"));

        foreach (var (who, body, status, code) in new (Session, object, int, string)[]
                 {
                     (stranger, new { assetIds = new[] { photo } }, 404, "resource.not_found"),
                     (stranger, new { albumId = album.Id }, 404, "resource.not_found"),
                     (viewer, new { assetIds = new[] { photo } }, 403, "share.role_insufficient"),
                     (viewer, new { albumId = album.Id }, 403, "share.role_insufficient"),
                     (owner, new { assetIds = new[] { photo, Guid.NewGuid() } }, 404, "resource.not_found"),
                     (owner, new { assetIds = Array.Empty<Guid>() }, 400, "validation.failed"),
                     (owner, new { assetIds = new[] { photo }, albumId = album.Id }, 400, "validation.failed"),
                 })
        {
            await who.Client.PostAsJsonAsync("/api/v1/downloads/archive", body).ShouldBeProblem(status, code);
            await who.Client.PostAsJsonAsync("/api/v1/downloads/archive-links", body).ShouldBeProblem(status, code);
        }
        await (await api.NewClient().PostAsJsonAsync("/api/v1/downloads/archive-links", new { assetIds = new[] { photo } }))
            .ShouldBeProblem(401, "auth.unauthenticated");
        Assert.Equal(0, await ExecuteAsync("DELETE FROM archive_links WHERE user_id = ANY(@ids)", new { ids = new[] { viewer.UserId, stranger.UserId } }));
    }

    [Fact]
    public async Task Access_is_decided_again_as_the_links_maker_when_it_is_downloaded()
    {
        var owner = await api.NewUserAsync("zip-sharer");
        var downloader = await api.NewUserAsync("zip-downloader");
        var photo = await owner.UploadUniqueAsync();
        var album = await owner.CreateAlbumAsync("Shared", photo);
        var share = await owner.ShareAlbumAsync(album.Id, (downloader, "downloader"));
        var byAlbum = await LinkAsync(downloader.Client, new { albumId = album.Id });
        var byAssets = await LinkAsync(downloader.Client, new { assetIds = new[] { photo } });
        var anonymous = api.NewClient();
        await anonymous.GetAsync(byAlbum.Url).ShouldBe(200);
        await anonymous.GetAsync(byAssets.Url).ShouldBe(200);

        // A role lowered to Viewer: refused as downloadArchive refuses the downloader now.
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            invitees = new[] { new { principalType = "user", principalId = downloader.UserId, role = "viewer" } },
        }).ShouldBe(200);
        await downloader.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = album.Id }).ShouldBeProblem(403, "share.role_insufficient");
        await anonymous.GetAsync(byAlbum.Url).ShouldBeProblem(403, "share.role_insufficient");
        await anonymous.GetAsync(byAssets.Url).ShouldBeProblem(403, "share.role_insufficient");

        // Unshared: the album and its photo are not the maker's to see any more — the same 404 downloadArchive gives them.
        await owner.Client.DeleteAsync($"/api/v1/shares/{share.Id}").ShouldBe(204);
        await downloader.Client.PostAsJsonAsync("/api/v1/downloads/archive", new { albumId = album.Id }).ShouldBeProblem(404, "resource.not_found");
        await anonymous.GetAsync(byAlbum.Url).ShouldBeProblem(404, "resource.not_found");
        await anonymous.GetAsync(byAssets.Url).ShouldBeProblem(404, "resource.not_found");
        // Whoever else is signed in when following the link does not change whose rights it carries.
        await owner.Client.GetAsync(byAlbum.Url).ShouldBeProblem(404, "resource.not_found");

        // An album link holds what the album shows when it is downloaded.
        var mine = await LinkAsync(owner.Client, new { albumId = album.Id });
        var later = await owner.UploadUniqueAsync();
        await owner.Client.PutAsJsonAsync($"/api/v1/albums/{album.Id}/assets", new { assetIds = new[] { later } }).ShouldBe(200);
        Assert.Equal(2, (await EntriesAsync(await anonymous.GetAsync(mine.Url))).Count);
    }

    [Fact]
    public async Task A_link_ends_with_the_session_or_api_key_it_was_made_with_and_with_the_photo_library()
    {
        var user = await api.NewUserAsync("zip-creds");
        var photo = await user.UploadUniqueAsync();
        var body = new { assetIds = new[] { photo } };
        var anonymous = api.NewClient();

        var key = await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "frame" }).Json(201);
        var integration = api.NewClient();
        integration.DefaultRequestHeaders.Add("X-Api-Key", key.GetProperty("key").GetString());
        var byKey = await LinkAsync(integration, body);
        await anonymous.GetAsync(byKey.Url).ShouldBe(200);
        await user.Client.DeleteAsync($"/api/v1/api-keys/{key.GetProperty("id").GetGuid()}").ShouldBe(204);
        await anonymous.GetAsync(byKey.Url).ShouldBeProblem(404, "download.link_invalid");

        var elsewhere = await api.LoginAsync(user.Username, user.Password);
        var bySession = await LinkAsync(elsewhere.Client, body);
        var kept = await LinkAsync(user.Client, body);
        await elsewhere.Client.PostAsync("/api/v1/auth/logout", null).ShouldBe(204);
        await anonymous.GetAsync(bySession.Url).ShouldBeProblem(404, "download.link_invalid");
        await anonymous.GetAsync(kept.Url).ShouldBe(200); // another session's link is unaffected

        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { photoLibraryAllowed = false }).ShouldBe(200);
        await anonymous.GetAsync(kept.Url).ShouldBeProblem(403, "auth.photo_library_denied");
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { photoLibraryAllowed = true }).ShouldBe(200);
        await anonymous.GetAsync(kept.Url).ShouldBe(200);
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status = "disabled" }).ShouldBe(200);
        await anonymous.GetAsync(kept.Url).ShouldBeProblem(404, "download.link_invalid");
    }
}
