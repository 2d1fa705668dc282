using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class AdminTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    public static TheoryData<string, string> AdminRoutes => new()
    {
        { "GET", "/api/v1/admin/users" },
        { "POST", "/api/v1/admin/users" },
        { "PATCH", $"/api/v1/admin/users/{Guid.NewGuid()}" },
        { "POST", $"/api/v1/admin/users/{Guid.NewGuid()}/password" },
        { "GET", "/api/v1/admin/settings" },
        { "PATCH", "/api/v1/admin/settings" },
        { "POST", "/api/v1/groups" },
        { "PATCH", $"/api/v1/groups/{Guid.NewGuid()}" },
        { "DELETE", $"/api/v1/groups/{Guid.NewGuid()}" },
    };

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task Admin_operations_are_forbidden_to_users_and_need_sign_in(string method, string url)
    {
        var user = await api.NewUserAsync();
        var request = () => new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(new { }) };
        await (await user.Client.SendAsync(request())).ShouldBeProblem(403, "auth.forbidden");
        await (await api.NewClient().SendAsync(request())).ShouldBeProblem(401, "auth.unauthenticated");
    }

    [Fact]
    public async Task Admin_creates_finds_and_updates_users()
    {
        var username = "made-" + Guid.NewGuid().ToString("N")[..8];
        var created = await api.Admin.Client.PostAsJsonAsync("/api/v1/admin/users", new
        {
            username, password = "Made-Passw0rd", email = $"{username}@example.test", displayName = "Made", role = "user", photoLibraryAllowed = false,
        }).Json<User>(201);
        Assert.Equal("active", created.Status);
        Assert.False(created.PhotoLibraryAllowed);

        var found = await api.Admin.Client.GetAsync($"/api/v1/admin/users?q={username}").Json<Page<User>>();
        Assert.Equal(created.Id, Assert.Single(found.Items).Id);
        var none = await api.Admin.Client.GetAsync($"/api/v1/admin/users?q={username}&status=disabled").Json<Page<User>>();
        Assert.Empty(none.Items);

        var updated = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{created.Id}",
            new { role = "admin", photoLibraryAllowed = true, displayName = "Renamed" }).Json<User>();
        Assert.Equal(("admin", true, "Renamed"), (updated.Role, updated.PhotoLibraryAllowed, updated.DisplayName));
        Assert.Equal(created.Email, updated.Email);
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_sessions_and_sign_in()
    {
        var user = await api.NewUserAsync();
        var key = await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "k" }).Json<ApiKeyCreated>(201);
        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status = "disabled" }).Json<User>();
        await (await user.Client.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var integration = api.NewClient();
        integration.DefaultRequestHeaders.Add("X-Api-Key", key.Key);
        await (await integration.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var login = await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password });
        await login.ShouldBeProblem(403, "auth.account_disabled");
        var refresh = await api.NewClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = user.Tokens.RefreshToken });
        await refresh.ShouldBeProblem(401, "auth.invalid_refresh_token");
    }

    [Fact]
    public async Task The_photo_library_privilege_is_enforced_for_users_and_groups()
    {
        var user = await api.NewUserAsync();
        var asset = await user.UploadAsync("grey.jpg");
        await user.Client.GetAsync("/api/v1/assets").ShouldBe(200);

        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { photoLibraryAllowed = false }).ShouldBe(200);
        await (await user.Client.GetAsync("/api/v1/assets")).ShouldBeProblem(403, "auth.photo_library_denied");
        await (await user.Client.GetAsync("/api/v1/folders")).ShouldBeProblem(403, "auth.photo_library_denied");
        await (await user.Client.GetAsync($"/api/v1/assets/{asset.Id}/original")).ShouldBeProblem(403, "auth.photo_library_denied");
        await user.Client.GetAsync("/api/v1/users/me").ShouldBe(200); // the account itself still works

        await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { photoLibraryAllowed = true }).ShouldBe(200);
        await user.Client.GetAsync("/api/v1/assets").ShouldBe(200);

        // A group that is denied the library denies it to its members (deny wins).
        var group = await api.Admin.Client.PostAsJsonAsync("/api/v1/groups",
            new { name = "no-photos-" + Guid.NewGuid().ToString("N")[..6], photoLibraryAllowed = false, memberIds = new[] { user.UserId } }).Json<Group>(201);
        await (await user.Client.GetAsync("/api/v1/assets")).ShouldBeProblem(403, "auth.photo_library_denied");
        await api.Admin.Client.DeleteAsync($"/api/v1/groups/{group.Id}").ShouldBe(204);
        await user.Client.GetAsync("/api/v1/assets").ShouldBe(200);
    }

    [Fact]
    public async Task An_admin_cannot_lock_themselves_out()
    {
        var me = await api.Admin.Client.GetAsync("/api/v1/users/me").Json<User>();
        var response = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{me.Id}", new { status = "disabled" });
        await response.ShouldBeProblem(409, "user.cannot_change_self");
        await (await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{me.Id}", new { role = "user" })).ShouldBeProblem(409, "user.cannot_change_self");
    }

    [Fact]
    public async Task Bad_updates_are_refused()
    {
        var user = await api.NewUserAsync();
        var bad = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { status = "pending", role = "root" });
        var problem = await bad.ShouldBeProblem(400, "validation.failed");
        Assert.Contains("status", problem.Errors!.Keys);
        Assert.Contains("role", problem.Errors!.Keys);
        await (await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{Guid.NewGuid()}", new { status = "active" })).ShouldBeProblem(404, "resource.not_found");
        var other = await api.NewUserAsync();
        var me = await other.Client.GetAsync("/api/v1/users/me").Json<User>();
        var clash = await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{user.UserId}", new { email = me.Email });
        await clash.ShouldBeProblem(409, "user.email_taken");
    }

    [Fact]
    public async Task Reset_password_replaces_it_and_ends_sessions()
    {
        var user = await api.NewUserAsync();
        var weak = await api.Admin.Client.PostAsJsonAsync($"/api/v1/admin/users/{user.UserId}/password", new { newPassword = "abc" });
        await weak.ShouldBeProblem(400, "validation.failed");
        await api.Admin.Client.PostAsJsonAsync($"/api/v1/admin/users/{user.UserId}/password", new { newPassword = "Reset-Passw0rd" }).ShouldBe(204);
        await (await user.Client.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        await api.LoginAsync(user.Username, "Reset-Passw0rd");
        await (await api.Admin.Client.PostAsJsonAsync($"/api/v1/admin/users/{Guid.NewGuid()}/password", new { newPassword = "Reset-Passw0rd" }))
            .ShouldBeProblem(404, "resource.not_found");
    }

    [Fact]
    public async Task Settings_are_read_and_validated()
    {
        var settings = await api.Admin.Client.GetAsync("/api/v1/admin/settings").Json<Settings>();
        Assert.Contains(settings.RegistrationMode, (string[])["open", "approval", "closed"]);
        var bad = await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "anyone" });
        Assert.Contains("registrationMode", (await bad.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        var wrongType = await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { sharedSpaceEnabled = "yes" });
        Assert.Contains("sharedSpaceEnabled", (await wrongType.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
        var after = await api.Admin.Client.GetAsync("/api/v1/admin/settings").Json<Settings>();
        Assert.Equal(settings.SharedSpaceEnabled, after.SharedSpaceEnabled);
    }

    private sealed record Settings(string RegistrationMode, bool SharedSpaceEnabled, DateTime UpdatedAt);
}
