using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// The audit trail as admins and users read it: what each security-relevant operation records (with the caller's
/// address, never a secret), who sees which events, that a change rolled back leaves no event, and the lists' paging
/// and filters. Retention is the worker's <c>AuditRetentionJobTests</c>.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AuditTrailTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record AuditUser(Guid Id, string? Username);

    private sealed record AuditEvent(Guid Id, DateTime At, string Kind, AuditUser? Actor, AuditUser? Owner, string? TargetType, Guid? TargetId,
        string? Address, JsonElement Details);

    private static async Task<(List<AuditEvent> Events, string Raw)> ReadAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        await response.ShouldBe(200);
        var raw = await response.Content.ReadAsStringAsync();
        return (JsonSerializer.Deserialize<Page<AuditEvent>>(raw, JsonSerializerOptions.Web)!.Items, raw);
    }

    private static async Task<List<AuditEvent>> MineAsync(Session who, string query = "") =>
        (await ReadAsync(who.Client, $"/api/v1/users/me/audit?limit=1000{query}")).Events;

    private async Task<Guid> AdminIdAsync() => (await api.Admin.Client.GetAsync("/api/v1/users/me").Json<User>()).Id;

    /// <summary>A signed-in session on a client whose address is <paramref name="ip"/>.</summary>
    private async Task<Session> SignInFromAsync(Session user, string ip)
    {
        var client = api.NewClient(ip);
        var tokens = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password }).Json<Tokens>();
        client.DefaultRequestHeaders.Authorization = new("Bearer", tokens.AccessToken);
        return user with { Client = client, Tokens = tokens };
    }

    [Fact]
    public async Task Sign_in_failures_and_successes_reach_the_admin_with_the_address_and_the_reason()
    {
        var user = await api.NewUserAsync("signin");
        var ip = ApiFactory.RandomIp();
        var client = api.NewClient(ip);
        await client.PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = "Wrong-password-1" }).ShouldBeProblem(401, "auth.invalid_credentials");
        var nobody = "nobody-" + Guid.NewGuid().ToString("N")[..8];
        await client.PostAsJsonAsync("/api/v1/auth/login", new { username = nobody, password = "Wrong-password-2" }).ShouldBeProblem(401, "auth.invalid_credentials");
        await SignInFromAsync(user, ip);

        var (events, raw) = await ReadAsync(api.Admin.Client, $"/api/v1/admin/audit?kind=auth.&userId={user.UserId}");
        Assert.Equal(["auth.sign-in", "auth.sign-in-failed", "auth.sign-in"], events.Select(e => e.Kind)); // newest first; the first is NewUserAsync's
        var (success, failure) = (events[0], events[1]);
        Assert.Equal((user.UserId, user.UserId, ip), (success.Actor!.Id, success.Owner!.Id, success.Address));
        Assert.Equal(user.Username, success.Owner.Username);
        Assert.False(success.Details.GetProperty("twoStep").GetBoolean());
        Assert.Null(failure.Actor);
        Assert.Equal((user.UserId, ip, "wrong-password"), (failure.Owner!.Id, failure.Address, failure.Details.GetProperty("reason").GetString()));

        // An unknown name has no owner: only the admin sees it — without the name typed (often a password typed there).
        var (failures, failuresRaw) = await ReadAsync(api.Admin.Client, "/api/v1/admin/audit?kind=auth.sign-in-failed&limit=1000");
        var unknown = Assert.Single(failures, e => e.Address == ip && e.Details.GetProperty("reason").GetString() == "unknown-user");
        Assert.Equal((null, null), (unknown.Actor, unknown.Owner));
        Assert.False(unknown.Details.TryGetProperty("username", out _));
        Assert.DoesNotContain(nobody, failuresRaw, StringComparison.Ordinal);
        Assert.DoesNotContain("Wrong-password", raw + failuresRaw, StringComparison.Ordinal);

        // The user sees the failure on their own account, not the unknown name's.
        var mine = await MineAsync(user);
        Assert.Contains(mine, e => e.Kind == "auth.sign-in-failed" && e.Address == ip);
        Assert.DoesNotContain(mine, e => e.Id == unknown.Id);

        // A disabled account's right password is a failure of its own reason.
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status = "disabled" }).ShouldBe(200);
        await client.PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password }).ShouldBeProblem(403, "auth.account_disabled");
        var (latest, _) = await ReadAsync(api.Admin.Client, $"/api/v1/admin/audit?userId={user.UserId}&limit=2");
        Assert.Equal(["auth.sign-in-failed", "admin.user-updated"], latest.Select(e => e.Kind));
        Assert.Equal("disabled", latest[0].Details.GetProperty("reason").GetString());
        Assert.Equal((api.Admin.Username, "disabled"), (latest[1].Actor!.Username, latest[1].Details.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_users_trail_shows_their_key_and_share_with_invitees_roles_and_link_options_but_never_a_password_or_key()
    {
        var alice = await api.NewUserAsync("alice");
        var bob = await api.NewUserAsync("bob");
        var key = await alice.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "frame" }).Json<JsonElement>(201);
        var album = await alice.CreateAlbumAsync("Audited");
        var expires = DateTime.UtcNow.AddDays(7);
        var share = await alice.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public", password = "Link-secret-1",
            expiresAt = expires, allowDownload = false,
            invitees = new[] { new { principalType = "user", principalId = bob.UserId, role = "downloader" } },
        }).Json<Share>(201);
        await alice.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { password = "Link-secret-2", allowUpload = true }).ShouldBe(200);
        var rotated = await alice.Client.PostAsync($"/api/v1/shares/{share.Id}/rotate-key", null).Json<Share>();

        var (events, raw) = await ReadAsync(alice.Client, "/api/v1/users/me/audit?limit=1000");
        Assert.Equal(["share.key-rotated", "share.updated", "share.created", "api-key.created"], events.Take(4).Select(e => e.Kind));
        foreach (var secret in new[] { "Link-secret-1", "Link-secret-2", share.Key, rotated.Key, key.GetProperty("key").GetString()!, alice.Password })
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);

        var created = events[2];
        Assert.Equal((alice.UserId, alice.UserId, "share", share.Id), (created.Actor!.Id, created.Owner!.Id, created.TargetType, created.TargetId));
        var d = created.Details;
        Assert.Equal(("album", album.Id, "Audited"), (d.GetProperty("target").GetProperty("type").GetString(),
            d.GetProperty("target").GetProperty("albumId").GetGuid(), d.GetProperty("target").GetProperty("name").GetString()));
        var invitee = Assert.Single(d.GetProperty("invitees").EnumerateArray());
        Assert.Equal(("user", bob.UserId, "downloader"), (invitee.GetProperty("principalType").GetString(), invitee.GetProperty("principalId").GetGuid(),
            invitee.GetProperty("role").GetString()));
        Assert.Equal((true, "public", true, false, false), (d.GetProperty("linkEnabled").GetBoolean(), d.GetProperty("privacy").GetString(),
            d.GetProperty("passwordSet").GetBoolean(), d.GetProperty("allowDownload").GetBoolean(), d.GetProperty("allowUpload").GetBoolean()));
        Assert.Equal(expires, d.GetProperty("expiresAt").GetDateTime(), TimeSpan.FromMilliseconds(1));

        var updated = events[1].Details;
        Assert.Equal(["password", "allowUpload"], updated.GetProperty("changed").EnumerateArray().Select(c => c.GetString()));
        Assert.True(updated.GetProperty("allowUpload").GetBoolean());

        var keyEvent = events[3];
        Assert.Equal(("api-key", key.GetProperty("id").GetGuid(), key.GetProperty("prefix").GetString()),
            (keyEvent.TargetType, keyEvent.TargetId, keyEvent.Details.GetProperty("prefix").GetString()));

        await alice.Client.DeleteAsync($"/api/v1/shares/{share.Id}").ShouldBe(204);
        await alice.Client.DeleteAsync($"/api/v1/api-keys/{key.GetProperty("id").GetGuid()}").ShouldBe(204);
        var (latest, _) = await ReadAsync(alice.Client, "/api/v1/users/me/audit?limit=2");
        Assert.Equal(["api-key.revoked", "share.deleted"], latest.Take(2).Select(e => e.Kind));
        Assert.Equal(bob.UserId, Assert.Single(latest[1].Details.GetProperty("invitees").EnumerateArray()).GetProperty("principalId").GetGuid());
    }

    [Fact]
    public async Task A_user_never_sees_another_users_events_and_only_admins_read_the_whole_trail()
    {
        var alice = await api.NewUserAsync("alice");
        var bob = await api.NewUserAsync("bob");
        await alice.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "alice's" }).ShouldBe(201);
        var album = await alice.CreateAlbumAsync("For Bob");
        var share = await alice.ShareAlbumAsync(album.Id, (bob, "viewer"));
        await alice.Client.PostAsJsonAsync("/api/v1/partners", new { userId = bob.UserId }).ShouldBe(201);

        // Bob is the invitee and the partner, but these are Alice's events: his trail has only his own.
        var bobs = await MineAsync(bob);
        Assert.NotEmpty(bobs);
        Assert.All(bobs, e => Assert.True(e.Actor?.Id == bob.UserId || e.Owner?.Id == bob.UserId, $"{e.Kind} is not Bob's"));
        Assert.DoesNotContain(bobs, e => e.TargetId == share.Id || e.Kind.StartsWith("partner.", StringComparison.Ordinal));
        // Nor can filters reach them.
        Assert.Empty(await MineAsync(bob, "&kind=share."));
        Assert.Contains(await MineAsync(alice, "&kind=share."), e => e.TargetId == share.Id);
        Assert.Contains(await MineAsync(alice, "&kind=partner.created"), e => e.TargetId == bob.UserId);

        await bob.Client.GetAsync("/api/v1/admin/audit").ShouldBeProblem(403, "auth.forbidden");
        await bob.Client.GetAsync($"/api/v1/admin/audit?userId={alice.UserId}").ShouldBeProblem(403, "auth.forbidden");
        await api.NewClient().GetAsync("/api/v1/users/me/audit").ShouldBeProblem(401, "auth.unauthenticated");
        await api.NewClient().GetAsync("/api/v1/admin/audit").ShouldBeProblem(401, "auth.unauthenticated");
    }

    [Fact]
    public async Task A_change_that_is_rolled_back_writes_no_event()
    {
        var alice = await api.NewUserAsync("alice");
        var album = await alice.CreateAlbumAsync("Once");
        async Task<long> SharesAudited()
        {
            await using var conn = new NpgsqlConnection(api.ConnectionString);
            return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_events WHERE kind LIKE 'share.%' AND owner_id = @id", new { id = alice.UserId });
        }

        // The share row is inserted, then its invitee is refused: the transaction, and so the event, goes.
        await alice.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id },
            invitees = new[] { new { principalType = "user", principalId = Guid.NewGuid(), role = "viewer" } },
        }).ShouldBeProblem(400, "share.unknown_invitee");
        Assert.Equal(0, await SharesAudited());

        var share = await alice.ShareAlbumAsync(album.Id);
        Assert.Equal(1, await SharesAudited());
        // A second share of the album conflicts at the insert; an update refused after its UPDATE ran leaves nothing either.
        await alice.Client.PostAsJsonAsync("/api/v1/shares", new { target = new { type = "album", id = album.Id } }).ShouldBeProblem(409, "share.already_shared");
        await alice.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new
        {
            linkEnabled = true, invitees = new[] { new { principalType = "user", principalId = alice.UserId, role = "viewer" } },
        }).ShouldBeProblem(400, "share.invitee_is_owner");
        Assert.Equal(1, await SharesAudited());
        Assert.False((await alice.Client.GetAsync($"/api/v1/shares/{share.Id}").Json<Share>()).LinkEnabled);
    }

    [Fact]
    public async Task Keyset_paging_returns_every_event_once_newest_first()
    {
        var user = await api.NewUserAsync("pager");
        for (var i = 0; i < 7; i++) await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = $"k{i}" }).ShouldBe(201);
        var all = await MineAsync(user);
        Assert.Equal(9, all.Count); // created by the admin, signed in, seven keys

        foreach (var client in new[] { user.Client, api.Admin.Client })
        {
            var url = client == user.Client ? "/api/v1/users/me/audit?limit=2" : $"/api/v1/admin/audit?userId={user.UserId}&limit=2";
            var seen = new List<AuditEvent>();
            string? cursor = null;
            do
            {
                var page = await client.GetAsync(url + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")).Json<Page<AuditEvent>>();
                Assert.InRange(page.Items.Count, 1, 2);
                seen.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null);
            Assert.Equal(all.Select(e => e.Id), seen.Select(e => e.Id));
        }
        Assert.Equal(all.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Select(e => e.Id), all.Select(e => e.Id));
        Assert.Equal(["admin.user-created", "auth.sign-in"], all.TakeLast(2).Select(e => e.Kind).Reverse());
    }

    [Fact]
    public async Task Filters_by_kind_prefix_user_and_time_and_bad_filters_are_refused()
    {
        var user = await api.NewUserAsync("filters");
        var adminId = await AdminIdAsync();
        for (var i = 0; i < 3; i++) await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = $"f{i}" }).ShouldBe(201);
        var all = await MineAsync(user);
        Assert.Equal(["api-key.created", "api-key.created", "api-key.created", "auth.sign-in", "admin.user-created"], all.Select(e => e.Kind));

        Assert.Equal(3, (await MineAsync(user, "&kind=api-key.created")).Count);
        Assert.Equal(3, (await MineAsync(user, "&kind=api-key.")).Count);
        Assert.Equal(["auth.sign-in"], (await MineAsync(user, "&kind=auth.")).Select(e => e.Kind));
        Assert.Empty(await MineAsync(user, "&kind=api-key")); // neither the kind nor a prefix (no dot)

        var pivot = all[2].At; // the first key's time
        string At(DateTime t) => Uri.EscapeDataString(t.ToString("O"));
        Assert.Equal(all.Take(3).Select(e => e.Id), (await MineAsync(user, $"&from={At(pivot)}")).Select(e => e.Id));
        Assert.Equal(all.Skip(3).Select(e => e.Id), (await MineAsync(user, $"&to={At(pivot)}")).Select(e => e.Id));
        Assert.Equal([all[2].Id], (await MineAsync(user, $"&from={At(pivot)}&to={At(all[1].At)}")).Select(e => e.Id));

        var (byUser, _) = await ReadAsync(api.Admin.Client, $"/api/v1/admin/audit?userId={user.UserId}&kind=api-key.&limit=1000");
        Assert.Equal(all.Take(3).Select(e => e.Id), byUser.Select(e => e.Id));
        // The admin who created the account is its actor: the event is the admin's and the user's.
        Assert.Contains((await ReadAsync(api.Admin.Client, $"/api/v1/admin/audit?userId={adminId}&kind=admin.user-created&limit=1000")).Events,
            e => e.Owner?.Id == user.UserId);

        foreach (var bad in new[] { "kind=Share", "kind=share..x", $"kind={new string('a', 101)}", $"from={At(pivot)}&to={At(pivot)}", "cursor=%%%", "limit=0", "limit=1001" })
            await user.Client.GetAsync($"/api/v1/users/me/audit?{bad}").ShouldBeProblem(400, "validation.failed");
        await api.Admin.Client.GetAsync("/api/v1/admin/audit?userId=nobody").ShouldBeProblem(400, "validation.failed");
    }

    [Fact]
    public async Task A_wrong_link_password_and_a_guests_upload_to_a_photo_request_reach_their_owners_trail()
    {
        var owner = await api.NewUserAsync("links");
        var album = await owner.CreateAlbumAsync("Locked");
        var share = await owner.Client.PostAsJsonAsync("/api/v1/shares", new
        {
            target = new { type = "album", id = album.Id }, linkEnabled = true, privacy = "public", password = "Right-pass-1",
        }).Json<Share>(201);
        var guestIp = ApiFactory.RandomIp();
        var guest = api.NewClient(guestIp);
        await guest.PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "Guess-pass-1" }).ShouldBeProblem(401, "share.unlock_failed");
        await guest.PostAsJsonAsync($"/api/v1/s/{share.Key}/unlock", new { password = "Right-pass-1" }).ShouldBe(200);

        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Audited request" }).Json<JsonElement>(201);
        var requestId = request.GetProperty("id").GetGuid();
        var form = PhotoRequestTests.Files((await File.ReadAllBytesAsync(Library.Fixture("grey.jpg")), "holiday.jpg"));
        await guest.PostAsync($"/api/v1/r/{request.GetProperty("key").GetString()}/uploads", form).ShouldBe(202);

        var (events, raw) = await ReadAsync(owner.Client, "/api/v1/users/me/audit?limit=1000");
        var unlock = Assert.Single(events, e => e.Kind == "link.unlock-failed");
        Assert.Equal((null, owner.UserId, "share", share.Id, guestIp), (unlock.Actor, unlock.Owner!.Id, unlock.TargetType, unlock.TargetId, unlock.Address));
        var upload = Assert.Single(events, e => e.Kind == "photo-request.upload");
        Assert.Equal((null, owner.UserId, "photo-request", requestId, guestIp), (upload.Actor, upload.Owner!.Id, upload.TargetType, upload.TargetId, upload.Address));
        var file = Assert.Single(upload.Details.GetProperty("files").EnumerateArray());
        Assert.Equal(("holiday.jpg", "image"), (file.GetProperty("fileName").GetString(), file.GetProperty("mediaType").GetString()));
        Assert.DoesNotContain("pass-1", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_step_password_and_admin_changes_are_recorded_for_the_account()
    {
        var user = await api.NewUserAsync("account");
        var adminId = await AdminIdAsync();
        var enrolled = await user.Client.PostAsync("/api/v1/users/me/totp", null).Json<JsonElement>();
        await user.Client.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = user.Password, newPassword = "Another-Passw0rd-1" }).ShouldBe(204);
        await api.Admin.Client.PostAsJsonAsync($"/api/v1/admin/users/{user.UserId}/password", new { newPassword = "Reset-Passw0rd-1" }).ShouldBe(204);
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { photoLibraryAllowed = false }).ShouldBe(200);

        var (events, raw) = await ReadAsync(api.Admin.Client, $"/api/v1/admin/audit?userId={user.UserId}&limit=4");
        Assert.Equal(["admin.user-updated", "admin.user-password-reset", "account.password-changed", "account.two-step-enrolled"], events.Select(e => e.Kind));
        Assert.Equal([("photoLibraryAllowed", "false")], events[0].Details.EnumerateObject().Select(p => (p.Name, p.Value.GetRawText())));
        Assert.All(events.Take(2), e => Assert.Equal(adminId, e.Actor!.Id));
        Assert.All(events.Skip(2), e => Assert.Equal(user.UserId, e.Actor!.Id));
        foreach (var secret in new[] { enrolled.GetProperty("secret").GetString()!, "Another-Passw0rd-1", "Reset-Passw0rd-1" })
            Assert.DoesNotContain(secret, raw, StringComparison.Ordinal);

        await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "open" }).ShouldBe(200);
        var setting = (await ReadAsync(api.Admin.Client, "/api/v1/admin/audit?kind=admin.settings-changed&limit=1")).Events.Single();
        Assert.Equal((adminId, (AuditUser?)null, "open"), (setting.Actor!.Id, setting.Owner, setting.Details.GetProperty("registrationMode").GetString()));
    }
}
