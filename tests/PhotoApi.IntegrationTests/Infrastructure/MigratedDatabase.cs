using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Testing;

namespace PhotoApi.IntegrationTests.Infrastructure;

/// <summary>
/// Fresh databases that already hold the schema: the migrations run once per test run into a template database, and
/// every test class gets <c>CREATE DATABASE … TEMPLATE</c> of it (the API's own migrator then finds nothing to do).
/// </summary>
public static class MigratedDatabase
{
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    public static async Task<string> CreateAsync()
    {
        var template = new NpgsqlConnectionStringBuilder(await Template.Value).Database!;
        var created = await TestDatabase.CreateDatabaseAsync("api", template);
        return created;
    }

    private static async Task<string> CreateTemplateAsync()
    {
        var connectionString = await TestDatabase.CreateDatabaseAsync("template");
        await using (var source = NpgsqlDataSource.Create(connectionString))
            await new Migrator(source, NullLogger<Migrator>.Instance).MigrateAsync();
        // A template must have no open connections while it is copied.
        NpgsqlConnection.ClearAllPools();
        return connectionString;
    }
}
