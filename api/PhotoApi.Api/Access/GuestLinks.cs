using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Access;

/// <summary>A photo request as its link lets a guest use it.</summary>
public sealed record PhotoRequestLink(Guid Id, Guid OwnerId, string OwnerDisplayName, string Subject, string Description, Guid? FolderId,
    Guid? AlbumId, int? MaxFileSizeMb, DateTime? ExpiresAt, bool Enabled);

/// <summary>
/// The access policy for link guests: resolves a key presented in a link address to what it opens. Keys are looked up by
/// their SHA-256 (the key itself is never compared), and a key that opens nothing — unknown or malformed — is answered
/// with one 404 and counted per client IP; past the limit the IP gets 429 for a while.
/// </summary>
public sealed partial class GuestLinks(NpgsqlDataSource db, Throttle throttle, IOptions<ThrottlingOptions> throttling)
{
    private const string PhotoRequestSql = """
        SELECT r.id, r.owner_id, u.display_name AS owner_display_name, r.subject, r.description, r.folder_id, r.album_id,
               r.max_file_size_mb, r.expires_at, r.enabled
        FROM photo_requests r JOIN users u ON u.id = r.owner_id
        WHERE r.link_key_hash = @hash AND u.status = 'active'
        """;

    /// <summary>
    /// The photo request behind <paramref name="key"/>. With <paramref name="open"/>, also refuses a disabled one
    /// (410 <c>request.disabled</c>) and an expired one (410 <c>request.expired</c>): guests may still poll the status of
    /// what they sent, but may not send more.
    /// </summary>
    public async Task<PhotoRequestLink> PhotoRequestAsync(HttpContext context, string key, bool open, CancellationToken ct)
    {
        PhotoRequestLink? link = null;
        if (WellFormed(key))
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            link = await conn.QuerySingleOrDefaultAsync<PhotoRequestLink>(new CommandDefinition(PhotoRequestSql, new { hash = Secrets.Hash(key) }, cancellationToken: ct));
        }
        if (link is null)
        {
            var o = throttling.Value;
            await throttle.AttemptAsync([new($"link-miss:ip:{ClientAddress.Of(context)}", o.LinkMissesPerIp)], o.Window, ct);
            throw new ApiException(404, ErrorCodes.RequestNotFound, "This photo request link does not exist. Check the address you were sent.");
        }
        if (open && !link.Enabled)
            throw new ApiException(410, ErrorCodes.RequestDisabled, "This photo request is not accepting files right now.");
        if (open && link.ExpiresAt is { } expires && expires <= DateTime.UtcNow)
            throw new ApiException(410, ErrorCodes.RequestExpired, "This photo request has expired.");
        return link;
    }

    private const string SharedAlbumSql = """
        SELECT al.id, al.name FROM albums al
        WHERE al.id = @albumId AND EXISTS (SELECT 1 FROM shares s WHERE s.album_id = al.id)
        """;

    /// <summary>
    /// The request's album, if guests of the request may see its contents: only where the album is shared (with
    /// invitees or by link) — an unshared album stays private even though the request adds to it.
    /// </summary>
    public async Task<(Guid Id, string Name)?> SharedRequestAlbumAsync(PhotoRequestLink link, CancellationToken ct)
    {
        if (link.AlbumId is not { } albumId) return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<(Guid, string)?>(new CommandDefinition(SharedAlbumSql, new { albumId }, cancellationToken: ct));
    }

    /// <summary>Keys are 256 random bits in base64url: 43 characters.</summary>
    private static bool WellFormed(string key) => KeyShape().IsMatch(key);

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyShape();
}
