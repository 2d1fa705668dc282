using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;

namespace PhotoApi.Api.Features.Assets;

/// <summary>
/// Short-lived signed media URLs, so an &lt;img src&gt; of a SPA on another origin (no Authorization header) can load
/// thumbnails, previews and originals. The HMAC key is shared by every node: taken from configuration
/// (<c>Media:SigningKey</c>, base64) or made once and kept in PostgreSQL.
/// </summary>
public sealed class MediaSigner(NpgsqlDataSource db, IConfiguration configuration)
{
    /// <summary>URLs expire at the end of the next half-hour window: 30 to 60 minutes, and the same URL within a window (browser caches hit).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(30);

    private const string KeySql = """
        UPDATE settings SET media_signing_key = coalesce(media_signing_key, @fresh) RETURNING media_signing_key
        """;

    private byte[]? _key;

    public async Task<MediaUrls> UrlsAsync(CancellationToken ct) => new(await KeyAsync(ct), DateTimeOffset.UtcNow);

    /// <summary>True when <paramref name="sig"/> signs (asset, variant, exp) and exp has not passed. Constant-time.</summary>
    public async Task<bool> VerifyAsync(Guid assetId, string variant, long exp, string sig, CancellationToken ct)
    {
        if (exp < DateTimeOffset.UtcNow.ToUnixTimeSeconds()) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(await KeyAsync(ct), assetId, variant, exp));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(sig));
    }

    /// <summary>An HMAC-SHA256 (base64url) of <paramref name="message"/> under the same node-shared key (share unlock tokens).</summary>
    public async Task<string> MacAsync(string message, CancellationToken ct) =>
        Secrets.Base64Url(HMACSHA256.HashData(await KeyAsync(ct), Encoding.UTF8.GetBytes(message)));

    internal static string Sign(byte[] key, Guid assetId, string variant, long exp) =>
        Secrets.Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes($"{assetId:N}:{variant}:{exp.ToString(CultureInfo.InvariantCulture)}")));

    private async Task<byte[]> KeyAsync(CancellationToken ct)
    {
        if (_key is not null) return _key;
        if (configuration["Media:SigningKey"] is { Length: > 0 } configured) return _key = Convert.FromBase64String(configured);
        await using var conn = await db.OpenConnectionAsync(ct);
        return _key = await conn.ExecuteScalarAsync<byte[]>(new CommandDefinition(KeySql,
            new { fresh = RandomNumberGenerator.GetBytes(32) }, cancellationToken: ct)) ?? throw new InvalidOperationException("No settings row.");
    }
}

/// <summary>Builds the signed URLs of one response.</summary>
public sealed class MediaUrls(byte[] key, DateTimeOffset now)
{
    private readonly long _exp = (now.ToUnixTimeSeconds() / (long)MediaSigner.Window.TotalSeconds + 2) * (long)MediaSigner.Window.TotalSeconds;

    public AssetMediaUrls For(AssetRow a, bool downloadable) => new(
        a.ThumbnailKey is null ? null : Thumbnail(a.Id),
        a.PreviewKey is null ? null : Url(a.Id, "preview", $"{Common.ApiRoutes.Base}/assets/{a.Id}/thumbnail?size=preview&"),
        downloadable ? Url(a.Id, "original", $"{Common.ApiRoutes.Base}/assets/{a.Id}/original?") : null,
        // Playing is viewing (as a preview is): offered whether or not the caller may download the original; to one who
        // may not, signed to play the copy without metadata where the video plays from its original (getAssetPlayback).
        a.PlaybackKey is null ? null
            : downloadable ? Url(a.Id, "playback", $"{Common.ApiRoutes.Base}/assets/{a.Id}/playback?")
            : Url(a.Id, CleanPlaybackVariant, $"{Common.ApiRoutes.Base}/assets/{a.Id}/playback?clean=true&"));

    /// <summary>The signed variant of a playback URL that never serves the original's bytes.</summary>
    public const string CleanPlaybackVariant = "playback-clean";

    /// <summary>
    /// The signed URL of an asset's 250 px WebP thumbnail (one it has). Only for an asset the caller may view: the signature
    /// stands in for sign-in.
    /// </summary>
    public string Thumbnail(Guid id) => Url(id, "thumbnail", $"{Common.ApiRoutes.Base}/assets/{id}/thumbnail?size=small&");

    private string Url(Guid id, string variant, string prefix) =>
        $"{prefix}exp={_exp.ToString(CultureInfo.InvariantCulture)}&sig={MediaSigner.Sign(key, id, variant, _exp)}";
}
