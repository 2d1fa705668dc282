using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace PhotoApi.Persistence;

public static class Database
{
    /// <summary>snake_case columns map onto PascalCase members and constructor parameters, wherever Dapper is used.</summary>
#pragma warning disable CA2255 // A convention every query of the solution relies on, on before any host configures anything.
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void ConfigureDapper() => DefaultTypeMap.MatchNamesWithUnderscores = true;
#pragma warning restore CA2255

    public const string ConnectionStringName = "Postgres";

    /// <summary>
    /// The pool. PostgreSQL's JIT compiler is off for its connections unless <c>Database:Jit</c> is true: it pays off on
    /// long analytical queries, while every query here is a short OLTP one whose compile time would cost more than it saves
    /// (bench/reads.sh measures both).
    /// </summary>
    /// <remarks>
    /// Npgsql's automatic preparation is off whatever the connection string says (<see cref="PoolConnectionString"/>): the
    /// hot queries are prepared explicitly instead (<see cref="Prepared"/>, which says why).
    /// </remarks>
    public static NpgsqlDataSource DataSource(string connectionString, bool jit = false)
    {
        var builder = new NpgsqlDataSourceBuilder(PoolConnectionString(connectionString));
        if (!jit) builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c jit=off".Trim();
        return builder.Build();
    }

    /// <summary>
    /// <paramref name="connectionString"/> as every pool of the API and the worker uses it: no automatic preparation, and
    /// no multiplexing (Npgsql cannot prepare statements explicitly on multiplexed connections).
    /// </summary>
    public static string PoolConnectionString(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 0, Multiplexing = false }.ConnectionString;

    /// <summary>Registers one NpgsqlDataSource (the pool), the migrator and the blob store. Connections are opened per use, never cached.</summary>
    public static IServiceCollection AddPhotoApiDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not set (environment: ConnectionStrings__{ConnectionStringName}). " +
                "./deploy/dev.sh run sets it for a local cluster.");
        services.AddSingleton(_ => DataSource(connectionString, configuration.GetValue("Database:Jit", false)));
        services.AddSingleton<Migrator>();
        services.AddSingleton<Blobs.IBlobStore>(_ => new Telemetry.InstrumentedBlobStore(BlobStore(configuration))); // photoapi.blob.errors
        return services;
    }

    /// <summary>
    /// The blob store <c>Blobs:Provider</c> names: <c>local</c> (default; a folder, Blobs:Root) or <c>s3</c> (an
    /// S3-compatible bucket, Blobs:S3:*; what several nodes share). An unknown name stops the process at start.
    /// </summary>
    public static Blobs.IBlobStore BlobStore(IConfiguration configuration) => (configuration["Blobs:Provider"] ?? "local").ToLowerInvariant() switch
    {
        "local" => new Blobs.LocalBlobStore(new Blobs.LocalBlobStoreOptions
        {
            Root = configuration["Blobs:Root"] ?? Environment.GetEnvironmentVariable("PHOTOAPI_BLOB_ROOT")
                   ?? Path.Combine(AppContext.BaseDirectory, "blobs"),
        }),
        "s3" => new Blobs.S3BlobStore(configuration.GetSection("Blobs:S3").Get<Blobs.S3BlobStoreOptions>() ?? new Blobs.S3BlobStoreOptions()),
        var other => throw new InvalidOperationException($"Blobs:Provider is '{other}': it must be local or s3."),
    };
}
