using System.Net.Http.Json;
using System.Text.Json;

namespace PhotoApi.IntegrationTests.Infrastructure;

public static class Assertions
{
    /// <summary>Asserts the status, showing the body when it differs (so a failure says why).</summary>
    public static async Task ShouldBe(this HttpResponseMessage response, int status)
    {
        if ((int)response.StatusCode != status)
            Assert.Fail($"Expected {status}, got {(int)response.StatusCode} for {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: " +
                        await response.Content.ReadAsStringAsync());
    }

    /// <summary>Asserts a problem+json answer with this status and code, and returns it for further checks.</summary>
    public static async Task<Problem> ShouldBeProblem(this HttpResponseMessage response, int status, string code)
    {
        await response.ShouldBe(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<Problem>())!;
        Assert.Equal(status, problem.Status);
        Assert.Equal(code, problem.Code);
        Assert.False(string.IsNullOrWhiteSpace(problem.Title));
        return problem;
    }

    public static async Task<T> Json<T>(this HttpResponseMessage response, int status = 200)
    {
        await response.ShouldBe(status);
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    public static async Task<JsonElement> Json(this HttpResponseMessage response, int status = 200) =>
        await response.Json<JsonElement>(status);
}

public static class PendingAssertions
{
    public static async Task ShouldBe(this Task<HttpResponseMessage> response, int status) => await (await response).ShouldBe(status);
    public static async Task<Problem> ShouldBeProblem(this Task<HttpResponseMessage> response, int status, string code) => await (await response).ShouldBeProblem(status, code);
    public static async Task<T> Json<T>(this Task<HttpResponseMessage> response, int status = 200) => await (await response).Json<T>(status);
    public static async Task<JsonElement> Json(this Task<HttpResponseMessage> response, int status = 200) => await (await response).Json(status);
}

public sealed record Problem(string Type, string Title, int Status, string? Detail, string? Instance, string Code, string? TraceId,
    Dictionary<string, string[]>? Errors);
