using System.Text.Json;
using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Data;
using YamlDotNet.RepresentationModel;

namespace PhotoApi.IntegrationTests.Infrastructure;

/// <summary>The plans PostgreSQL picks for the list queries the endpoints ran, and the lists the contract declares.</summary>
public static class QueryPlans
{
    /// <summary>
    /// <c>EXPLAIN (FORMAT JSON)</c> of exactly the query an endpoint ran: its SQL, its Dapper parameter object (so the
    /// same parameter types and values), on a connection of the API's own pool (so the same session settings).
    /// </summary>
    public static async Task<JsonElement> ExplainAsync(NpgsqlDataSource db, ListQuery query)
    {
        await using var conn = await db.OpenConnectionAsync();
        var json = await conn.ExecuteScalarAsync<string>(new CommandDefinition("EXPLAIN (FORMAT JSON) " + query.Sql, query.Parameters));
        using var doc = JsonDocument.Parse(json!);
        return doc.RootElement[0].GetProperty("Plan").Clone();
    }

    /// <summary>
    /// Every node that reads one of <paramref name="relations"/> whole, anywhere in the plan (below joins, in CTEs,
    /// InitPlans and SubPlans — PostgreSQL puts them all in some node's "Plans"): a sequential scan (parallel ones
    /// included), or an index scan without an index condition, which walks the whole index (of a partial index such as
    /// "not in the trash": nearly the whole table) only to filter and sort what it finds.
    /// </summary>
    public static IEnumerable<string> WholeReads(JsonElement node, IReadOnlySet<string> relations, string? relationship = null)
    {
        if (node.TryGetProperty("Relation Name", out var relation) && relations.Contains(relation.GetString()!)
            && node.GetProperty("Node Type").GetString() is "Seq Scan" or "Index Scan" or "Index Only Scan"
            && !node.TryGetProperty("Index Cond", out _))
            yield return Describe(node, relationship);
        if (!node.TryGetProperty("Plans", out var children)) yield break;
        foreach (var child in children.EnumerateArray())
        {
            var kind = child.TryGetProperty("Subplan Name", out var subplan) ? subplan.GetString()
                : child.TryGetProperty("Parent Relationship", out var parent) && parent.GetString() is "InitPlan" or "SubPlan" ? parent.GetString()
                : null;
            foreach (var found in WholeReads(child, relations, kind ?? relationship)) yield return found;
        }
    }

    /// <summary>The indexes the plan reads <paramref name="relation"/> through, anywhere in it.</summary>
    public static IEnumerable<string> IndexesOn(JsonElement node, string relation)
    {
        if (node.TryGetProperty("Relation Name", out var name) && name.GetString() == relation && node.TryGetProperty("Index Name", out var index))
            yield return index.GetString()!;
        if (!node.TryGetProperty("Plans", out var children)) yield break;
        foreach (var child in children.EnumerateArray())
            foreach (var found in IndexesOn(child, relation)) yield return found;
    }

    /// <summary>
    /// <c>Seq Scan on assets a (in SubPlan 2; ~52000 rows; Filter: …)</c> or <c>Index Scan on assets a using
    /// assets_folder_idx, no index condition (…)</c>: enough to find it in the SQL.
    /// </summary>
    private static string Describe(JsonElement node, string? relationship)
    {
        var table = node.GetProperty("Relation Name").GetString();
        var text = $"{(node.TryGetProperty("Parallel Aware", out var parallel) && parallel.GetBoolean() ? "Parallel " : "")}" +
                   $"{node.GetProperty("Node Type").GetString()} on {table}";
        if (node.TryGetProperty("Alias", out var alias) && alias.GetString() != table) text += " " + alias.GetString();
        if (node.TryGetProperty("Index Name", out var index)) text += $" using {index.GetString()}, no index condition";
        var details = new List<string>();
        if (relationship is not null) details.Add("in " + relationship);
        if (node.TryGetProperty("Plan Rows", out var rows)) details.Add($"~{rows.GetDouble():0} rows");
        if (node.TryGetProperty("Filter", out var filter))
        {
            var f = filter.GetString()!;
            details.Add("Filter: " + (f.Length > 160 ? f[..160] + "…" : f));
        }
        return details.Count == 0 ? text : $"{text} ({string.Join("; ", details)})";
    }

    /// <summary>
    /// The lists the contract declares: GET operations whose 200 answer carries <c>nextCursor</c> (paged), by operationId.
    /// </summary>
    public static IReadOnlyList<string> ContractLists()
    {
        using var reader = new StreamReader(Path.Combine(AppContext.BaseDirectory, "openapi.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var schemas = (YamlMappingNode)((YamlMappingNode)root["components"])["schemas"];
        var lists = new List<string>();
        foreach (var (_, item) in (YamlMappingNode)root["paths"])
        {
            if (!((YamlMappingNode)item).Children.TryGetValue("get", out var get)) continue;
            var op = (YamlMappingNode)get;
            if (Child(Child(Child(Child(Child(op, "responses"), "200"), "content"), "application/json"), "schema") is not YamlMappingNode schema) continue;
            if (HasProperty(schema, schemas, "nextCursor")) lists.Add(op["operationId"].ToString());
        }
        return lists;
    }

    private static YamlNode? Child(YamlNode? node, string key) =>
        node is YamlMappingNode map && map.Children.TryGetValue(key, out var child) ? child : null;

    private static bool HasProperty(YamlMappingNode schema, YamlMappingNode schemas, string property, int depth = 0)
    {
        if (depth > 10) return false;
        if (Child(schema, "$ref") is YamlScalarNode reference)
            return schemas.Children.TryGetValue(reference.Value!.Split('/')[^1], out var target)
                   && HasProperty((YamlMappingNode)target, schemas, property, depth + 1);
        if (Child(Child(schema, "properties"), property) is not null) return true;
        return Child(schema, "allOf") is YamlSequenceNode parts && parts.OfType<YamlMappingNode>().Any(p => HasProperty(p, schemas, property, depth + 1));
    }
}
