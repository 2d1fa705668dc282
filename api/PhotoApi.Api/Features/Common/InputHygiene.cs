using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using FastEndpoints;
using FluentValidation.Results;

namespace PhotoApi.Api.Features.Common;

/// <summary>
/// One rule for every operation, run once FastEndpoints has bound the request and before its validator: no text holds a
/// NUL character (PostgreSQL refuses it in text) and no list holds a null element (validators and handlers expect
/// values). It looks at the query string and route values as sent and walks the bound request — strings, lists, nested
/// objects — so a new operation is covered without writing anything. A failure is 400 <c>validation.failed</c> naming each
/// field by its JSON path (<c>invitees[0]</c>, <c>conditions.tags[1]</c>) or query/route name.
/// </summary>
public static class InputHygiene
{
    public const string NulMessage = "Must not contain NUL characters.";
    public const string NullElementMessage = "Must not be null.";

    private const int MaxDepth = 16;
    private static readonly ConcurrentDictionary<Type, (string Name, PropertyInfo Property)[]> Properties = new();

    /// <summary>The <c>BindingOptions.Modifier</c> of the API.</summary>
    public static void Check(object request, Type type, BinderContext context, CancellationToken ct)
    {
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        var http = context.HttpContext.Request;
        foreach (var (key, value) in http.RouteValues)
            if (value is string text && text.Contains('\0')) failures.TryAdd(Printable(key), NulMessage);
        foreach (var (key, values) in http.Query)
            if (key.Contains('\0') || values.Any(v => v?.Contains('\0') == true)) failures.TryAdd(Printable(key), NulMessage);
        Walk(request, "", failures, 0);
        if (failures.Count == 0) return;
        context.ValidationFailures.AddRange(failures.Select(f => new ValidationFailure(f.Key, f.Value)));
        throw new ValidationFailureException(context.ValidationFailures, "The request holds NUL characters or null list elements.");
    }

    private static void Walk(object? value, string path, Dictionary<string, string> failures, int depth)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                if (text.Contains('\0')) failures.TryAdd(path, NulMessage);
                return;
            case IDictionary map when depth < MaxDepth:
                foreach (DictionaryEntry entry in map)
                {
                    var at = Join(path, Printable(entry.Key.ToString() ?? ""));
                    if (entry.Key is string key && key.Contains('\0')) failures.TryAdd(at, NulMessage);
                    if (entry.Value is null) failures.TryAdd(at, NullElementMessage);
                    else Walk(entry.Value, at, failures, depth + 1);
                }
                return;
            case IEnumerable list when depth < MaxDepth:
                var i = 0;
                foreach (var element in list)
                {
                    var at = $"{path}[{i++}]";
                    if (element is null) failures.TryAdd(at, NullElementMessage);
                    else Walk(element, at, failures, depth + 1);
                }
                return;
        }
        var type = value.GetType();
        if (depth >= MaxDepth || !IsRequestModel(type)) return;
        foreach (var (name, property) in Properties.GetOrAdd(type, Readable))
            Walk(property.GetValue(value), Join(path, name), failures, depth + 1);
    }

    /// <summary>The API's own request types (and the records nested in them); framework and value types hold no text to check.</summary>
    private static bool IsRequestModel(Type type) =>
        type.IsClass && type.Namespace?.StartsWith("PhotoApi.", StringComparison.Ordinal) == true;

    private static (string, PropertyInfo)[] Readable(Type type) => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
        .Select(p => (char.ToLowerInvariant(p.Name[0]) + p.Name[1..], p)).ToArray();

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Printable(string name) => name.Replace('\0', '?');
}
