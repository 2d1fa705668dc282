using System.Globalization;
using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Infrastructure.Auth;

public sealed class ThrottlingOptions
{
    /// <summary>Failed sign-ins allowed per account within the window.</summary>
    public int LoginFailuresPerAccount { get; set; } = 5;
    /// <summary>Failed sign-ins allowed per client IP within the window (all accounts together).</summary>
    public int LoginFailuresPerIp { get; set; } = 30;
    /// <summary>Registrations (successful or not) allowed per client IP within the window.</summary>
    public int RegistrationsPerIp { get; set; } = 20;
    /// <summary>Link keys that match nothing (unknown, malformed) allowed per client IP within the window.</summary>
    public int LinkMissesPerIp { get; set; } = 30;
    /// <summary>Files guests may send (photo requests, share links) per client IP within the window.</summary>
    public int GuestUploadsPerIp { get; set; } = 200;
    /// <summary>Wrong passwords allowed per share link within the window (all IPs together).</summary>
    public int UnlockFailuresPerLink { get; set; } = 10;
    /// <summary>"Download all" links of share links (each walks the link) made per client IP within the window.</summary>
    public int ArchiveLinksPerIp { get; set; } = 30;
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);
}

public readonly record struct ThrottleBucket(string Key, int Limit);

/// <summary>
/// One check of a secret the caller claims to know (a password, a two-step code), counted per account and per client
/// address. The attempt is counted before the check; a failure stays counted, only a complete success clears the
/// account's failures.
/// </summary>
public sealed record CredentialCheck(ThrottleBucket Account, ThrottleBucket Ip, TimeSpan Window)
{
    /// <summary>Sign-in: the account is the username as typed, so unknown names are counted too.</summary>
    public static CredentialCheck SignIn(string username, HttpContext ctx, ThrottlingOptions o) =>
        new(new($"login:user:{username.ToLowerInvariant()}", o.LoginFailuresPerAccount), IpOf(ctx, o), o.Window);

    /// <summary>A two-step code sent by a signed-in user (confirming or turning off two-step verification).</summary>
    public static CredentialCheck TwoStepCode(Guid userId, HttpContext ctx, ThrottlingOptions o) =>
        new(new($"totp:user:{userId}", o.LoginFailuresPerAccount), IpOf(ctx, o), o.Window);

    // Every credential check from one address shares one counter.
    private static ThrottleBucket IpOf(HttpContext ctx, ThrottlingOptions o) => new($"login:ip:{ClientAddress.Of(ctx)}", o.LoginFailuresPerIp);
}

/// <summary>
/// Fixed-window attempt counters kept in PostgreSQL, so every API process counts together. An attempt is counted
/// atomically before the expensive work (a burst of parallel requests cannot slip past the limit); a success is then
/// forgiven, so what stays counted are the failures.
/// </summary>
public sealed class Throttle(NpgsqlDataSource db)
{
    private const string HitSql = """
        INSERT INTO rate_limits AS r (bucket, window_start, hits) VALUES (@bucket, now(), 1)
        ON CONFLICT (bucket) DO UPDATE SET
            hits = CASE WHEN r.window_start > now() - @window THEN r.hits + 1 ELSE 1 END,
            window_start = CASE WHEN r.window_start > now() - @window THEN r.window_start ELSE now() END
        RETURNING hits, extract(epoch FROM (window_start + @window - now()))::float8 AS seconds_left
        """;

    private const string ForgiveSql = "UPDATE rate_limits SET hits = greatest(hits - 1, 0) WHERE bucket = @bucket";
    private const string ResetSql = "DELETE FROM rate_limits WHERE bucket = @bucket";

    private sealed record Hit(int Hits, double SecondsLeft);

    /// <summary>Counts one attempt in every bucket; throws 429 <c>auth.throttled</c> when any bucket is over its limit.</summary>
    public async Task AttemptAsync(IReadOnlyList<ThrottleBucket> buckets, TimeSpan window, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        double? blockedFor = null;
        foreach (var (bucket, limit) in buckets)
        {
            var hit = await conn.QuerySingleAsync<Hit>(new CommandDefinition(HitSql, new { bucket, window }, cancellationToken: ct));
            if (hit.Hits > limit) blockedFor = Math.Max(blockedFor ?? 0, hit.SecondsLeft);
        }
        if (blockedFor is { } seconds)
            throw new ApiException(StatusCodes.Status429TooManyRequests, ErrorCodes.Throttled,
                $"Too many attempts. Try again in {Math.Ceiling(seconds / 60).ToString(CultureInfo.InvariantCulture)} minute(s).")
            { RetryAfter = TimeSpan.FromSeconds(Math.Max(1, seconds)) };
    }

    /// <summary>Counts one credential check; throws 429 <c>auth.throttled</c> past the account's or the address' limit.</summary>
    public Task AttemptAsync(CredentialCheck check, CancellationToken ct) => AttemptAsync([check.Account, check.Ip], check.Window, ct);

    /// <summary>The check succeeded completely: the account's failures are cleared, the address' attempt is taken back.</summary>
    public async Task SucceededAsync(CredentialCheck check, CancellationToken ct)
    {
        await ResetAsync(check.Account.Key, ct);
        await ForgiveAsync(check.Ip.Key, ct);
    }

    /// <summary>The attempt was no guess (e.g. the right password, with the two-step code still to come): take it back, forgive nothing else.</summary>
    public async Task NotAFailureAsync(CredentialCheck check, CancellationToken ct)
    {
        await ForgiveAsync(check.Account.Key, ct);
        await ForgiveAsync(check.Ip.Key, ct);
    }

    /// <summary>
    /// The current password a signed-in user types again to change it or to delete their account: one attempt counted on
    /// the account's own bucket before <paramref name="matches"/> is asked, the bucket cleared when it matches. Throws 429
    /// <c>auth.throttled</c> past the limit; what a wrong password answers is the caller's.
    /// </summary>
    public async Task<bool> CurrentPasswordAsync(Guid userId, ThrottlingOptions o, Func<bool> matches, CancellationToken ct)
    {
        var bucket = $"password:user:{userId}";
        await AttemptAsync([new(bucket, o.LoginFailuresPerAccount)], o.Window, ct);
        if (!matches()) return false; // the hash is checked only once the attempt is counted
        await ResetAsync(bucket, ct);
        return true;
    }

    /// <summary>Takes back one counted attempt (it succeeded).</summary>
    public async Task ForgiveAsync(string bucket, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(ForgiveSql, new { bucket }, cancellationToken: ct));
    }

    /// <summary>Clears a bucket (a successful sign-in clears the account's failures).</summary>
    public async Task ResetAsync(string bucket, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(ResetSql, new { bucket }, cancellationToken: ct));
    }
}

public static class ClientAddress
{
    /// <summary>The caller's IP (after X-Forwarded-For processing when enabled), as a throttle key.</summary>
    public static string Of(HttpContext ctx) => ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
