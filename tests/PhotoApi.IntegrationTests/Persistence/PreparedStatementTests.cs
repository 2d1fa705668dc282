using Dapper;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Testing;

namespace PhotoApi.IntegrationTests.Persistence;

/// <summary>
/// A statement whose run fails while PostgreSQL binds and plans it (a cancelled request, an error raised by planning)
/// must leave its connection able to run that statement again: with Npgsql's automatic preparation it did not (the next
/// run failed with "Received unexpected backend message DataRow", a 500 for the next request on that connection).
/// </summary>
public sealed class PreparedStatementTests : IAsyncLifetime
{
    private string connectionString = "";
    private NpgsqlDataSource db = null!;

    public async Task InitializeAsync()
    {
        // The connection string asks for automatic preparation and multiplexing, as an operator's could: the pool must keep
        // both off (Npgsql refuses explicit preparation on multiplexed connections).
        connectionString = await TestDatabase.CreateDatabaseAsync("prepared") + ";Max Auto Prepare=20;Auto Prepare Min Usages=2;Multiplexing=true";
        db = Database.DataSource(connectionString);
        await using var conn = await db.OpenConnectionAsync();
        // Immutable, so that the planner folds a call with a constant argument: the sleep happens while the statement is
        // planned for its parameters, at bind time.
        await conn.ExecuteAsync("""
            CREATE FUNCTION slow_identity(n int) RETURNS int LANGUAGE plpgsql IMMUTABLE STRICT
            AS $$ BEGIN PERFORM pg_sleep(n / 10.0); RETURN n; END $$
            """);
    }

    public async Task DisposeAsync()
    {
        await db.DisposeAsync();
        await TestDatabase.DropDatabaseAsync(connectionString);
    }

    [Fact]
    public async Task The_pool_does_not_prepare_automatically_so_a_query_that_failed_in_planning_runs_again()
    {
        await using var conn = await db.OpenConnectionAsync();
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(conn.ConnectionString).MaxAutoPrepare);
        var backend = conn.ProcessID;
        const string sql = "SELECT 10 / @n";

        Assert.Equal(10, await conn.QuerySingleAsync<int>(sql, new { n = 1 }));
        var error = await Assert.ThrowsAsync<PostgresException>(() => conn.QuerySingleAsync<int>(sql, new { n = 0 }));
        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);

        Assert.Equal(5, await conn.QuerySingleAsync<int>(sql, new { n = 2 }));

        const string slow = "SELECT slow_identity(@n)";
        Assert.Equal(0, await conn.QuerySingleAsync<int>(slow, new { n = 0 }));
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                conn.QuerySingleAsync<int>(new CommandDefinition(slow, new { n = 50 }, cancellationToken: cancel.Token)));
        Assert.Equal(0, await conn.QuerySingleAsync<int>(slow, new { n = 0 }));

        Assert.Equal(backend, await conn.QuerySingleAsync<int>("SELECT pg_backend_pid()"));
    }

    /// <summary>This class's own budget, so that what the rest of the run prepared does not decide what these tests prepare.</summary>
    private readonly PreparedTexts texts = new(16);

    [Fact]
    public async Task A_statement_whose_preparing_run_fails_in_planning_runs_again_and_stays_prepared()
    {
        await using var conn = await db.OpenConnectionAsync();
        var backend = conn.ProcessID;
        const string sql = "SELECT 10 / @n -- preparing run fails";
        var none = CancellationToken.None;

        Assert.Equal([10], await conn.QueryPreparedAsync<int>(sql, new { n = 1 }, none, texts: texts)); // first run: not prepared yet
        var error = await Assert.ThrowsAsync<PostgresException>(() => conn.QueryPreparedAsync<int>(sql, new { n = 0 }, none, texts: texts));
        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);

        Assert.Equal([5], await conn.QueryPreparedAsync<int>(sql, new { n = 2 }, none, texts: texts));
        Assert.Equal(backend, await conn.QuerySingleAsync<int>("SELECT pg_backend_pid()"));
        Assert.Equal(1, await conn.QuerySingleAsync<int>(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT 10 / $1 -- preparing run fails'"));
    }

    [Fact]
    public async Task A_statement_whose_preparing_run_is_cancelled_while_it_is_planned_runs_again_on_the_same_connection()
    {
        await using var conn = await db.OpenConnectionAsync();
        var backend = conn.ProcessID;
        const string sql = "SELECT slow_identity(@n)";

        Assert.Equal([0], await conn.QueryPreparedAsync<int>(sql, new { n = 0 }, CancellationToken.None, texts: texts));
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => conn.QueryPreparedAsync<int>(sql, new { n = 50 }, cancel.Token, texts: texts));

        Assert.Equal([0], await conn.QueryPreparedAsync<int>(sql, new { n = 0 }, CancellationToken.None, texts: texts));
        Assert.Equal(backend, await conn.QuerySingleAsync<int>("SELECT pg_backend_pid()"));
        Assert.Equal(1, await conn.QuerySingleAsync<int>("SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT slow_identity($1)'"));
    }

    private sealed record Typed(bool WithinIsNull, int Kind, int Count, string? Label);

    private sealed record Entry(int Id);

    private sealed class Added
    {
        public DateTime? AddedAt { get; init; }
        public Guid? AddedBy { get; init; }
    }

    [Fact]
    public async Task Parameters_and_rows_mean_what_they_mean_through_Dapper()
    {
        await using var conn = await db.OpenConnectionAsync();
        var ct = CancellationToken.None;

        // A null keeps its declared type (PostgreSQL could not type "@within IS NULL" otherwise), an enum is its number,
        // an array stays an array.
        var typed = await conn.QueryFirstPreparedAsync<Typed>(
            "SELECT @within IS NULL AS within_is_null, @kind AS kind, cardinality(@ids) AS count, @label AS label",
            new { within = (Guid?)null, kind = DayOfWeek.Tuesday, ids = new[] { Guid.NewGuid(), Guid.NewGuid() }, label = (string?)null }, ct);
        Assert.Equal(new Typed(true, 2, 2, null), typed);

        // Objects given whole to DynamicParameters and values added to it.
        var args = new DynamicParameters(new { take = 3 });
        args.Add("from", 5);
        Assert.Equal([5, 6, 7], await conn.QueryPreparedAsync<int>("SELECT g FROM generate_series(@from, @from + @take - 1) g", args, ct));

        // One-column values: NULL is default, a bigint count reads as an int, no row is default.
        Assert.Null(await conn.QueryFirstPreparedAsync<Guid?>("SELECT NULL::uuid", null, ct));
        Assert.Null(await conn.QueryFirstPreparedAsync<string>("SELECT NULL::text", null, ct));
        Assert.Equal(3, await conn.QueryFirstPreparedAsync<int>("SELECT count(*) FROM generate_series(1, 3)", null, ct));
        Assert.Null(await conn.QueryFirstPreparedAsync<Typed>("SELECT true AS within_is_null, 0 AS kind, 0 AS count, '' AS label WHERE false", null, ct));
        Assert.Empty(await conn.QueryPreparedAsync<Guid>("SELECT gen_random_uuid() WHERE false", null, ct));

        // Rows split in two at a column, the second part null where its first column is.
        var split = await conn.QueryPreparedAsync<Entry, Added, (Entry Entry, Added? Added)>("""
            SELECT 1 AS id, NULL::timestamptz AS added_at, NULL::uuid AS added_by
            UNION ALL SELECT 2, now(), gen_random_uuid() ORDER BY id
            """, null, (entry, added) => (entry, added), "added_at", ct);
        Assert.Equal([1, 2], split.Select(r => r.Entry.Id));
        Assert.Null(split[0].Added);
        Assert.NotNull(split[1].Added?.AddedBy);
    }

    [Fact]
    public void A_process_prepares_the_texts_it_runs_twice_up_to_the_limit()
    {
        var budget = new PreparedTexts(2);
        Assert.False(budget.Admits("a")); // once: not worth a place
        Assert.True(budget.Admits("a"));
        Assert.False(budget.Admits("b"));
        Assert.True(budget.Admits("b"));
        Assert.False(budget.Admits("c"));
        Assert.False(budget.Admits("c")); // full: runs unprepared
        Assert.True(budget.Admits("a"));
    }

    [Fact]
    public async Task Parameters_the_SQL_does_not_use_are_left_out_as_Dapper_leaves_them()
    {
        await using var conn = await db.OpenConnectionAsync();
        Assert.Equal([1], await conn.QueryPreparedAsync<int>("SELECT @id", new { id = 1, unused = new Uri("https://example.org") }, CancellationToken.None));
    }
}
