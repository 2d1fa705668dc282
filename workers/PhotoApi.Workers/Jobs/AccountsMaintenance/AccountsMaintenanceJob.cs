using Dapper;
using Npgsql;
using PhotoApi.Contracts;

namespace PhotoApi.Workers.Jobs.AccountsMaintenance;

/// <summary>Deletes what can no longer authenticate anyone. Plain DELETEs by time: idempotent and safe to run on two workers at once.</summary>
public sealed class AccountsMaintenanceJob(NpgsqlDataSource db, ILogger<AccountsMaintenanceJob> logger) : IAccountsMaintenanceJob
{
    private const string PurgeSql = """
        WITH tokens AS (DELETE FROM access_tokens WHERE expires_at < now() RETURNING 1),
             sessions AS (
                 DELETE FROM sessions
                 WHERE expires_at < now() OR revoked_at < now() - interval '1 day'
                 RETURNING 1),
             limits AS (DELETE FROM rate_limits WHERE window_start < now() - interval '1 day' RETURNING 1),
             -- Revoked keys stay listed (with the reason) so their owner sees why an integration stopped; not forever.
             keys AS (DELETE FROM api_keys WHERE revoked_at < now() - interval '90 days' RETURNING 1)
        SELECT (SELECT count(*) FROM tokens) AS access_tokens,
               (SELECT count(*) FROM sessions) AS sessions,
               (SELECT count(*) FROM limits) AS rate_limits,
               (SELECT count(*) FROM keys) AS api_keys
        """;

    private sealed record Purged(long AccessTokens, long Sessions, long RateLimits, long ApiKeys);

    public async Task PurgeExpiredAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var purged = await conn.QuerySingleAsync<Purged>(new CommandDefinition(PurgeSql, cancellationToken: ct));
        logger.LogInformation("Purged {AccessTokens} access tokens, {Sessions} sessions, {RateLimits} throttle windows, {ApiKeys} revoked API keys",
            purged.AccessTokens, purged.Sessions, purged.RateLimits, purged.ApiKeys);
    }
}
