using System.Net.Http.Headers;
using System.Net.Http.Json;
using OtpNet;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Accounts and credentials: two-step codes are throttled like passwords, credential changes end API keys, names are
/// one line of normalised text, and listing API keys needs a signed-in person.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsAccountsTests(ApiFactory api)
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

    // ---- listing API keys needs a session ----

    [Fact]
    public async Task An_api_key_cannot_list_api_keys()
    {
        var user = await api.NewUserAsync("keys");
        var (_, integration) = await ApiKeyAsync(user);
        await (await integration.GetAsync("/api/v1/api-keys")).ShouldBeProblem(403, "auth.session_required");
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

    private sealed record Enrollment(string Secret, string OtpauthUri);
}
