using System.Reflection;
using System.Text.Json;
using Dapper;

namespace PhotoApi.Api.Infrastructure.Data;

/// <summary>
/// A benchmarking aid: when <c>Diagnostics:ListQueryLog</c> names a file, every list page query the endpoints run is
/// appended to it as one JSON line <c>{"name", "sql", "parameters": {name: value}, "types": {name: CLR type}}</c>, so that a
/// benchmark can replay exactly what an endpoint ran (bench/reads.sh inlines the parameters and hands the SQL to pgbench).
/// <c>types</c> names each parameter's declared type (<c>Guid</c>, <c>DateTime</c>, <c>Int32</c>, <c>String[]</c>…) so
/// that a null can still be given its SQL type.
/// Off unless configured: then nothing subscribes and the list queries pay nothing. Every line is written under a lock
/// and flushed, which costs a request some microseconds: run load against an API started without it.
/// </summary>
public sealed class ListQueryLog(IConfiguration config, ListQueries queries, ILogger<ListQueryLog> logger) : IHostedService, IDisposable
{
    private readonly Lock gate = new();
    private StreamWriter? writer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = config["Diagnostics:ListQueryLog"];
        if (string.IsNullOrWhiteSpace(path)) return Task.CompletedTask;
        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        queries.Ran += Write;
        logger.LogWarning("Logging every list query to {Path} (Diagnostics:ListQueryLog): a benchmarking aid, not for production", path);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        queries.Ran -= Write;
        lock (gate)
        {
            writer?.Dispose();
            writer = null;
        }
    }

    private void Write(ListQuery query)
    {
        var (values, types) = Describe(query.Parameters);
        var line = JsonSerializer.Serialize(new { name = query.Name, sql = query.Sql, parameters = values, types });
        lock (gate) writer?.WriteLine(line);
    }

    /// <summary>The parameters by name with their values and declared types (the value's own type where none is declared).</summary>
    internal static (Dictionary<string, object?> Values, Dictionary<string, string?> Types) Describe(object? parameters)
    {
        var values = new Dictionary<string, object?>();
        var types = new Dictionary<string, string?>();
        void Add(string name, object? value, Type? declared)
        {
            if (value is DBNull) value = null;
            values[name] = value;
            var type = declared is null || declared == typeof(object) ? value?.GetType() : declared;
            types[name] = type is null ? null : TypeName(type);
        }

        foreach (var (name, value, declared) in QueryParameters.Of(parameters)) Add(name, value, declared);
        return (values, types);
    }

    private static string TypeName(Type t) =>
        Nullable.GetUnderlyingType(t) is { } inner ? TypeName(inner)
        : t.IsArray ? TypeName(t.GetElementType()!) + "[]"
        : t.IsGenericType && t.GetGenericArguments() is [var element] && typeof(System.Collections.IEnumerable).IsAssignableFrom(t) ? TypeName(element) + "[]"
        : t.Name;
}

/// <summary>The parameters given to a Dapper call: name, value and declared type (null where only the value says).</summary>
internal static class QueryParameters
{
    public static IEnumerable<(string Name, object? Value, Type? Declared)> Of(object? parameters)
    {
        switch (parameters)
        {
            case null:
                yield break;
            case DynamicParameters dynamic:
                var seen = new HashSet<string>();
                foreach (var name in dynamic.ParameterNames)
                {
                    seen.Add(name);
                    yield return (name, dynamic.Get<object?>(name), null);
                }
                // Objects added whole (new DynamicParameters(new { … })) are read by Dapper only when the command runs; they
                // are its private "templates".
                if (Templates.GetValue(dynamic) is IEnumerable<object> templates)
                    foreach (var template in templates)
                        foreach (var p in Properties(template))
                            if (seen.Add(p.Name)) yield return (p.Name, p.GetValue(template), p.PropertyType);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                foreach (var (name, value) in pairs) yield return (name, value, null);
                break;
            default:
                foreach (var p in Properties(parameters)) yield return (p.Name, p.GetValue(parameters), p.PropertyType);
                break;
        }
    }

    private static readonly FieldInfo Templates = typeof(DynamicParameters).GetField("templates", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new InvalidOperationException("Dapper's DynamicParameters no longer keeps its objects in 'templates': QueryParameters.Of must learn where they are.");

    private static IEnumerable<PropertyInfo> Properties(object o) =>
        o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0);
}
