using System.Net.Http.Json;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>removeData: the uninstall wizard's choices (links, shares, settings), dry run first.</summary>
[Collection(ApiCollection.Name)]
public sealed class RemovalTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public sealed record Removed(bool DryRun, int? Links, int? Invitees, int SharesDeleted, bool? SettingsChanged);

    private Task<HttpResponseMessage> RemoveAsync(bool dryRun, params string[] remove) =>
        api.Admin.Client.PostAsJsonAsync($"/api/v1/admin/removals{(dryRun ? "?dryRun=true" : "")}", new { remove });

    private async Task<int> AuditCountAsync(string kind)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        return await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM audit_events WHERE kind = @kind", new { kind });
    }

    [Fact]
    public async Task Links_and_shares_are_counted_then_removed_and_guests_get_the_answer_of_a_link_turned_off()
    {
        var owner = await api.NewUserAsync();
        var friend = await api.NewUserAsync();
        var photo = await owner.UploadUniqueAsync();
        var linked = await owner.CreateAlbumAsync("Linked", photo);
        var both = await owner.CreateAlbumAsync("Both", photo);
        var people = await owner.CreateAlbumAsync("People", photo);
        var linkOnly = await owner.Client.PostAsJsonAsync("/api/v1/shares",
            new { target = new { type = "album", id = linked.Id }, linkEnabled = true, privacy = "public" }).Json<Share>(201);
        var linkAndFriend = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = both.Id }, linkEnabled = true, privacy = "public",
            invitees = new[] { new { principalType = "user", principalId = friend.UserId, role = "viewer" } },
        }).Json<Share>(201);
        var friendOnly = await owner.ShareAlbumAsync(people.Id, (friend, "downloader"));
        var guest = api.NewClient();
        await guest.GetAsync($"/api/v1/s/{linkOnly.Key}").ShouldBe(200);
        await guest.GetAsync($"/api/v1/s/{linkAndFriend.Key}").ShouldBe(200);
        await RemoveAsync(false, "everything").ShouldBeProblem(400, "validation.failed");
        await RemoveAsync(false).ShouldBeProblem(400, "validation.failed");
        await owner.Client.PostAsJsonAsync("/api/v1/admin/removals", new { remove = new[] { "links" } }).ShouldBe(403);

        // Links: the dry run counts the two links on and changes nothing.
        var dry = await RemoveAsync(true, "links").Json<Removed>();
        Assert.Equal(new Removed(true, 2, null, 1, null), dry);
        await guest.GetAsync($"/api/v1/s/{linkOnly.Key}").ShouldBe(200);

        Assert.Equal(dry with { DryRun = false }, await RemoveAsync(false, "links").Json<Removed>());
        await guest.GetAsync($"/api/v1/s/{linkOnly.Key}").ShouldBeProblem(404, "share.link_invalid");
        await guest.GetAsync($"/api/v1/s/{linkAndFriend.Key}").ShouldBeProblem(404, "share.link_invalid");
        await guest.GetAsync($"/api/v1/s/{linkAndFriend.Key}/assets").ShouldBeProblem(404, "share.link_invalid");
        // The share with only a link is gone; the album stays, unshared. The invitee keeps their share.
        await owner.Client.GetAsync($"/api/v1/shares/{linkOnly.Id}").ShouldBeProblem(404, "resource.not_found");
        Assert.Null((await owner.Client.GetAsync($"/api/v1/albums/{linked.Id}").Json<Album>()).ShareId);
        var still = await owner.Client.GetAsync($"/api/v1/shares/{linkAndFriend.Id}").Json<Share>();
        Assert.False(still.LinkEnabled);
        // Turned on again, the link has a new address: the old one never opens anything again.
        var again = await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{linkAndFriend.Id}", new { linkEnabled = true }).Json<Share>();
        Assert.NotEqual(linkAndFriend.Key, again.Key);
        await guest.GetAsync($"/api/v1/s/{linkAndFriend.Key}").ShouldBeProblem(404, "share.link_invalid");
        Assert.Equal(1, await AuditCountAsync("admin.links-removed"));

        // Shares with people: invitees go; the share whose link is on stays for its guests, the other goes.
        Assert.Equal(2, (await friend.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>()).Groups.SelectMany(g => g.Items).Count());
        var dryShares = await RemoveAsync(true, "shares").Json<Removed>();
        Assert.Equal(new Removed(true, null, 2, 1, null), dryShares);
        Assert.Equal(dryShares with { DryRun = false }, await RemoveAsync(false, "shares").Json<Removed>());
        Assert.Empty((await friend.Client.GetAsync("/api/v1/sharing/with-me").Json<SharedWithMePage>()).Groups.SelectMany(g => g.Items));
        await friend.Client.GetAsync($"/api/v1/albums/{people.Id}").ShouldBeProblem(404, "resource.not_found");
        await owner.Client.GetAsync($"/api/v1/shares/{friendOnly.Id}").ShouldBeProblem(404, "resource.not_found");
        await guest.GetAsync($"/api/v1/s/{again.Key}").ShouldBe(200);
        // The photos stay where they are.
        Assert.Equal(3, (await owner.Client.GetAsync("/api/v1/albums").Json<Page<Album>>()).Items.Count);
        await owner.Client.GetAsync($"/api/v1/assets/{photo}").ShouldBe(200);
        Assert.Equal(1, await AuditCountAsync("admin.shares-removed"));
    }

    [Fact]
    public async Task Settings_go_back_to_their_defaults()
    {
        var admin = api.Admin.Client;
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "open", sharedSpaceEnabled = true }).ShouldBe(200);
        var dry = await RemoveAsync(true, "settings").Json<Removed>();
        Assert.Equal(new Removed(true, null, null, 0, true), dry);
        Assert.Equal("open", (await admin.GetAsync("/api/v1/admin/settings").Json()).GetProperty("registrationMode").GetString());

        Assert.Equal(dry with { DryRun = false }, await RemoveAsync(false, "settings").Json<Removed>());
        var settings = await admin.GetAsync("/api/v1/admin/settings").Json();
        Assert.Equal(("approval", false), (settings.GetProperty("registrationMode").GetString(), settings.GetProperty("sharedSpaceEnabled").GetBoolean()));
        Assert.False((await RemoveAsync(true, "settings").Json<Removed>()).SettingsChanged);
        Assert.Equal(1, await AuditCountAsync("admin.settings-reset"));
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "open" }).ShouldBe(200);
    }
}
