using Amazon.S3.Model;
using Dapper;
using Microsoft.Extensions.Configuration;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Backup;

/// <summary>A refusal or failure the tool explains in one message (exit status 1), never with a stack trace.</summary>
public sealed class BackupException(string message) : Exception(message);

/// <summary>The instance as the API sees it: its database (ConnectionStrings:Postgres) and blob store (Blobs:*).</summary>
public sealed class Instance : IAsyncDisposable
{
    private Instance(IConfiguration configuration, string connectionString)
    {
        Configuration = configuration;
        ConnectionString = connectionString;
        Provider = (configuration["Blobs:Provider"] ?? "local").ToLowerInvariant();
    }

    public IConfiguration Configuration { get; }
    public string ConnectionString { get; }
    public string Provider { get; }

    /// <summary>The database named by the connection string (the restore may have to create it first).</summary>
    public string DatabaseName => new NpgsqlConnectionStringBuilder(ConnectionString).Database
                                  ?? throw new BackupException($"ConnectionStrings:{Database.ConnectionStringName} names no database.");

    private IBlobStore? _blobs;

    /// <summary>The API's blob store, made when first needed (the local store creates its folder).</summary>
    public IBlobStore Blobs => _blobs ??= Database.BlobStore(Configuration);

    public static Instance From(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(Database.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new BackupException($"ConnectionStrings:{Database.ConnectionStringName} is not set (environment: ConnectionStrings__{Database.ConnectionStringName}): " +
                                      "the tool reads the configuration the API reads.");
        return new Instance(configuration, connectionString);
    }

    /// <summary>A connection to the instance's database, without a pool (the tool holds one session for its whole run).</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct, string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        if (database is not null) builder.Database = database;
        var conn = new NpgsqlConnection(builder.ConnectionString);
        await conn.OpenAsync(ct);
        return conn;
    }

    /// <summary>
    /// Whether the blob store already holds blobs: the local folder, any file outside its staging area; a bucket, any
    /// object under the prefix.
    /// </summary>
    public async Task<bool> BlobStoreHoldsAnythingAsync(CancellationToken ct)
    {
        switch (Blobs)
        {
            case LocalBlobStore local:
                return new DirectoryInfo(local.Root).EnumerateFileSystemInfos()
                    .Where(e => e.Name != ".staging")
                    .Any(e => e is FileInfo || ((DirectoryInfo)e).EnumerateFiles("*", SearchOption.AllDirectories).Any());
            case S3BlobStore:
                var options = Configuration.GetSection("Blobs:S3").Get<S3BlobStoreOptions>() ?? new S3BlobStoreOptions();
                using (var s3 = S3BlobStore.CreateClient(options))
                {
                    var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = options.Bucket, Prefix = options.Prefix ?? "", MaxKeys = 1 }, ct);
                    return page.S3Objects is { Count: > 0 };
                }
            default:
                throw new BackupException($"Blobs:Provider {Provider} is not one the tool knows.");
        }
    }

    /// <summary>Where the blob store is, for messages.</summary>
    public string BlobStoreName => Blobs switch
    {
        LocalBlobStore local => $"local folder {local.Root}",
        _ => $"S3 bucket {Configuration["Blobs:S3:Bucket"]} (prefix '{Configuration["Blobs:S3:Prefix"]}')",
    };

    /// <summary>The highest migration applied in the database <paramref name="conn"/> sees (in its transaction's snapshot).</summary>
    public static Task<int?> SchemaVersionAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct) =>
        conn.ExecuteScalarAsync<int?>(new CommandDefinition(
            "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN NULL ELSE (SELECT max(version) FROM schema_migrations) END",
            transaction: tx, cancellationToken: ct));

    public ValueTask DisposeAsync()
    {
        (_blobs as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    }
}
