using DotNet.Testcontainers.Builders;
using Npgsql;
using Testcontainers.PostgreSql;

namespace PhotoApi.Testing;

/// <summary>
/// A real PostgreSQL for tests, never a fake: the server named by PHOTOAPI_TEST_DB (./deploy/dev.sh test starts a
/// throwaway cluster and sets it), else a Testcontainers container where a Docker engine runs. With neither, tests
/// fail and say how to get one. Each caller gets a fresh database of its own, so test classes never share rows.
/// </summary>
public static class TestDatabase
{
    public const string EnvironmentVariable = "PHOTOAPI_TEST_DB";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _server;
    private static PostgreSqlContainer? _container;

    /// <param name="template">A database to copy (it must have no open connections), else an empty one.</param>
    public static async Task<string> CreateDatabaseAsync(string purpose, string? template = null)
    {
        var server = await ServerAsync();
        var name = $"photoapi_{purpose}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        await using (var conn = new NpgsqlConnection(server))
        {
            await conn.OpenAsync();
            var sql = template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"";
            await using var cmd = new NpgsqlCommand(sql, conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = true, MaxPoolSize = 50 }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(await ServerAsync());
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> ServerAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_server is not null) return _server;
            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(fromEnvironment)) return _server = fromEnvironment;
            try
            {
                _container = new PostgreSqlBuilder("postgres:15").Build();
                await _container.StartAsync();
                return _server = _container.GetConnectionString();
            }
            catch (DockerUnavailableException e)
            {
                throw new InvalidOperationException(
                    $"No PostgreSQL for the tests: {EnvironmentVariable} is not set and there is no Docker engine ({e.Message}). " +
                    "Run the tests with ./deploy/dev.sh test, which starts a throwaway local cluster.", e);
            }
        }
        finally
        {
            Gate.Release();
        }
    }
}
