using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Testing;

namespace PhotoApi.Workers.Tests.Jobs;

/// <summary>A test class with a migrated database of its own (created before each test, dropped after), for jobs that only need SQL.</summary>
public abstract class MigratedDatabaseTest : IAsyncLifetime
{
    private string _connectionString = "";
    protected NpgsqlDataSource Db { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestDatabase.CreateDatabaseAsync("workers");
        Db = NpgsqlDataSource.Create(_connectionString);
        await new Migrator(Db, NullLogger<Migrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        await TestDatabase.DropDatabaseAsync(_connectionString);
    }
}
