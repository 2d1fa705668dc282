using System.Net.Http.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Accounts and credentials: two-step codes are throttled like passwords, credential changes end API keys, names are
/// one line of normalised text, and listing API keys needs a signed-in person.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsAccountsTests(ApiFactory api)
{
    // ---- listing API keys needs a session ----

    [Fact]
    public async Task An_api_key_cannot_list_api_keys()
    {
        var user = await api.NewUserAsync("keys");
        var (_, integration) = await ApiKeyAsync(user);
        await (await integration.GetAsync("/api/v1/api-keys")).ShouldBeProblem(403, "auth.session_required");
    }

    // ---- helpers ----

    private async Task<(ApiKeyCreated Key, HttpClient Integration)> ApiKeyAsync(Session user)
    {
        var key = await user.Client.PostAsJsonAsync("/api/v1/api-keys", new { name = "integration" }).Json<ApiKeyCreated>(201);
        var integration = api.NewClient();
        integration.DefaultRequestHeaders.Add("X-Api-Key", key.Key);
        await integration.GetAsync("/api/v1/users/me").ShouldBe(200);
        return (key, integration);
    }
}
