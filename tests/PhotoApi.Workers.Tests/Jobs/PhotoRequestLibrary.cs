using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Testing;

namespace PhotoApi.Workers.Tests.Jobs;

/// <summary>
/// A migrated throwaway database with one user and one photo request of theirs, and an empty blob folder: what the tests
/// of photo-request uploads' jobs start from. Disposing it drops both.
/// </summary>
internal sealed class PhotoRequestLibrary : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _blobRoot;

    public NpgsqlDataSource Db { get; }
    public LocalBlobStore Blobs { get; }
    public Guid User { get; } = Guid.CreateVersion7();
    public Guid Request { get; } = Guid.CreateVersion7();

    private PhotoRequestLibrary(string connectionString, string purpose)
    {
        _connectionString = connectionString;
        _blobRoot = Path.Combine(Path.GetTempPath(), $"photoapi-{purpose}-" + Guid.NewGuid().ToString("N"));
        Db = NpgsqlDataSource.Create(connectionString);
        Blobs = new LocalBlobStore(new LocalBlobStoreOptions { Root = _blobRoot });
    }

    public static async Task<PhotoRequestLibrary> CreateAsync(string purpose)
    {
        var library = new PhotoRequestLibrary(await TestDatabase.CreateDatabaseAsync(purpose), purpose);
        await new Migrator(library.Db, NullLogger<Migrator>.Instance).MigrateAsync();
        await using var conn = await library.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            INSERT INTO users (id, username, email, display_name, password_hash, role, status)
            VALUES (@user, 'u', 'u@example.test', 'U', 'x', 'user', 'active');
            INSERT INTO photo_requests (id, owner_id, subject, link_key, link_key_hash)
            VALUES (@request, @user, 'Party', 'k', '\x00'::bytea);
            """, new { user = library.User, request = library.Request });
        return library;
    }

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        await TestDatabase.DropDatabaseAsync(_connectionString);
        if (Directory.Exists(_blobRoot)) Directory.Delete(_blobRoot, recursive: true);
    }
}
