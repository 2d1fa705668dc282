using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using PhotoApi.Workers.Jobs.AccountsMaintenance;

namespace PhotoApi.Workers.Tests.Jobs;

public sealed class AccountsMaintenanceJobTests : MigratedDatabaseTest
{
    [Fact]
    public async Task Purges_what_can_no_longer_sign_in_keeps_the_rest_and_can_run_twice()
    {
        await using var conn = await Db.OpenConnectionAsync();
        var user = Guid.CreateVersion7();
        await conn.ExecuteAsync("""
            INSERT INTO users (id, username, email, display_name, password_hash, role, status)
            VALUES (@user, 'u', 'u@example.test', 'U', 'x', 'user', 'active');
            INSERT INTO sessions (id, user_id, expires_at) VALUES
                ('00000000-0000-7000-8000-000000000001', @user, now() - interval '1 minute'),                 -- expired
                ('00000000-0000-7000-8000-000000000002', @user, now() + interval '1 day'),                    -- live
                ('00000000-0000-7000-8000-000000000003', @user, now() + interval '1 day');                    -- revoked long ago
            UPDATE sessions SET revoked_at = now() - interval '2 days' WHERE id = '00000000-0000-7000-8000-000000000003';
            INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES
                ('\x01', '00000000-0000-7000-8000-000000000002', now() - interval '1 second'),
                ('\x02', '00000000-0000-7000-8000-000000000002', now() + interval '10 minutes');
            INSERT INTO refresh_tokens (token_hash, session_id) VALUES ('\x03', '00000000-0000-7000-8000-000000000001');
            INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('old', now() - interval '2 days', 3), ('new', now(), 1);
            """, new { user });

        var job = new AccountsMaintenanceJob(Db, NullLogger<AccountsMaintenanceJob>.Instance);
        await job.PurgeExpiredAsync(CancellationToken.None);
        await job.PurgeExpiredAsync(CancellationToken.None);

        Assert.Equal(["00000000-0000-7000-8000-000000000002"],
            (await conn.QueryAsync<Guid>("SELECT id FROM sessions")).Select(g => g.ToString()));
        Assert.Equal([new byte[] { 2 }], await conn.QueryAsync<byte[]>("SELECT token_hash FROM access_tokens"));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM refresh_tokens"));
        Assert.Equal(["new"], await conn.QueryAsync<string>("SELECT bucket FROM rate_limits"));
    }
}
