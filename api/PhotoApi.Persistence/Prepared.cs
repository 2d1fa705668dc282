using System.Collections;
using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using Dapper;
using Npgsql;

namespace PhotoApi.Persistence;

/// <summary>
/// Queries run as explicitly prepared statements, mapped to rows with Dapper's own row parsers: the hot reads (the
/// access rules, the principal lookup of every request, the list pages) are large SQL whose planning would otherwise
/// cost more than running it on every request.
/// </summary>
/// <remarks>
/// <para>Why not Npgsql's automatic preparation (<c>Max Auto Prepare</c>): in Npgsql 10 the run that prepares a statement
/// marks it prepared once PostgreSQL has parsed it, before the statement is bound. When that run fails at bind time (the
/// request is cancelled while PostgreSQL plans it, or planning raises an error such as a division by zero folded from a
/// parameter) the statement stays "prepared" without a description of its rows, and the next run of the same SQL on that
/// connection fails with "Received unexpected backend message DataRow" and breaks the connection. An explicit prepare
/// (Parse and Describe, answered before anything is bound) has no such window. <see cref="Database.DataSource"/> keeps
/// automatic preparation off.</para>
/// <para>Explicitly prepared statements stay on their connection until it closes, and Npgsql does not evict them, so the
/// process prepares at most <see cref="Limit"/> distinct SQL texts (the first ones it runs: the fixed access rules and
/// list shapes come first); further texts, such as rare combinations of list filters, run unprepared. That bounds what
/// each connection holds in PostgreSQL as <c>Max Auto Prepare</c> did.</para>
/// </remarks>
public static class Prepared
{
    /// <summary>Distinct SQL texts this process prepares; more run unprepared.</summary>
    public const int Limit = 128;

    private static readonly PreparedTexts Texts = new(Limit);

    /// <summary>The rows of <paramref name="sql"/> (parameters as Dapper takes them: an anonymous object or <see cref="DynamicParameters"/>).</summary>
    public static async Task<List<T>> QueryPreparedAsync<T>(this NpgsqlConnection conn, string sql, object? parameters, CancellationToken ct,
        NpgsqlTransaction? tx = null)
    {
        await using var command = await CommandAsync(conn, sql, parameters, tx, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        if (!await reader.ReadAsync(ct)) return rows;
        var parse = RowParser<T>(reader);
        do rows.Add(parse(reader)); while (await reader.ReadAsync(ct));
        return rows;
    }

    /// <summary>The first row of <paramref name="sql"/>, or <c>default</c> when there is none.</summary>
    public static async Task<T?> QueryFirstPreparedAsync<T>(this NpgsqlConnection conn, string sql, object? parameters, CancellationToken ct,
        NpgsqlTransaction? tx = null)
    {
        await using var command = await CommandAsync(conn, sql, parameters, tx, ct);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, ct);
        return await reader.ReadAsync(ct) ? RowParser<T>(reader)(reader) : default;
    }

    /// <summary>
    /// The rows of <paramref name="sql"/> split at the column <paramref name="splitOn"/> into two objects, as Dapper's
    /// multi-mapping does: the second is null when the first of its columns is NULL.
    /// </summary>
    public static async Task<List<TResult>> QueryPreparedAsync<TFirst, TSecond, TResult>(this NpgsqlConnection conn, string sql, object? parameters,
        Func<TFirst, TSecond?, TResult> map, string splitOn, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var command = await CommandAsync(conn, sql, parameters, tx, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<TResult>();
        if (!await reader.ReadAsync(ct)) return rows;
        var split = reader.GetOrdinal(splitOn);
        var first = reader.GetRowParser<TFirst>(startIndex: 0, length: split);
        var second = reader.GetRowParser<TSecond>(startIndex: split, length: reader.FieldCount - split, returnNullIfFirstMissing: true);
        do rows.Add(map(first(reader), second(reader))); while (await reader.ReadAsync(ct));
        return rows;
    }

    private static async Task<NpgsqlCommand> CommandAsync(NpgsqlConnection conn, string sql, object? parameters, NpgsqlTransaction? tx,
        CancellationToken ct)
    {
        var command = new NpgsqlCommand(sql, conn, tx);
        try
        {
            foreach (var (name, value, declared) in QueryParameters.Of(parameters)) command.Parameters.Add(Parameter(name, value, declared));
            if (Texts.Admits(sql)) await command.PrepareAsync(ct);
            return command;
        }
        catch
        {
            await command.DisposeAsync();
            throw;
        }
    }

    /// <summary>A parameter typed as Dapper types it: by its declared type (so that a null keeps its SQL type), enums as their number, lists as arrays.</summary>
    private static NpgsqlParameter Parameter(string name, object? value, Type? declared)
    {
        var parameter = new NpgsqlParameter { ParameterName = name, Value = value ?? DBNull.Value };
        var type = value is null or DBNull ? declared : value.GetType();
        if (type is null || type == typeof(object)) return parameter;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            type = Enum.GetUnderlyingType(type);
            if (value is Enum) parameter.Value = Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture);
        }
        if (type != typeof(string) && type != typeof(byte[]) && typeof(IEnumerable).IsAssignableFrom(type)) return parameter; // an array: Npgsql types it from its elements
        // The same DbType Dapper gives the parameter when it binds it, so that a query means the same through either path.
#pragma warning disable CS0618 // Obsolete "for internal use only": the one public way to ask Dapper how it types a parameter.
        if (SqlMapper.LookupDbType(type, name, false, out _) is { } dbType) parameter.DbType = dbType;
#pragma warning restore CS0618
        return parameter;
    }

    /// <summary>
    /// Dapper's parser for a row of <typeparamref name="T"/>, except for one-column values (a <see cref="Guid"/>, a string, a
    /// number…), read as that type with NULL as <c>default</c>.
    /// </summary>
    private static Func<DbDataReader, T> RowParser<T>(DbDataReader reader)
    {
        var type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        var scalar = type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(Guid) || type == typeof(decimal)
                     || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(byte[]);
        if (!scalar) return reader.GetRowParser<T>();
        return r => r.IsDBNull(0) ? default! : (T)ConvertTo(r.GetValue(0), type);
    }

    private static object ConvertTo(object value, Type type) =>
        type.IsInstanceOfType(value) ? value
        : type.IsEnum ? Enum.ToObject(type, value)
        : System.Convert.ChangeType(value, type, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The SQL texts a process prepares: the first <c>limit</c> distinct ones it asks about.</summary>
public sealed class PreparedTexts(int limit)
{
    private readonly ConcurrentDictionary<string, byte> admitted = new();
    private int count;

    /// <summary>Whether <paramref name="sql"/> is prepared: it was admitted before, or is now while there is room.</summary>
    public bool Admits(string sql)
    {
        if (admitted.ContainsKey(sql)) return true;
        if (Interlocked.Increment(ref count) > limit)
        {
            Interlocked.Decrement(ref count);
            return admitted.ContainsKey(sql); // admitted by another thread meanwhile
        }
        if (!admitted.TryAdd(sql, 0)) Interlocked.Decrement(ref count); // another thread admitted it first
        return true;
    }
}

/// <summary>The parameters a Dapper call would bind: name, value and declared type (null where only the value says).</summary>
public static class QueryParameters
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
