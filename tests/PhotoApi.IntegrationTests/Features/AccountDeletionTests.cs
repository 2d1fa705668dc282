using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>deleteMyAccount and deleteUser: dry runs, what goes, what is handed over, credentials that stop at once.</summary>
[Collection(ApiCollection.Name)]
public sealed class AccountDeletionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public sealed record Counts(int Assets, int Albums, int Shares, int Links, int PhotoRequests, int PendingRequestUploads,
        int ApiKeys, int Sessions, int Partners, int GroupMemberships);

    public sealed record HandOver(Guid ToUserId, int Albums, int Assets, int SharedSpaceAssets, int Shares);

    public sealed record Deletion(bool DryRun, string Mode, Counts Deleted, HandOver? HandedOver);

    private static HttpRequestMessage DeleteMe(object body, bool dryRun = false) =>
        Sharing.DeleteWithBody(dryRun ? "/api/v1/users/me?dryRun=true" : "/api/v1/users/me", body);

    private HttpRequestMessage DeleteUser(Guid id, object body, bool dryRun = false) =>
        Sharing.DeleteWithBody($"/api/v1/admin/users/{id}{(dryRun ? "?dryRun=true" : "")}", body);

    private static async Task<byte[]> UniqueBytesAsync() =>
        (await File.ReadAllBytesAsync(Library.Fixture("grey.jpg"))).Concat(Guid.NewGuid().ToByteArray()).ToArray();

    private string OriginalBlob(byte[] bytes)
    {
        var checksum = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return Path.Combine(api.BlobRoot, "originals", checksum[..2], checksum[2..4], checksum);
    }

    private async Task<JsonElement> AuditAsync(string kind, Guid ownerId)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        var details = await conn.QuerySingleAsync<string>(
            "SELECT details::text FROM audit_events WHERE kind = @kind AND owner_id = @ownerId AND target_id = @ownerId", new { kind, ownerId });
        return JsonDocument.Parse(details).RootElement;
    }

    [Fact]
    public async Task Delete_everything_counts_first_then_takes_it_all_and_its_credentials_stop_at_once()
    {
        var alice = await api.NewUserAsync("alice");
        var bob = await api.NewUserAsync("bob");
        var kept = await UniqueBytesAsync();
        var trashed = await UniqueBytesAsync();
        var keptId = (await alice.UploadBytesAsync(kept, "kept.jpg")).Id;
        var trashedId = (await alice.UploadBytesAsync(trashed, "trashed.jpg")).Id;
        await alice.WaitProcessedAsync(keptId);
        await alice.WaitProcessedAsync(trashedId);
        await alice.Client.PostAsJsonAsync("/api/v1/assets/delete", new { ids = new[] { trashedId } }).ShouldBe(200);
        var album = await alice.CreateAlbumAsync("Summer", keptId);
        var share = await alice.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public",
            invitees = new[] { new { principalType = "user", principalId = bob.UserId, role = "viewer" } },
        }).Json<Share>(201);
        await alice.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Party" }).ShouldBe(201);
        var apiKey = (await alice.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "frame" }).Json(201)).GetProperty("key").GetString()!;
        await alice.Client.PostAsJsonAsync("/api/v1/partners", new { userId = bob.UserId }).ShouldBe(201);
        var guest = api.NewClient();
        await guest.GetAsync($"/api/v1/s/{share.Key}").ShouldBe(200);
        await bob.Client.GetAsync($"/api/v1/albums/{album.Id}").ShouldBe(200);

        // The dry run needs no password and changes nothing.
        var dry = await alice.Client.SendAsync(DeleteMe(new { mode = "delete-everything" }, dryRun: true)).Json<Deletion>();
        Assert.True(dry.DryRun);
        Assert.Null(dry.HandedOver);
        Assert.Equal(new Counts(Assets: 2, Albums: 1, Shares: 1, Links: 1, PhotoRequests: 1, PendingRequestUploads: 0, ApiKeys: 1,
            Sessions: 1, Partners: 1, GroupMemberships: 0), dry.Deleted);
        await alice.Client.GetAsync($"/api/v1/assets/{keptId}").ShouldBe(200);

        // Without the right password nothing happens; an API key cannot do it at all.
        await alice.Client.SendAsync(DeleteMe(new { mode = "delete-everything", currentPassword = "Wrong-passw0rd" }))
            .ShouldBeProblem(403, "auth.invalid_credentials");
        await alice.Client.SendAsync(DeleteMe(new { mode = "delete-everything" })).ShouldBeProblem(400, "validation.failed");
        var withKey = api.NewClient();
        withKey.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        await withKey.SendAsync(DeleteMe(new { mode = "delete-everything", currentPassword = alice.Password })).ShouldBeProblem(403, "auth.session_required");
        await alice.Client.GetAsync($"/api/v1/assets/{keptId}").ShouldBe(200);

        var done = await alice.Client.SendAsync(DeleteMe(new { mode = "delete-everything", currentPassword = alice.Password })).Json<Deletion>();
        Assert.False(done.DryRun);
        Assert.Equal(dry.Deleted, done.Deleted);

        // The access token, the refresh token and the API key stop at once.
        await alice.Client.GetAsync("/api/v1/users/me").ShouldBeProblem(401, "auth.unauthenticated");
        await withKey.GetAsync("/api/v1/users/me").ShouldBeProblem(401, "auth.unauthenticated");
        await api.NewClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = alice.Tokens.RefreshToken })
            .ShouldBeProblem(401, "auth.invalid_refresh_token");
        await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = alice.Username, password = alice.Password })
            .ShouldBeProblem(401, "auth.invalid_credentials");

        // Nothing of hers shows to anyone.
        await bob.Client.GetAsync($"/api/v1/albums/{album.Id}").ShouldBeProblem(404, "resource.not_found");
        await bob.Client.GetAsync($"/api/v1/assets/{keptId}").ShouldBeProblem(404, "resource.not_found");
        var withMe = await bob.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>();
        Assert.Empty(withMe.Groups.SelectMany(g => g.Items));
        Assert.Empty((await bob.Client.GetAsync("/api/v1/partners?direction=shared-with").Json<Page<Partner>>()).Items);
        await guest.GetAsync($"/api/v1/s/{share.Key}").ShouldBeProblem(404, "share.link_invalid");
        var users = await api.Admin.Client.GetAsync("/api/v1/admin/users?limit=1000").Json<Page<User>>();
        Assert.DoesNotContain(users.Items, u => u.Id == alice.UserId);

        // The bytes follow through the blob collector.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((File.Exists(OriginalBlob(kept)) || File.Exists(OriginalBlob(trashed))) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.False(File.Exists(OriginalBlob(kept)), "the original's bytes were not deleted. " + await Diagnostics.HangfireAsync());
        Assert.False(File.Exists(OriginalBlob(trashed)), "the trashed original's bytes were not deleted");

        var audit = await AuditAsync("account.deleted", alice.UserId);
        Assert.Equal("delete-everything", audit.GetProperty("mode").GetString());
        Assert.Equal(2, audit.GetProperty("deleted").GetProperty("assets").GetInt32());
        Assert.DoesNotContain(alice.Password, audit.GetRawText());
    }

    [Fact]
    public async Task Hand_over_gives_the_albums_whole_and_the_Shared_Space_uploads_to_the_recipient()
    {
        var carol = await api.NewUserAsync("carol");
        var dave = await api.NewUserAsync("dave");
        var bob = await api.NewUserAsync("bob");
        var admin = api.Admin.Client;
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        await admin.PutAsJsonAsync("/api/v1/shared-space/access", new
        {
            entries = new[] { carol, dave }.Select(u => new { principalType = "user", principalId = u.UserId, level = "full" }),
        }).ShouldBe(200);
        var team = (await admin.PostAsJsonAsync("/api/v1/folders", new { name = $"Team-{Guid.NewGuid():N}"[..12], space = "shared" }).Json(201))
            .GetProperty("id").GetGuid();

        var inAlbum = new[] { await UniqueBytesAsync(), await UniqueBytesAsync() };
        var albumIds = new List<Guid>();
        foreach (var bytes in inAlbum) albumIds.Add((await carol.UploadBytesAsync(bytes, "holiday.jpg")).Id);
        var sharedBytes = await UniqueBytesAsync();
        var sharedId = (await carol.UploadBytesAsync(sharedBytes, "team.jpg", new Dictionary<string, string> { ["folderId"] = team.ToString() })).Id;
        var loneBytes = await UniqueBytesAsync();
        var loneId = (await carol.UploadBytesAsync(loneBytes, "lone.jpg")).Id;
        foreach (var id in albumIds.Append(sharedId).Append(loneId)) await carol.WaitProcessedAsync(id);
        var album = await carol.CreateAlbumAsync("Holidays", [.. albumIds]);
        var share = await carol.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public",
            invitees = new[] { new { principalType = "user", principalId = bob.UserId, role = "viewer" } },
        }).Json<Share>(201);

        // Only the admin route for someone else; the recipient must be another active user.
        await admin.SendAsync(DeleteUser(carol.UserId, new { mode = "hand-over" })).ShouldBeProblem(400, "validation.failed");
        await admin.SendAsync(DeleteUser(carol.UserId, new { mode = "hand-over", toUserId = carol.UserId })).ShouldBeProblem(400, "validation.failed");
        await admin.SendAsync(DeleteUser(carol.UserId, new { mode = "hand-over", toUserId = Guid.NewGuid() })).ShouldBeProblem(400, "validation.failed");
        await admin.SendAsync(DeleteUser(Guid.NewGuid(), new { mode = "delete-everything" })).ShouldBeProblem(404, "resource.not_found");
        await bob.Client.SendAsync(DeleteUser(carol.UserId, new { mode = "delete-everything" })).ShouldBe(403);

        var body = new { mode = "hand-over", toUserId = dave.UserId };
        var dry = await admin.SendAsync(DeleteUser(carol.UserId, body, dryRun: true)).Json<Deletion>();
        Assert.Equal(new HandOver(dave.UserId, Albums: 1, Assets: 3, SharedSpaceAssets: 1, Shares: 1), dry.HandedOver);
        Assert.Equal((1, 0, 0, 1), (dry.Deleted.Assets, dry.Deleted.Albums, dry.Deleted.Shares, dry.Deleted.Links));
        await carol.Client.GetAsync($"/api/v1/assets/{loneId}").ShouldBe(200);

        var done = await admin.SendAsync(DeleteUser(carol.UserId, body)).Json<Deletion>();
        Assert.Equal(dry.Deleted, done.Deleted);
        Assert.Equal(dry.HandedOver, done.HandedOver);
        await carol.Client.GetAsync("/api/v1/users/me").ShouldBeProblem(401, "auth.unauthenticated");

        // The recipient owns the album with all its photos, and can download them byte for byte.
        var handed = await dave.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>();
        Assert.Equal((dave.UserId, 2, "owner"), (handed.Owner.Id, handed.AssetCount, handed.Role));
        Assert.Equal(albumIds.Order(), (await dave.AlbumAssetIdsAsync(album.Id)).Order());
        for (var i = 0; i < albumIds.Count; i++)
        {
            var asset = await dave.Client.GetAsync($"/api/v1/assets/{albumIds[i]}").Json<Asset>();
            Assert.Equal((dave.UserId, (Guid?)null), (asset.OwnerId, asset.FolderId));
            Assert.Equal(inAlbum[i], await dave.Client.GetByteArrayAsync($"/api/v1/assets/{albumIds[i]}/original"));
        }
        var shared = await dave.Client.GetAsync($"/api/v1/assets/{sharedId}").Json<Asset>();
        Assert.Equal((dave.UserId, (Guid?)team), (shared.OwnerId, shared.FolderId));
        Assert.Equal(sharedBytes, await dave.Client.GetByteArrayAsync($"/api/v1/assets/{sharedId}/original"));
        Assert.Equal(3, (await dave.Client.GetAsync("/api/v1/assets").Json<Page<Asset>>()).Items.Count);
        await dave.Client.GetAsync($"/api/v1/assets/{loneId}").ShouldBeProblem(404, "resource.not_found");

        // The share stays for its invitee, now the recipient's; its link ended.
        Assert.Equal(2, (await bob.AlbumAssetIdsAsync(album.Id)).Count);
        var kept = await dave.Client.GetAsync($"/api/v1/shares/{share.Id}").Json<Share>();
        Assert.Equal((dave.UserId, false), (kept.OwnerId, kept.LinkEnabled));
        Assert.NotEqual(share.Key, kept.Key);
        await api.NewClient().GetAsync($"/api/v1/s/{share.Key}").ShouldBeProblem(404, "share.link_invalid");

        // The lone file's bytes go; the handed-over ones stay.
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (File.Exists(OriginalBlob(loneBytes)) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.False(File.Exists(OriginalBlob(loneBytes)), "the lone file's bytes were not deleted. " + await Diagnostics.HangfireAsync());
        Assert.True(File.Exists(OriginalBlob(sharedBytes)));

        var audit = await AuditAsync("admin.user-deleted", carol.UserId);
        Assert.Equal(dave.UserId, audit.GetProperty("handedOver").GetProperty("toUserId").GetGuid());
    }

    [Fact]
    public async Task The_last_admin_stays_and_an_admin_deletes_others_only_through_the_admin_route()
    {
        var admin = api.Admin;
        await admin.Client.SendAsync(DeleteUser(await MeAsync(admin), new { mode = "delete-everything" }))
            .ShouldBeProblem(409, "user.cannot_change_self");
        await admin.Client.SendAsync(DeleteMe(new { mode = "delete-everything", currentPassword = admin.Password }))
            .ShouldBeProblem(409, "user.last_admin");
        await admin.Client.GetAsync("/api/v1/users/me").ShouldBe(200);

        // With a second admin, either may be deleted, by the other.
        var second = await api.NewUserAsync("admin2");
        await admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{second.UserId}", new { role = "admin" }).ShouldBe(200);
        var dry = await admin.Client.SendAsync(DeleteUser(second.UserId, new { mode = "delete-everything" }, dryRun: true)).Json<Deletion>();
        Assert.True(dry.DryRun);
        await admin.Client.SendAsync(DeleteUser(second.UserId, new { mode = "delete-everything" })).ShouldBe(200);
        await second.Client.GetAsync("/api/v1/users/me").ShouldBeProblem(401, "auth.unauthenticated");
        await admin.Client.SendAsync(DeleteMe(new { mode = "delete-everything", currentPassword = admin.Password }))
            .ShouldBeProblem(409, "user.last_admin");
    }

    private static async Task<Guid> MeAsync(Session session) => (await session.Client.GetAsync("/api/v1/users/me").Json<User>()).Id;
}
