using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace PhotoApi.Backup;

/// <summary>pg_dump and pg_restore, of the server's own major version, given the connection as libpq's environment.</summary>
public static class PgTools
{
    /// <summary>
    /// The folder of the client programs: Backup:PgBin when set, else Debian's /usr/lib/postgresql/MAJOR/bin of the
    /// server's major version (a pg_dump refuses a newer server; a pg_restore reads what the same version wrote).
    /// </summary>
    public static async Task<string> BinDirAsync(NpgsqlConnection conn, IConfiguration configuration, CancellationToken ct)
    {
        if (configuration["Backup:PgBin"] is { Length: > 0 } configured) return configured;
        var major = await conn.ExecuteScalarAsync<int>(new CommandDefinition("SELECT current_setting('server_version_num')::int / 10000", cancellationToken: ct));
        var debian = $"/usr/lib/postgresql/{major}/bin";
        if (File.Exists(Path.Combine(debian, "pg_dump"))) return debian;
        throw new BackupException($"No pg_dump of PostgreSQL {major} (the server's version) in {debian}: install postgresql-client-{major}, or set Backup__PgBin to the folder of its pg_dump and pg_restore.");
    }

    /// <summary>Runs <paramref name="program"/> of <paramref name="binDir"/> against <paramref name="connectionString"/>'s server and database.</summary>
    public static async Task RunAsync(string binDir, string program, IEnumerable<string> arguments, string connectionString, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Path.Combine(binDir, program)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        // The password goes in the environment, never on a command line others can read.
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        void Set(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) start.Environment[name] = value;
        }
        Set("PGHOST", c.Host);
        Set("PGPORT", c.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set("PGUSER", c.Username);
        Set("PGPASSWORD", c.Password);
        Set("PGDATABASE", c.Database);
        Set("PGSSLMODE", c.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        });
        Set("PGAPPNAME", "photoapi-backup");

        using var process = Process.Start(start) ?? throw new BackupException($"{program} could not be started.");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await stdout;
        var errors = (await stderr).Trim();
        if (process.ExitCode != 0)
            throw new BackupException($"{program} failed (exit {process.ExitCode}): {(errors.Length > 2000 ? errors[^2000..] : errors)}");
    }
}
