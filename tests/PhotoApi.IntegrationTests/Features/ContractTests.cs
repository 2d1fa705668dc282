using System.Collections;
using System.Reflection;
using FastEndpoints;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PhotoApi.Api.Features.Common;
using PhotoApi.IntegrationTests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// openapi.yaml is the contract. These tests fail when the served routes, methods, operationIds, parameters or the
/// property names and JSON types of request and response bodies differ from it, in either direction.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ContractTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] Verbs = ["get", "put", "post", "delete", "patch", "head", "options"];

    private sealed record Served(string Method, string Path, string? OperationId, Type? Request, Type? Response, int SuccessStatus,
        IReadOnlyList<IProducesResponseTypeMetadata> Produces, Type? MultipartForm, string? RawBody);

    private List<Served> ServedOperations()
    {
        // Touch the server so the endpoint data sources are built.
        _ = api.Server;
        var endpoints = api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        var list = new List<Served>();
        foreach (var e in endpoints)
        {
            var path = "/" + e.RoutePattern.RawText!.TrimStart('/');
            if (!path.StartsWith("/api/", StringComparison.Ordinal) && !path.StartsWith("/health/", StringComparison.Ordinal)) continue;
            var definition = e.Metadata.FirstOrDefault(m => m.GetType().Name == "EndpointDefinition");
            var request = definition?.GetType().GetProperty("ReqDtoType")?.GetValue(definition) as Type;
            var response = definition?.GetType().GetProperty("ResDtoType")?.GetValue(definition) as Type;
            var produces = e.Metadata.OfType<IProducesResponseTypeMetadata>().ToList();
            var success = produces.Select(p => p.StatusCode).Where(s => s is >= 200 and < 300).DefaultIfEmpty(200).Min();
            var form = e.Metadata.GetMetadata<Api.Infrastructure.Uploads.MultipartForm>()?.FormType;
            var raw = e.Metadata.GetMetadata<Api.Infrastructure.Uploads.RawBody>()?.ContentType;
            foreach (var method in e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                list.Add(new Served(method.ToLowerInvariant(), path, e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName, request, response, success, produces, form, raw));
        }
        return list;
    }

    private static YamlMappingNode Contract()
    {
        using var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, "openapi.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static IEnumerable<(string Method, string Path, YamlMappingNode Operation)> ContractOperations(YamlMappingNode root)
    {
        foreach (var (pathNode, item) in (YamlMappingNode)root["paths"])
            foreach (var (verb, op) in (YamlMappingNode)item)
                if (Verbs.Contains(verb.ToString()))
                    yield return (verb.ToString(), pathNode.ToString(), (YamlMappingNode)op);
    }

    [Fact]
    public void Every_served_operation_is_in_the_contract_and_nothing_else_is()
    {
        var served = ServedOperations().Select(s => $"{s.Method.ToUpperInvariant()} {s.Path} {s.OperationId}").ToHashSet();
        var contract = ContractOperations(Contract()).Select(o => $"{o.Method.ToUpperInvariant()} {o.Path} {Scalar(o.Operation, "operationId")}").ToHashSet();
        var missing = served.Except(contract).Order().ToList();
        var extra = contract.Except(served).Order().ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"Served but not in openapi.yaml:\n  {string.Join("\n  ", missing)}\nIn openapi.yaml but not served:\n  {string.Join("\n  ", extra)}");
        Assert.All(ServedOperations(), s => Assert.False(string.IsNullOrEmpty(s.OperationId), $"{s.Method} {s.Path} has no operationId"));
    }

    [Fact]
    public void Parameters_and_bodies_match_the_contract()
    {
        var root = Contract();
        var operations = ContractOperations(root).ToDictionary(o => (o.Method, o.Path), o => o.Operation);
        var errors = new List<string>();
        foreach (var s in ServedOperations())
        {
            if (!operations.TryGetValue((s.Method, s.Path), out var op)) continue; // reported by the other test
            var where = $"{s.Method.ToUpperInvariant()} {s.Path}";
            var routeParams = s.Path.Split('/').Where(p => p.StartsWith('{')).Select(p => p.Trim('{', '}').Split(':')[0]).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var requestProps = s.Request is null || s.Request == typeof(EmptyRequest) ? [] : JsonProperties(s.Request);
            var queryProps = requestProps.Where(p => p.Property.GetCustomAttribute<QueryParamAttribute>() is not null).Select(p => p.Name).ToHashSet();
            var bodyProps = requestProps.Where(p => !routeParams.Contains(p.Name) && !queryProps.Contains(p.Name)).ToList();

            var parameters = op.Children.TryGetValue(new YamlScalarNode("parameters"), out var ps)
                ? ((YamlSequenceNode)ps).Cast<YamlMappingNode>().Select(p => Resolve(root, p)).ToList() : [];
            Compare(errors, $"{where} query parameters", queryProps,
                parameters.Where(p => Scalar(p, "in") == "query").Select(p => Scalar(p, "name")!).ToHashSet());
            Compare(errors, $"{where} path parameters", routeParams,
                parameters.Where(p => Scalar(p, "in") == "path").Select(p => Scalar(p, "name")!).ToHashSet());

            var requestBody = op.Children.TryGetValue(new YamlScalarNode("requestBody"), out var rb) ? (YamlMappingNode)Resolve(root, (YamlMappingNode)rb)["content"] : null;
            if (s.MultipartForm is { } formType)
            {
                // Streamed multipart: the endpoint reads the parts itself; its form type describes them.
                if (requestBody is null || !requestBody.Children.TryGetValue(new YamlScalarNode("multipart/form-data"), out var multipart))
                    errors.Add($"{where}: the API reads multipart/form-data ({formType.Name}), the contract does not say so");
                else
                    CompareObject(errors, root, $"{where} form", JsonProperties(formType), Resolve(root, (YamlMappingNode)((YamlMappingNode)multipart)["schema"]));
            }
            else if (s.RawBody is { } rawType)
            {
                // Raw bytes (tus chunks): the one media type, a binary string.
                var declared = requestBody?.Children.Keys.Select(k => k.ToString()).ToHashSet() ?? [];
                Compare(errors, $"{where} request media types", new HashSet<string> { rawType }, declared);
                if (requestBody is not null && declared.Contains(rawType) &&
                    Scalar(Resolve(root, (YamlMappingNode)((YamlMappingNode)requestBody[rawType])["schema"]), "format") != "binary")
                    errors.Add($"{where}: a raw body is format: binary");
            }
            else
            {
                var bodySchema = requestBody is null ? null : Resolve(root, (YamlMappingNode)requestBody["application/json"]["schema"]);
                if (bodyProps.Count == 0 && bodySchema is not null) errors.Add($"{where}: the contract has a request body, the API reads none");
                if (bodyProps.Count > 0 && bodySchema is null) errors.Add($"{where}: the API reads a body ({s.Request!.Name}), the contract has none");
                if (bodyProps.Count > 0 && bodySchema is not null) CompareObject(errors, root, $"{where} request", bodyProps, bodySchema);
            }

            var responses = (YamlMappingNode)op["responses"];
            if (!responses.Children.TryGetValue(new YamlScalarNode(s.SuccessStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)), out var success))
            {
                errors.Add($"{where}: the contract has no {s.SuccessStatus} response");
                continue;
            }
            var successNode = Resolve(root, (YamlMappingNode)success);
            var content = successNode.Children.TryGetValue(new YamlScalarNode("content"), out var c) ? (YamlMappingNode)c : null;
            var binary = s.Produces.FirstOrDefault(p => p.StatusCode == s.SuccessStatus && p.Type == typeof(Stream));
            if (binary is not null)
            {
                // A file answer: the same media types, each a binary string.
                var declared = content?.Children.Keys.Select(k => k.ToString()).ToHashSet() ?? [];
                Compare(errors, $"{where} {s.SuccessStatus} media types", binary.ContentTypes.ToHashSet(), declared);
                foreach (var media in content?.Children.Values ?? [])
                    if (Scalar(Resolve(root, (YamlMappingNode)((YamlMappingNode)media)["schema"]), "format") != "binary")
                        errors.Add($"{where}: file answers are format: binary");
            }
            else
            {
                var hasResponseBody = s.Response is not null && s.Response != typeof(object) && s.SuccessStatus != 204;
                if (hasResponseBody && content is null) errors.Add($"{where}: the API answers {s.Response!.Name}, the contract has no body");
                if (!hasResponseBody && content is not null) errors.Add($"{where}: the contract has a response body, the API sends none");
                if (hasResponseBody && content is not null)
                    CompareType(errors, root, $"{where} response", s.Response!, Resolve(root, (YamlMappingNode)content["application/json"]["schema"]));
            }
            // Every success or redirect status the endpoint declares is documented.
            foreach (var status in s.Produces.Select(p => p.StatusCode).Where(x => x is >= 200 and < 400).Distinct())
                if (!responses.Children.ContainsKey(new YamlScalarNode(status.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                    errors.Add($"{where}: the API answers {status}, the contract does not list it");
        }
        Assert.True(errors.Count == 0, "openapi.yaml and the API disagree:\n  " + string.Join("\n  ", errors));
    }

    [Fact]
    public void Every_error_response_is_problem_json_with_a_code()
    {
        var root = Contract();
        var problem = Resolve(root, (YamlMappingNode)root["components"]["schemas"]["ApiProblem"]);
        var errors = new List<string>();
        CompareObject(errors, root, "ApiProblem", JsonProperties(typeof(Api.Infrastructure.Errors.ApiProblem)), problem);
        foreach (var (method, path, op) in ContractOperations(root))
            foreach (var (status, response) in (YamlMappingNode)op["responses"])
            {
                if (!status.ToString().StartsWith('4') && !status.ToString().StartsWith('5')) continue;
                var node = Resolve(root, (YamlMappingNode)response);
                if (!node.Children.TryGetValue(new YamlScalarNode("content"), out var content) ||
                    !((YamlMappingNode)content).Children.TryGetValue(new YamlScalarNode("application/problem+json"), out var media) ||
                    ((YamlMappingNode)((YamlMappingNode)media)["schema"]).Children[new YamlScalarNode("$ref")].ToString() != "#/components/schemas/ApiProblem")
                    errors.Add($"{method.ToUpperInvariant()} {path} {status}: not application/problem+json ApiProblem");
            }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    // ---- comparison helpers ----

    private sealed record JsonProperty(string Name, PropertyInfo Property);

    private static List<JsonProperty> JsonProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>()?.Condition != System.Text.Json.Serialization.JsonIgnoreCondition.Always)
            .Select(p => new JsonProperty(char.ToLowerInvariant(p.Name[0]) + p.Name[1..], p)).ToList();

    private static void Compare(List<string> errors, string what, ISet<string> api, ISet<string> contract)
    {
        foreach (var m in api.Except(contract)) errors.Add($"{what}: '{m}' is read by the API but not in the contract");
        foreach (var m in contract.Except(api)) errors.Add($"{what}: '{m}' is in the contract but not read by the API");
    }

    private static void CompareObject(List<string> errors, YamlNode root, string where, List<JsonProperty> props, YamlMappingNode schema)
    {
        var properties = schema.Children.TryGetValue(new YamlScalarNode("properties"), out var p) ? (YamlMappingNode)p : new YamlMappingNode();
        Compare(errors, where, props.Select(x => x.Name).ToHashSet(), properties.Children.Keys.Select(k => k.ToString()).ToHashSet());
        foreach (var prop in props)
            if (properties.Children.TryGetValue(new YamlScalarNode(prop.Name), out var s))
                CompareType(errors, root, $"{where}.{prop.Name}", prop.Property.PropertyType, Resolve(root, (YamlMappingNode)s));
    }

    private static void CompareType(List<string> errors, YamlNode root, string where, Type type, YamlMappingNode schema)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var types = SchemaTypes(schema);
        var expected = JsonType(type);
        if (!types.Contains(expected))
        {
            errors.Add($"{where}: the API uses {expected} ({type.Name}), the contract says {string.Join("|", types)}");
            return;
        }
        if (expected == "array")
            CompareType(errors, root, $"{where}[]", ElementType(type), Resolve(root, (YamlMappingNode)schema["items"]));
        else if (expected == "object" && !type.IsAssignableTo(typeof(IDictionary)))
            CompareObject(errors, root, where, JsonProperties(type), schema);
    }

    private static string JsonType(Type t) =>
        t == typeof(string) || t == typeof(Guid) || t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(DateOnly) || t == typeof(TimeOnly) || t.IsEnum ? "string"
        : t == typeof(IFormFile) ? "string"
        : t == typeof(bool) ? "boolean"
        : t == typeof(int) || t == typeof(long) || t == typeof(short) ? "integer"
        : t == typeof(double) || t == typeof(decimal) || t == typeof(float) ? "number"
        : t != typeof(string) && t.IsAssignableTo(typeof(IEnumerable)) && !t.IsAssignableTo(typeof(IDictionary)) ? "array"
        : "object";

    private static Type ElementType(Type t) =>
        t.IsArray ? t.GetElementType()! : t.GetGenericArguments().Single();

    private static HashSet<string> SchemaTypes(YamlMappingNode schema)
    {
        if (!schema.Children.TryGetValue(new YamlScalarNode("type"), out var t)) return ["object"];
        return t is YamlSequenceNode seq ? seq.Select(n => n.ToString()).ToHashSet() : [t.ToString()];
    }

    private static YamlMappingNode Resolve(YamlNode root, YamlMappingNode node)
    {
        while (node.Children.TryGetValue(new YamlScalarNode("$ref"), out var r))
        {
            YamlNode target = root;
            foreach (var part in r.ToString().TrimStart('#', '/').Split('/')) target = ((YamlMappingNode)target)[part];
            node = (YamlMappingNode)target;
        }
        return node;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v.ToString() : null;
}
