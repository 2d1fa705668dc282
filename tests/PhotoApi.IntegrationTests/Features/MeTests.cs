using System.Net.Http.Json;
using OtpNet;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class MeTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task GetMe_shows_the_caller_and_needs_a_token()
    {
        var session = await api.NewUserAsync("me");
        var me = await session.Client.GetAsync("/api/v1/users/me").Json<User>();
        Assert.Equal(session.UserId, me.Id);
        Assert.Equal(session.Username, me.Username);
        Assert.False(me.TotpEnabled);
        await (await api.NewClient().GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
    }

    [Fact]
    public async Task GetMe_says_the_callers_effective_Shared_Space_access()
    {
        var admin = api.Admin.Client;
        var full = await api.NewUserAsync("ss-full");
        var viaGroup = await api.NewUserAsync("ss-group");
        var ownWins = await api.NewUserAsync("ss-own");
        var nobody = await api.NewUserAsync("ss-none");
        var group = (await admin.PostAsJsonAsync("/api/v1/groups",
            new { name = $"ss-{Guid.NewGuid():N}"[..12], memberIds = new[] { viaGroup.UserId, ownWins.UserId } }).Json(201)).GetProperty("id").GetGuid();
        await admin.PutAsJsonAsync("/api/v1/shared-space/access", new
        {
            entries = new object[]
            {
                new { principalType = "user", principalId = full.UserId, level = "full" },
                new { principalType = "group", principalId = group, level = "custom" },
                new { principalType = "user", principalId = ownWins.UserId, level = "none" }, // the user's own setting wins over the group's
            },
        }).ShouldBe(200);

        async Task<string> AccessOf(Session s) => (await s.Client.GetAsync("/api/v1/users/me").Json<User>()).SharedSpaceAccess;
        async Task<Dictionary<Guid, string>> Listed() =>
            (await admin.GetAsync("/api/v1/admin/users?limit=1000").Json<Page<User>>()).Items.ToDictionary(u => u.Id, u => u.SharedSpaceAccess);

        // Disabled: nobody reaches the Shared Space, the admin included.
        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = false }).ShouldBe(200);
        foreach (var s in new[] { api.Admin, full, viaGroup, ownWins, nobody }) Assert.Equal("none", await AccessOf(s));

        await admin.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = true }).ShouldBe(200);
        Assert.Equal("full", await AccessOf(api.Admin)); // admins always have Full Access
        Assert.Equal("full", await AccessOf(full));
        Assert.Equal("custom", await AccessOf(viaGroup));
        Assert.Equal("none", await AccessOf(ownWins));
        Assert.Equal("none", await AccessOf(nobody));
        // The admin's user list shows each user's own access (the same schema), not the admin's.
        var listed = await Listed();
        Assert.Equal("full", listed[full.UserId]);
        Assert.Equal("custom", listed[viaGroup.UserId]);
        Assert.Equal("none", listed[ownWins.UserId]);
        Assert.Equal("none", listed[nobody.UserId]);
        // It is the access the policy applies: the Custom user lists the Shared Space's top level, the others cannot.
        await viaGroup.Client.GetAsync("/api/v1/folders?space=shared").ShouldBe(200);
        await (await nobody.Client.GetAsync("/api/v1/folders?space=shared")).ShouldBeProblem(404, "space.unavailable");
    }

    [Fact]
    public async Task Changing_the_password_ends_other_sessions_and_the_old_password()
    {
        var session = await api.NewUserAsync();
        var elsewhere = await api.LoginAsync(session.Username, session.Password);
        var wrong = await session.Client.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = "Nope-Passw0rd", newPassword = "New-Passw0rd1" });
        Assert.Contains("currentPassword", (await wrong.ShouldBeProblem(400, "auth.invalid_credentials")).Errors!.Keys);
        var weak = await session.Client.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = session.Password, newPassword = "weakweak" });
        Assert.Contains("newPassword", (await weak.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);

        await session.Client.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = session.Password, newPassword = "New-Passw0rd1" }).ShouldBe(204);
        await session.Client.GetAsync("/api/v1/users/me").ShouldBe(200);
        await (await elsewhere.Client.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var old = await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = session.Username, password = session.Password });
        await old.ShouldBeProblem(401, "auth.invalid_credentials");
        await api.LoginAsync(session.Username, "New-Passw0rd1");
    }

    [Fact]
    public async Task Two_step_verification_enroll_confirm_login_and_disable()
    {
        var session = await api.NewUserAsync("totp");
        var confirmEarly = await session.Client.PostAsJsonAsync("/api/v1/users/me/totp/confirm", new { code = "123456" });
        await confirmEarly.ShouldBeProblem(409, "auth.totp_not_enrolled");

        var enrollment = await session.Client.PostAsync("/api/v1/users/me/totp", null).Json<Enrollment>();
        Assert.StartsWith("otpauth://totp/PhotoApi:", enrollment.OtpauthUri, StringComparison.Ordinal);
        Assert.Contains($"secret={enrollment.Secret}", enrollment.OtpauthUri, StringComparison.Ordinal);
        // An independent RFC 6238 implementation (Otp.NET) plays the authenticator app.
        var app = new OtpNet.Totp(Base32Encoding.ToBytes(enrollment.Secret));

        var bad = await session.Client.PostAsJsonAsync("/api/v1/users/me/totp/confirm", new { code = WrongCode(app) });
        await bad.ShouldBeProblem(400, "auth.totp_invalid");
        var code = app.ComputeTotp();
        await session.Client.PostAsJsonAsync("/api/v1/users/me/totp/confirm", new { code }).ShouldBe(204);
        Assert.True((await session.Client.GetAsync("/api/v1/users/me").Json<User>()).TotpEnabled);
        await (await session.Client.PostAsync("/api/v1/users/me/totp", null)).ShouldBeProblem(409, "auth.totp_already_enabled");

        var client = api.NewClient();
        var noCode = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = session.Username, password = session.Password });
        await noCode.ShouldBeProblem(401, "auth.totp_required");
        var wrongCode = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = session.Username, password = session.Password, totpCode = WrongCode(app) });
        await wrongCode.ShouldBeProblem(401, "auth.totp_invalid");
        // The code that confirmed enrollment is spent: a replay is refused even within its 30 seconds.
        var replay = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = session.Username, password = session.Password, totpCode = code });
        await replay.ShouldBeProblem(401, "auth.totp_invalid");

        var next = await NextCodeAsync(app, code);
        await client.PostAsJsonAsync("/api/v1/auth/login", new { username = session.Username, password = session.Password, totpCode = next }).ShouldBe(200);

        var disableWrong = await Send(session.Client, HttpMethod.Delete, "/api/v1/users/me/totp", new { code = WrongCode(app) });
        await disableWrong.ShouldBeProblem(400, "auth.totp_invalid");
        var third = await NextCodeAsync(app, next);
        await (await Send(session.Client, HttpMethod.Delete, "/api/v1/users/me/totp", new { code = third })).ShouldBe(204);
        await client.PostAsJsonAsync("/api/v1/auth/login", new { username = session.Username, password = session.Password }).ShouldBe(200);
    }

    [Fact]
    public async Task Credential_management_refuses_api_keys()
    {
        var session = await api.NewUserAsync();
        var key = await session.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "ci" }).Json<ApiKeyCreated>(201);
        var integration = api.NewClient();
        integration.DefaultRequestHeaders.Add("X-Api-Key", key.Key);
        await integration.GetAsync("/api/v1/users/me").ShouldBe(200);
        await (await integration.PutAsJsonAsync("/api/v1/users/me/password", new { currentPassword = session.Password, newPassword = "New-Passw0rd1" }))
            .ShouldBeProblem(403, "auth.session_required");
        await (await integration.PostAsync("/api/v1/users/me/totp", null)).ShouldBeProblem(403, "auth.session_required");
        await (await integration.PostAsJsonAsync("/api/v1/api-keys", new { name = "more" })).ShouldBeProblem(403, "auth.session_required");
    }

    private static string WrongCode(OtpNet.Totp app)
    {
        var now = DateTime.UtcNow;
        var valid = new[] { app.ComputeTotp(now.AddSeconds(-30)), app.ComputeTotp(now), app.ComputeTotp(now.AddSeconds(30)), app.ComputeTotp(now.AddSeconds(60)) };
        for (var i = 0; ; i++)
        {
            var candidate = (i * 7919 % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
            if (!valid.Contains(candidate)) return candidate;
        }
    }

    /// <summary>Waits for the authenticator to show a code other than <paramref name="used"/> (at most one 30-second step).</summary>
    private static async Task<string> NextCodeAsync(OtpNet.Totp app, string used)
    {
        // The server accepts the next step too (clock skew), so the code of the coming step is valid now.
        var next = app.ComputeTotp(DateTime.UtcNow.AddSeconds(30));
        if (next != used) return next;
        await Task.Delay(TimeSpan.FromSeconds(app.RemainingSeconds() + 1));
        return app.ComputeTotp(DateTime.UtcNow.AddSeconds(30));
    }

    internal static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, object body) =>
        client.SendAsync(new HttpRequestMessage(method, url) { Content = JsonContent.Create(body) });

    private sealed record Enrollment(string Secret, string OtpauthUri);
}

public sealed record ApiKeyCreated(Guid Id, string Name, string Prefix, string Key, DateTime CreatedAt);
