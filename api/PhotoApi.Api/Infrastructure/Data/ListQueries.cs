using Dapper;
using Npgsql;
using PhotoApi.Persistence;

namespace PhotoApi.Api.Infrastructure.Data;

/// <summary>
/// A list endpoint's page query exactly as it runs: a stable name (<c>operationId</c>, or <c>operationId:variant</c> where
/// one endpoint has several shapes), its SQL and its parameters (an anonymous object or <see cref="DynamicParameters"/>).
/// </summary>
public sealed record ListQuery(string Name, string Sql, object Parameters);

/// <summary>
/// Every list endpoint runs its page query through here, so that what ran can be observed: the plan test EXPLAINs each
/// query the endpoints ran and fails on a sequential scan of a large table; <c>bench/reads.sh</c> replays them in
/// pgbench. Observing costs nothing while nobody listens.
/// </summary>
public sealed class ListQueries
{
    /// <summary>Raised before a list query runs, on the request's thread.</summary>
    public event Action<ListQuery>? Ran;

    /// <summary>Runs <paramref name="query"/> as a prepared statement (<see cref="Prepared"/>); observers hear of it first.</summary>
    public Task<List<T>> QueryAsync<T>(NpgsqlConnection conn, ListQuery query, CancellationToken ct)
    {
        Ran?.Invoke(query);
        return conn.QueryPreparedAsync<T>(query.Sql, query.Parameters, ct);
    }

    /// <summary>Runs <paramref name="query"/> prepared, its rows split at <paramref name="splitOn"/> into two objects; observers hear of it first.</summary>
    public Task<List<TResult>> QueryAsync<TFirst, TSecond, TResult>(NpgsqlConnection conn, ListQuery query, Func<TFirst, TSecond?, TResult> map,
        string splitOn, CancellationToken ct)
    {
        Ran?.Invoke(query);
        return conn.QueryPreparedAsync(query.Sql, query.Parameters, map, splitOn, ct);
    }

    /// <summary>
    /// The command to run <paramref name="query"/> with Dapper itself, unprepared, for rows <see cref="QueryAsync{T}"/> does
    /// not map (dynamic rows); observers hear of it first.
    /// </summary>
    public CommandDefinition Command(ListQuery query, CancellationToken ct)
    {
        Ran?.Invoke(query);
        return new CommandDefinition(query.Sql, query.Parameters, cancellationToken: ct);
    }
}
