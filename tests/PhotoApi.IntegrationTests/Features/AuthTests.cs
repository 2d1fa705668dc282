using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

[Collection(ApiCollection.Name)]
public sealed class AuthTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static object NewAccount(string password = "Str0ng-Pass") => new
    {
        username = "reg-" + Guid.NewGuid().ToString("N")[..10],
        password,
        email = $"{Guid.NewGuid():N}@example.test",
        displayName = "Someone",
    };

    [Fact]
    public async Task Registering_while_open_gives_an_active_user_who_can_sign_in()
    {
        var account = NewAccount();
        var user = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register", account).Json<User>(201);
        Assert.Equal("active", user.Status);
        Assert.Equal("user", user.Role);
        var username = (string)account.GetType().GetProperty("username")!.GetValue(account)!;
        var session = await api.LoginAsync(username, "Str0ng-Pass");
        var me = await session.Client.GetAsync("/api/v1/users/me").Json<User>();
        Assert.Equal(user.Id, me.Id);
    }

    [Fact]
    public async Task A_weak_password_is_refused_with_every_rule_it_breaks()
    {
        var response = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register", NewAccount("short"));
        var problem = await response.ShouldBeProblem(400, "validation.failed");
        var messages = problem.Errors!["password"];
        Assert.Contains(messages, m => m.Contains("8 characters", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("upper-case", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("digit", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("lower-case", StringComparison.Ordinal));
    }

    private sealed record PasswordRule(string Rule, string Message);

    private sealed record RegistrationOptions(string Mode, bool FirstAccount, int PasswordMinLength, int PasswordMaxLength,
        PasswordRule[] PasswordRules, string UsernamePattern, string UsernameRule);

    private Task<RegistrationOptions> RegistrationOptionsAsync() => api.NewClient().GetAsync("/api/v1/auth/registration").Json<RegistrationOptions>();

    [Fact]
    public async Task The_registration_form_is_told_the_rules_register_checks()
    {
        await api.NewUserAsync();
        var options = await RegistrationOptionsAsync();
        Assert.False(options.FirstAccount);
        Assert.Equal(8, options.PasswordMinLength);
        // A password breaking every rule but the maximum length: each refusal is one of the rules the form shows.
        var response = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register", NewAccount("!!!!"));
        var messages = (await response.ShouldBeProblem(400, "validation.failed")).Errors!["password"];
        Assert.Equal(options.PasswordRules.Select(r => r.Message), messages);
        Assert.Equal(["min_length", "upper", "lower", "digit"], options.PasswordRules.Select(r => r.Rule));
        var badName = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register", new { username = "x", password = "Str0ng-Pass", email = "x@example.test", displayName = "X" });
        Assert.Equal([options.UsernameRule], (await badName.ShouldBeProblem(400, "validation.failed")).Errors!["username"]);
        Assert.Matches(options.UsernamePattern, "good.name-1");
        Assert.DoesNotMatch(options.UsernamePattern, "x");
    }

    [Fact]
    public async Task A_taken_username_is_a_conflict_whatever_its_case()
    {
        var first = await api.NewUserAsync();
        var response = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register", new
        {
            username = first.Username.ToUpperInvariant(), password = "Str0ng-Pass", email = "other@example.test", displayName = "X",
        });
        var problem = await response.ShouldBeProblem(409, "user.username_taken");
        Assert.Contains("username", problem.Errors!.Keys);
    }

    [Theory]
    [InlineData("{\"username\": \"abcdef\", ", "request.malformed", "serializerErrors")]                 // broken JSON
    [InlineData("{\"username\": 12, \"password\": \"Str0ng-Pass\"}", "validation.failed", "username")]   // wrong type
    [InlineData("{\"username\": \"abcdef\", \"password\": \"Str0ng-Pass\", \"email\": \"a@b.test\", \"displayName\": \"A\", \"role\": \"admin\"}", "validation.failed", "role")] // unknown field
    public async Task Malformed_bodies_are_refused_and_nothing_is_written(string body, string code, string field)
    {
        var response = await api.NewClient().PostAsync("/api/v1/auth/register", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await response.ShouldBeProblem(400, code);
        Assert.Contains(field, problem.Errors!.Keys);
        var search = await api.Admin.Client.GetAsync("/api/v1/admin/users?q=abcdef").Json<Page<User>>();
        Assert.Empty(search.Items);
    }

    [Fact]
    public async Task Registration_modes_approval_and_closed_are_enforced()
    {
        try
        {
            await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "approval" }).Json();
            Assert.Equal("approval", (await RegistrationOptionsAsync()).Mode);
            var account = NewAccount();
            var pending = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register", account).Json<User>(201);
            Assert.Equal("pending", pending.Status);
            var login = await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = pending.Username, password = "Str0ng-Pass" });
            await login.ShouldBeProblem(403, "auth.account_pending");

            await api.Admin.Client.PatchAsJsonAsync($"/api/v1/admin/users/{pending.Id}", new { status = "active" }).Json<User>();
            await api.LoginAsync(pending.Username, "Str0ng-Pass");

            await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "closed" }).Json();
            var closed = await api.NewClient().PostAsJsonAsync("/api/v1/auth/register", NewAccount());
            await closed.ShouldBeProblem(403, "auth.registration_closed");
            Assert.Equal("closed", (await RegistrationOptionsAsync()).Mode);
        }
        finally
        {
            await api.Admin.Client.PatchAsJsonAsync("/api/v1/admin/settings", new { registrationMode = "open" }).Json();
        }
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_are_answered_alike()
    {
        var user = await api.NewUserAsync();
        var wrong = await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = "Wrong-Passw0rd" });
        var unknown = await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = "nobody-" + Guid.NewGuid().ToString("N")[..8], password = "Wrong-Passw0rd" });
        var a = await wrong.ShouldBeProblem(401, "auth.invalid_credentials");
        var b = await unknown.ShouldBeProblem(401, "auth.invalid_credentials");
        Assert.Equal(a.Detail, b.Detail);
        Assert.Equal(a.Title, b.Title);
    }

    [Fact]
    public async Task Failed_logins_are_throttled_per_account_even_with_the_right_password()
    {
        var user = await api.NewUserAsync();
        for (var i = 0; i < 5; i++)
        {
            var failed = await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = "Wrong-Passw0rd" });
            await failed.ShouldBeProblem(401, "auth.invalid_credentials");
        }
        var blocked = await api.NewClient().PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password });
        await blocked.ShouldBeProblem(429, "auth.throttled");
        Assert.True(blocked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Failed_logins_are_throttled_per_client_address_across_accounts()
    {
        var client = api.NewClient(ApiFactory.RandomIp());
        for (var i = 0; i < 30; i++)
        {
            var failed = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = $"ghost-{i}-{Guid.NewGuid():N}", password = "Wrong-Passw0rd" });
            await failed.ShouldBeProblem(401, "auth.invalid_credentials");
        }
        var user = await api.NewUserAsync();
        var blocked = await client.PostAsJsonAsync("/api/v1/auth/login", new { username = user.Username, password = user.Password });
        await blocked.ShouldBeProblem(429, "auth.throttled");
        // Another address is not affected.
        await api.LoginAsync(user.Username, user.Password);
    }

    [Fact]
    public async Task Refresh_rotates_tokens_and_a_reused_refresh_token_ends_the_session()
    {
        var session = await api.NewUserAsync();
        var client = api.NewClient();
        var rotated = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = session.Tokens.RefreshToken }).Json<Tokens>();
        Assert.NotEqual(session.Tokens.RefreshToken, rotated.RefreshToken);
        Assert.NotEqual(session.Tokens.AccessToken, rotated.AccessToken);
        Assert.Equal("Bearer", rotated.TokenType);
        Assert.InRange(rotated.ExpiresIn, 60, 3600);

        var fresh = api.NewClient();
        fresh.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", rotated.AccessToken);
        await fresh.GetAsync("/api/v1/users/me").ShouldBe(200);

        // The spent token comes back: someone copied it. The whole family dies, including the newest tokens.
        var replay = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = session.Tokens.RefreshToken });
        await replay.ShouldBeProblem(401, "auth.refresh_token_reused");
        await (await fresh.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        await (await session.Client.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var next = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = rotated.RefreshToken });
        await next.ShouldBeProblem(401, "auth.invalid_refresh_token");
    }

    [Fact]
    public async Task An_unknown_refresh_token_is_refused()
    {
        var response = await api.NewClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = "rt_not-a-token" });
        await response.ShouldBeProblem(401, "auth.invalid_refresh_token");
        var empty = await api.NewClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = "" });
        Assert.Contains("refreshToken", (await empty.ShouldBeProblem(400, "validation.failed")).Errors!.Keys);
    }

    [Fact]
    public async Task Logout_revokes_the_access_and_refresh_tokens_of_that_session_only()
    {
        var user = await api.NewUserAsync();
        var other = await api.LoginAsync(user.Username, user.Password);
        await user.Client.PostAsync("/api/v1/auth/logout", null).ShouldBe(204);
        await (await user.Client.GetAsync("/api/v1/users/me")).ShouldBeProblem(401, "auth.unauthenticated");
        var refresh = await api.NewClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = user.Tokens.RefreshToken });
        await refresh.ShouldBeProblem(401, "auth.invalid_refresh_token");
        await other.Client.GetAsync("/api/v1/users/me").ShouldBe(200);
    }

    [Fact]
    public async Task Logout_needs_a_session()
    {
        await (await api.NewClient().PostAsync("/api/v1/auth/logout", null)).ShouldBeProblem(401, "auth.unauthenticated");
    }
}

