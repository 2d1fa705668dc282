using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Npgsql;

namespace PhotoApi.Persistence;

/// <summary>
/// Queries run as explicitly prepared statements, their parameters bound and their rows mapped by Dapper's own code:
/// the hot reads (the access rules, the principal and link lookups of every request, the list pages) are large SQL whose
/// planning would otherwise cost more than running it on every request.
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
/// process prepares at most <see cref="Limit"/> distinct SQL texts, those it runs a second time (<see cref="PreparedTexts"/>);
/// further texts run unprepared. That bounds what each connection holds in PostgreSQL as <c>Max Auto Prepare</c> did.</para>
/// </remarks>
public static class Prepared
{
    /// <summary>Distinct SQL texts this process prepares; more run unprepared.</summary>
    public const int Limit = 128;

    private static readonly PreparedTexts Texts = new(Limit);

    /// <summary>The rows of <paramref name="sql"/> (parameters as Dapper takes them: an anonymous object or <see cref="DynamicParameters"/>).</summary>
    public static async Task<List<T>> QueryPreparedAsync<T>(this NpgsqlConnection conn, string sql, object? parameters, CancellationToken ct,
        NpgsqlTransaction? tx = null, PreparedTexts? texts = null)
    {
        await using var command = await CommandAsync(conn, sql, parameters, tx, texts, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        if (!await reader.ReadAsync(ct)) return rows;
        var parse = RowParser<T>(reader);
        do rows.Add(parse(reader)); while (await reader.ReadAsync(ct));
        return rows;
    }

    /// <summary>The first row of <paramref name="sql"/>, or <c>default</c> when there is none.</summary>
    public static async Task<T?> QueryFirstPreparedAsync<T>(this NpgsqlConnection conn, string sql, object? parameters, CancellationToken ct,
        NpgsqlTransaction? tx = null, PreparedTexts? texts = null)
    {
        await using var command = await CommandAsync(conn, sql, parameters, tx, texts, ct);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, ct);
        return await reader.ReadAsync(ct) ? RowParser<T>(reader)(reader) : default;
    }

    /// <summary>
    /// The rows of <paramref name="sql"/> split at the column <paramref name="splitOn"/> into two objects, as Dapper's
    /// multi-mapping does: the second is null when the first of its columns is NULL.
    /// </summary>
    public static async Task<List<TResult>> QueryPreparedAsync<TFirst, TSecond, TResult>(this NpgsqlConnection conn, string sql, object? parameters,
        Func<TFirst, TSecond?, TResult> map, string splitOn, CancellationToken ct, NpgsqlTransaction? tx = null, PreparedTexts? texts = null)
    {
        await using var command = await CommandAsync(conn, sql, parameters, tx, texts, ct);
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
        PreparedTexts? texts, CancellationToken ct)
    {
        var command = new NpgsqlCommand(sql, conn, tx);
        try
        {
            // Dapper's own binder: the parameters the SQL uses, typed as Dapper types them (a null by its declared type,
            // an enum as its number, a list as an array), so that a query means the same through either path.
            (parameters as DynamicParameters ?? new DynamicParameters(parameters)).AddParameters(command);
            if ((texts ?? Texts).Admits(sql)) await command.PrepareAsync(ct);
            return command;
        }
        catch
        {
            await command.DisposeAsync();
            throw;
        }
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

/// <summary>
/// The SQL texts a process prepares: those it runs a second time, until <c>limit</c> of them are. A text run once (a
/// rare combination of list filters, a one-off query) takes no place; the fixed access rules and list shapes, run on
/// every request, take theirs within the first requests.
/// </summary>
public sealed class PreparedTexts(int limit)
{
    private readonly ConcurrentDictionary<string, byte> admitted = new();
    private readonly ConcurrentDictionary<string, byte> seenOnce = new();
    private int count;

    /// <summary>Whether to prepare <paramref name="sql"/>: it was admitted before, or is now, on its second run, while there is room.</summary>
    public bool Admits(string sql)
    {
        if (admitted.ContainsKey(sql)) return true;
        if (Volatile.Read(ref count) >= limit) return false;
        if (seenOnce.TryAdd(sql, 0))
        {
            if (seenOnce.Count > 16 * limit) seenOnce.Clear(); // bounded: texts run once each, forgotten in bulk
            return false;
        }
        if (Interlocked.Increment(ref count) > limit)
        {
            Interlocked.Decrement(ref count);
            return admitted.ContainsKey(sql); // admitted by another thread meanwhile
        }
        if (!admitted.TryAdd(sql, 0)) Interlocked.Decrement(ref count); // another thread admitted it first
        seenOnce.TryRemove(sql, out _);
        return true;
    }
}
