using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace PhotoApi.Persistence;

/// <summary>The one definition of Hangfire's PostgreSQL storage, used by the API (to enqueue) and the worker (to run).</summary>
public static class JobStorageFactory
{
    public const string Schema = "hangfire";

    /// <summary>
    /// A job whose worker died is fetched again after <see cref="PostgreSqlStorageOptions.InvisibilityTimeout"/>. With the
    /// sliding timeout a live worker keeps extending it, so the timeout can be short (crash recovery in minutes) while
    /// long jobs are not run twice.
    /// </summary>
    /// <param name="invisibilityTimeout">Default 5 minutes (Worker:InvisibilityTimeout on the worker; the cluster drill
    /// shortens it to see a killed worker's jobs run again within its few minutes).</param>
    public static PostgreSqlStorage Create(string connectionString, bool prepareSchema, TimeSpan? invisibilityTimeout = null)
    {
        var options = Options(prepareSchema);
        if (invisibilityTimeout is { } timeout) options.InvisibilityTimeout = timeout;
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(Database.PoolConnectionString(connectionString), options), options);
    }

    private static PostgreSqlStorageOptions Options(bool prepareSchema) => new()
    {
        SchemaName = Schema,
        PrepareSchemaIfNecessary = prepareSchema,
        InvisibilityTimeout = TimeSpan.FromMinutes(5),
        UseSlidingInvisibilityTimeout = true,
        QueuePollInterval = TimeSpan.FromSeconds(1),
        DistributedLockTimeout = TimeSpan.FromMinutes(1),
    };
}
