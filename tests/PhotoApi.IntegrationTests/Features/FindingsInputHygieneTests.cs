using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using FastEndpoints;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// NUL characters and null elements anywhere a client can put text or ids — JSON bodies (nested too), query parameters,
/// route values — are refused as 400 validation.failed naming the field, on every operation; never a 500. The probes
/// are derived from the served endpoints and their request types, so a new operation is probed without editing this.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsInputHygieneTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Nul = "a\u0000b";

    public sealed record Probe(string Method, string Url, string? Json, string Field)
    {
        public override string ToString() => $"{Method} {Url} {Json} -> {Field}";
    }

    [Fact]
    public async Task Nul_characters_and_null_elements_are_validation_failures_on_every_operation()
    {
        var probes = Probes().ToList();
        Assert.True(probes.Count > 60, $"only {probes.Count} probes: the endpoint enumeration is broken");
        var failures = new List<string>();
        foreach (var probe in probes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Url);
            if (probe.Json is not null) request.Content = new StringContent(probe.Json, Encoding.UTF8, "application/json");
            using var response = await api.Admin.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            if ((int)response.StatusCode != 400 || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                failures.Add($"{probe}: {(int)response.StatusCode} {body}");
                continue;
            }
            var problem = JsonSerializer.Deserialize<Problem>(body, JsonSerializerOptions.Web)!;
            if (problem.Code != "validation.failed" || problem.Errors?.ContainsKey(probe.Field) != true)
                failures.Add($"{probe}: {problem.Code} naming [{string.Join(", ", problem.Errors?.Keys.ToArray() ?? [])}]");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {probes.Count} probes were not 400 validation.failed naming the field:\n  " +
                                         string.Join("\n  ", failures));
    }

    private IEnumerable<Probe> Probes()
    {
        _ = api.Server;
        foreach (var endpoint in api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<EndpointDefinition>() is not { } definition) continue;
            // Streamed multipart uploads read their parts by hand (their fields have their own checks).
            if (endpoint.Metadata.GetMetadata<Api.Infrastructure.Uploads.MultipartForm>() is not null) continue;
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var request = definition.ReqDtoType == typeof(EmptyRequest) ? null : definition.ReqDtoType;
            var props = request?.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => JsonName(p), StringComparer.OrdinalIgnoreCase) ?? [];
            var routeParams = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList();
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)
            {
                string Url(string? nulParam, string query = "") =>
                    routeParams.Aggregate(route, (url, name) => url.Replace($"{{{name}}}", name == nulParam ? "a%00b"
                        : props.TryGetValue(name, out var p) && Unwrap(p.PropertyType) == typeof(Guid) ? Guid.CreateVersion7().ToString() : "x")) + query;

                // An operation that takes a JSON body is sent one (an empty object), as clients do: without it the answer
                // is the 415 of a missing body, before the query is read.
                var takesBody = method != "GET" && props.Values.Any(IsBody(routeParams));
                foreach (var (name, prop) in props)
                    if (prop.GetCustomAttribute<QueryParamAttribute>() is not null)
                        yield return new Probe(method, Url(null, $"?{name}=a%00b"), takesBody ? "{}" : null, name);
                if (method == "GET") continue;
                foreach (var (path, value) in BodyProbes(props.Values.Where(IsBody(routeParams))))
                    yield return new Probe(method, Url(null), JsonSerializer.Serialize(value), path);
            }
        }
    }

    private static Func<PropertyInfo, bool> IsBody(List<string> routeParams) => p =>
        p.GetCustomAttribute<QueryParamAttribute>() is null && !routeParams.Contains(JsonName(p), StringComparer.OrdinalIgnoreCase);

    /// <summary>For each text or id-list field (nested ones too): a body that puts a NUL or a null element there.</summary>
    private static IEnumerable<(string Path, Dictionary<string, object?> Body)> BodyProbes(IEnumerable<PropertyInfo> props, int depth = 0)
    {
        if (depth > 3) yield break;
        foreach (var prop in props)
        {
            var name = JsonName(prop);
            var type = Unwrap(prop.PropertyType);
            if (type == typeof(string))
            {
                yield return (name, new() { [name] = Nul });
                continue;
            }
            if (ElementType(type) is { } element)
            {
                yield return ($"{name}[0]", new() { [name] = new object?[] { null } });
                if (element == typeof(string)) yield return ($"{name}[0]", new() { [name] = new object?[] { Nul } });
                if (IsDto(element))
                    foreach (var (path, inner) in BodyProbes(element.GetProperties(), depth + 1))
                        yield return ($"{name}[0].{path}", new() { [name] = new object?[] { inner } });
                continue;
            }
            if (IsDto(type))
                foreach (var (path, inner) in BodyProbes(type.GetProperties(), depth + 1))
                    yield return ($"{name}.{path}", new() { [name] = inner });
        }
    }

    private static Type Unwrap(Type t) => Nullable.GetUnderlyingType(t) ?? t;

    private static Type? ElementType(Type t) =>
        t == typeof(string) ? null : t.IsArray ? t.GetElementType()
        : t.IsGenericType && typeof(IEnumerable).IsAssignableFrom(t) ? t.GetGenericArguments()[0] : null;

    private static bool IsDto(Type t) => t.IsClass && t != typeof(string) && t.Namespace?.StartsWith("PhotoApi.", StringComparison.Ordinal) == true;

    private static string JsonName(PropertyInfo p) => char.ToLowerInvariant(p.Name[0]) + p.Name[1..];
}
