using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OtpNet;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Workers.Jobs.AccountsMaintenance;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Accounts and credentials: two-step codes are throttled like passwords, credential changes end API keys, names are
/// one line of normalised text, and listing API keys needs a signed-in person.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsAccountsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    // ---- two-step codes count as failed attempts ----

    [Fact]
    public async Task Wrong_two_step_codes_at_sign_in_are_throttled_per_account_even_with_the_right_password()
    {
        var (user, app) = await TwoStepUserAsync();
        for (var i = 0; i < 5; i++)
            await SignIn(user, WrongCode(app)).ShouldBeProblem(401, "auth.totp_invalid");
        // Every attempt came from another address: only the account's counter can block this one.
        var blocked = await SignIn(user, NextCode(app));
        await blocked.ShouldBeProblem(429, "auth.throttled");
        Assert.True(blocked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Only_a_complete_sign_in_forgives_wrong_codes_and_asking_for_the_code_is_no_failure()
    {
        var (user, app) = await TwoStepUserAsync();
        for (var i = 0; i < 3; i++)
            await SignIn(user, null).ShouldBeProblem(401, "auth.totp_required");
        for (var i = 0; i < 4; i++)
            await SignIn(user, WrongCode(app)).ShouldBeProblem(401, "auth.totp_invalid");
        await SignIn(user, NextCode(app)).ShouldBe(200);
        for (var i = 0; i < 4; i++)
            await SignIn(user, WrongCode(app)).ShouldBeProblem(401, "auth.totp_invalid");
    }

    [Fact]
    public async Task Wrong_codes_to_turn_two_step_off_are_throttled_and_it_stays_on()
    {
        var (user, app) = await TwoStepUserAsync();
        for (var i = 0; i < 5; i++)
            await DisableTotp(user.Client, WrongCode(app)).ShouldBeProblem(400, "auth.totp_invalid");
        var blocked = await DisableTotp(user.Client, NextCode(app));
        await blocked.ShouldBeProblem(429, "auth.throttled");
        Assert.True(blocked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.True((await user.Client.GetAsync("/api/v1/users/me").Json<User>()).TotpEnabled);
    }

    [Fact]
    public async Task Wrong_codes_to_confirm_enrollment_are_throttled()
    {
        var user = await api.NewUserAsync("enroll");
        var enrollment = await user.Client.PostAsync("/api/v1/users/me/totp", null).Json<Enrollment>();
        var app = new OtpNet.Totp(Base32Encoding.ToBytes(enrollment.Secret));
        for (var i = 0; i < 5; i++)
            await user.Client.PostAsJsonAsync("/api/v1/users/me/totp/confirm", new { code = WrongCode(app) }).ShouldBeProblem(400, "auth.totp_invalid");
        var blocked = await user.Client.PostAsJsonAsync("/api/v1/users/me/totp/confirm", new { code = app.ComputeTotp() });
        await blocked.ShouldBeProblem(429, "auth.throttled");
        Assert.False((await user.Client.GetAsync("/api/v1/users/me").Json<User>()).TotpEnabled);
    }

    [Fact]
    public async Task Two_step_codes_share_the_client_address_limit_of_sign_in()
    {
        var (user, app) = await TwoStepUserAsync();
        var ip = ApiFactory.RandomIp();
        var client = api.NewClient(ip);
        for (var i = 0; i < 30; i++)
        {
            var failed = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = $"ghost-{i}-{Guid.NewGuid():N}", password = "Wrong-Passw0rd" });
            await failed.ShouldBeProblem(401, "auth.invalid_credentials");
        }
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", user.Tokens.AccessToken);
        await DisableTotp(client, WrongCode(app)).ShouldBeProblem(429, "auth.throttled");
        // The same account from another address is not blocked.
        await DisableTotp(user.Client, NextCode(app)).ShouldBe(204);
    }

    // ---- credential changes end API keys ----

    [Fact]
    public async Task Changing_the_password_ends_the_users_api_keys_and_the_list_says_why()
    {
        var user = await api.NewUserAsync("keys");
        var (key, integration) = await ApiKeyAsync(user);
        await user.Client.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = user.Password, newPassword = "New-Passw0rd1" }).ShouldBe(204);

        await (await integration.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var listed = Assert.Single(await ListKeysAsync(user.Client));
        Assert.Equal(key.Id, listed.Id);
        Assert.Equal("password_changed", listed.RevokedReason);
        Assert.NotNull(listed.RevokedAt);
    }

    [Fact]
    public async Task An_admin_password_reset_ends_the_users_api_keys()
    {
        var user = await api.NewUserAsync("keys");
        var (_, integration) = await ApiKeyAsync(user);
        await api.Admin.Client.PostAsJsonAsync($"/api/v1/admin/users/{user.UserId}/password", new { newPassword = "Reset-Passw0rd1" }).ShouldBe(204);

        await (await integration.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var again = await api.LoginAsync(user.Username, "Reset-Passw0rd1");
        Assert.Equal("password_reset", Assert.Single(await ListKeysAsync(again.Client)).RevokedReason);
    }

    [Fact]
    public async Task Re_enabling_a_disabled_user_does_not_bring_their_api_keys_back()
    {
        var user = await api.NewUserAsync("keys");
        var (_, integration) = await ApiKeyAsync(user);
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status = "disabled" }).Json<User>();
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status = "active" }).Json<User>();

        await (await integration.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var again = await api.LoginAsync(user.Username, user.Password);
        Assert.Equal("account_disabled", Assert.Single(await ListKeysAsync(again.Client)).RevokedReason);

        // A new key works, is listed as live, and the revoked one can still be deleted from the list.
        var (fresh, freshIntegration) = await ApiKeyAsync(again);
        await freshIntegration.GetAsync("/api/v1/users/me").ShouldBe(200);
        var keys = await ListKeysAsync(again.Client);
        Assert.Null(keys.Single(k => k.Id == fresh.Id).RevokedAt);
        Assert.Null(keys.Single(k => k.Id == fresh.Id).RevokedReason);
        await again.Client.DeleteAsync($"/api/v1/api-keys/{keys.Single(k => k.Id != fresh.Id).Id}").ShouldBe(204);
        Assert.Equal(fresh.Id, Assert.Single(await ListKeysAsync(again.Client)).Id);
    }

    [Fact]
    public async Task A_password_change_leaves_other_users_keys_alone()
    {
        var user = await api.NewUserAsync("keys");
        var other = await api.NewUserAsync("keys");
        var (_, otherIntegration) = await ApiKeyAsync(other);
        await user.Client.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = user.Password, newPassword = "New-Passw0rd1" }).ShouldBe(204);
        await otherIntegration.GetAsync("/api/v1/users/me").ShouldBe(200);
        Assert.Null(Assert.Single(await ListKeysAsync(other.Client)).RevokedReason);
    }

    [Fact]
    public async Task Revoked_keys_leave_the_list_after_90_days()
    {
        var user = await api.NewUserAsync("keys");
        var (old, _) = await ApiKeyAsync(user);
        var (recent, _) = await ApiKeyAsync(user);
        await user.Client.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = user.Password, newPassword = "New-Passw0rd1" }).ShouldBe(204);
        var (live, _) = await ApiKeyAsync(user);
        await using var db = NpgsqlDataSource.Create(api.ConnectionString);
        await using (var conn = await db.OpenConnectionAsync())
            await conn.ExecuteAsync("UPDATE api_keys SET revoked_at = now() - interval '91 days' WHERE id = @id", new { id = old.Id });

        await new AccountsMaintenanceJob(db, NullLogger<AccountsMaintenanceJob>.Instance).PurgeExpiredAsync(CancellationToken.None);

        var keys = await ListKeysAsync(user.Client);
        Assert.Equal([recent.Id, live.Id], keys.Select(k => k.Id));
        Assert.Equal("password_changed", keys[0].RevokedReason);
    }

    // ---- listing API keys needs a session ----

    [Fact]
    public async Task An_api_key_cannot_list_api_keys()
    {
        var user = await api.NewUserAsync("keys");
        var (_, integration) = await ApiKeyAsync(user);
        await (await integration.GetAsync("/api/v1/api-keys")).ShouldBeProblem(403, "auth.session_required");
    }

    // ---- names are one line of NFC text ----

    public static TheoryData<string> BadUsernames => new() { "\n", "\r\n", "\0", "\t" };

    [Theory]
    [MemberData(nameof(BadUsernames))]
    public async Task A_username_with_a_line_break_or_control_character_is_refused(string tail)
    {
        var username = "tail-" + Guid.NewGuid().ToString("N")[..8];
        var register = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register",
            new { username = username + tail, password = "Passw0rd-x", email = $"{username}@example.test", displayName = "Tail" });
        Assert.Contains("username", (await register.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        var create = await api.Admin.Client.PostAsJsonAsync("/api/v1/admin/users",
            new { username = username + tail, password = "Passw0rd-x", email = $"{username}@example.test", displayName = "Tail" });
        Assert.Contains("username", (await create.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        Assert.Empty((await api.Admin.Client.GetAsync($"/api/v1/admin/users?q={username}").Json<Page<User>>()).Items);
    }

    public static TheoryData<string> BadNames => new() { "Eve\n", "Ev\re", "E\u0007ve", "Eve\u0085", "Eve\u2028Mallory", "\tEve" };

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task Display_names_with_control_characters_are_refused_everywhere_they_are_set(string name)
    {
        var username = "dn-" + Guid.NewGuid().ToString("N")[..8];
        var register = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register",
            new { username, password = "Passw0rd-x", email = $"{username}@example.test", displayName = name });
        Assert.Contains("displayName", (await register.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        var create = await api.Admin.Client.PostAsJsonAsync("/api/v1/admin/users",
            new { username, password = "Passw0rd-x", email = $"{username}@example.test", displayName = name });
        Assert.Contains("displayName", (await create.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);

        var user = await api.NewUserAsync("dn");
        var patch = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { displayName = name });
        Assert.Contains("displayName", (await patch.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        Assert.StartsWith("User ", (await user.Client.GetAsync("/api/v1/users/me").Json<User>()).DisplayName, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadNames))]
    public async Task Group_names_with_control_characters_are_refused(string name)
    {
        var create = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = name + Guid.NewGuid().ToString("N")[..6] });
        Assert.Contains("name", (await create.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        var group = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = "Clean " + Guid.NewGuid().ToString("N")[..6] }).Json<Group>(201);
        var patch = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/groups/{group.Id}", new { name });
        Assert.Contains("name", (await patch.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        Assert.Equal(group.Name, (await api.Admin.Client.GetAsync($"/api/v1/groups/{group.Id}").Json<Group>()).Name);
    }

    [Fact]
    public async Task Names_are_stored_in_unicode_nfc_so_look_alikes_are_one_name()
    {
        const string decomposed = "Zoe\u0308 Cafe\u0301", composed = "Zo\u00eb Caf\u00e9";
        var username = "nfc-" + Guid.NewGuid().ToString("N")[..8];
        var registered = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register",
            new { username, password = "Passw0rd-x", email = $"{username}@example.test", displayName = decomposed }).Json<User>(201);
        Assert.Equal(composed, registered.DisplayName);
        var created = await api.Admin.Client.PostAsJsonAsync("/api/v1/admin/users",
            new { username = username + "b", password = "Passw0rd-x", email = $"{username}b@example.test", displayName = decomposed }).Json<User>(201);
        Assert.Equal(composed, created.DisplayName);
        var patched = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{created.Id}", new { displayName = "  " + decomposed + "!" }).Json<User>();
        Assert.Equal(composed + "!", patched.DisplayName);

        var suffix = Guid.NewGuid().ToString("N")[..6];
        var group = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = decomposed + suffix }).Json<Group>(201);
        Assert.Equal(composed + suffix, group.Name);
        await api.Admin.Client.PostAsJsonAsync("/api/v1/groups", new { name = composed + suffix }).ShouldBeProblem(409, "group.name_taken");
        var renamed = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/groups/{group.Id}", new { name = decomposed + "!" + suffix }).Json<Group>();
        Assert.Equal(composed + "!" + suffix, renamed.Name);
    }

    [Fact]
    public async Task A_name_that_is_not_valid_unicode_is_refused_not_a_server_error()
    {
        var user = await api.NewUserAsync("surrogate");
        var patch = await api.Admin.Client.PatchAsync($"/api/v1/admin/users/{user.UserId}",
            new StringContent("""{"displayName":"Eve \ud800"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)patch.StatusCode);
        var group = await api.Admin.Client.PostAsync("/api/v1/groups",
            new StringContent("""{"name":"Team \udc00"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)group.StatusCode);
    }

    // ---- helpers ----

    private async Task<(Session User, OtpNet.Totp App)> TwoStepUserAsync()
    {
        var user = await api.NewUserAsync("twostep");
        var enrollment = await user.Client.PostAsync("/api/v1/users/me/totp", null).Json<Enrollment>();
        var app = new OtpNet.Totp(Base32Encoding.ToBytes(enrollment.Secret));
        await user.Client.PostAsJsonAsync("/api/v1/users/me/totp/confirm", new { code = app.ComputeTotp() }).ShouldBe(204);
        return (user, app);
    }

    /// <summary>A sign-in from an address of its own, so only the account's counter applies.</summary>
    private Task<HttpResponseMessage> SignIn(Session user, string? totpCode) =>
        api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password, totpCode });

    private static Task<HttpResponseMessage> DisableTotp(HttpClient client, string code) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/users/me/totp") { Content = JsonContent.Create(new { code }) });

    /// <summary>The code of the coming step: accepted now (one step of clock skew) and never the one that confirmed enrollment.</summary>
    private static string NextCode(OtpNet.Totp app) => app.ComputeTotp(DateTime.UtcNow.AddSeconds(30));

    /// <summary>A 6-digit code that no step near now produces.</summary>
    private static string WrongCode(OtpNet.Totp app)
    {
        var now = DateTime.UtcNow;
        var near = Enumerable.Range(-2, 5).Select(step => app.ComputeTotp(now.AddSeconds(step * 30))).ToHashSet();
        return Enumerable.Range(0, 10).Select(d => new string((char)('0' + d), 6)).First(c => !near.Contains(c));
    }

    private async Task<(ApiKeyCreated Key, HttpClient Integration)> ApiKeyAsync(Session user)
    {
        var key = await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "integration" }).Json<ApiKeyCreated>(201);
        var integration = api.NewClient();
        integration.DefaultRequestHeaders.Add("X-Api-Key", key.Key);
        await integration.GetAsync("/api/v1/users/me").ShouldBe(200);
        return (key, integration);
    }

    private static async Task<List<ListedKey>> ListKeysAsync(HttpClient client) =>
        (await client.GetAsync("/api/v1/api-keys").Json<Page<ListedKey>>()).Items;

    private sealed record ListedKey(Guid Id, string Name, string Prefix, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt, string? RevokedReason);

    private sealed record Enrollment(string Secret, string OtpauthUri);
}
