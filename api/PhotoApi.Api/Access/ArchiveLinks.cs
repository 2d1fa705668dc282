using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Access;

/// <summary>
/// An archive link as the <see cref="AccessStage"/> resolved it: who made it (none: a guest of a public or password share
/// link), and the one download it is for — asset ids, an album, or everything a share link shows (its id and the link
/// version it was made under).
/// </summary>
public sealed record ArchiveLink(Guid? UserId, bool IsAdmin, Guid[]? AssetIds, Guid? AlbumId, Guid? ShareId = null, long? LinkVersion = null,
    bool MakerHasPhotoLibrary = true, Guid? ExportId = null);

/// <summary>
/// Archive links: a signed URL of the access pipeline for one zip download (<c>createArchiveLink</c>), so a browser can
/// start it as a plain link and stream it to disk. The URL carries a 256-bit random token, of which only the SHA-256 is
/// stored (looked up by that hash, so the secret is never compared byte by byte), with the user who made it, the
/// session or API key they made it with, the request (asset ids or an album) and an expiry
/// (<c>Downloads:LinkLifetime</c>, 10 minutes). A route that declares <see cref="AccessAttribute.ArchiveLink"/> gets
/// the link's maker as its principal — resolved once, here — and asks the access policy as that user when it runs, so a
/// share revoked since the link was made refuses it the way <c>downloadArchive</c> would.
/// <para>A share link's archive link (<c>createPublicShareArchiveLink</c>) stores the share and its link version, and the
/// signed-in caller only where the link is not public; it is spent by its download (one link, one download), and the stage
/// resolves the share link again through <see cref="GuestLinks"/> before the zip is sent.</para>
/// <para>A library export's link (<c>getExport</c>'s <c>downloadUrl</c>) names the export; its download asks again that
/// the export is its maker's, ready and not expired.</para>
/// </summary>
public sealed class ArchiveLinks(NpgsqlDataSource db, IConfiguration configuration)
{
    public TimeSpan Lifetime => configuration.GetValue<TimeSpan?>("Downloads:LinkLifetime") ?? TimeSpan.FromMinutes(10);

    // Expired links go when a link is made: a range of archive_links_expires_idx, in the same round trip.
    private const string InsertSql = """
        WITH swept AS (DELETE FROM archive_links WHERE expires_at <= now())
        INSERT INTO archive_links (token_hash, user_id, session_id, api_key_id, asset_ids, album_id, share_id, link_version, export_id, expires_at)
        VALUES (@hash, @userId, @sessionId, @apiKeyId, @assetIds, @albumId, @shareId, @linkVersion, @exportId, now() + @lifetime)
        RETURNING expires_at
        """;

    // The link, while it has not expired and the credential it was made with still stands (a signed-out session or a
    // revoked key ends its links), and whether its maker may still use the photo library. A share link's archive link is
    // spent as it is read (one download); the others live until they expire.
    private static readonly string ResolveSql = $"""
        WITH found AS (
            SELECT l.token_hash, l.user_id, coalesce(u.role = 'admin', false) AS is_admin, l.asset_ids, l.album_id, l.share_id, l.link_version, l.export_id,
                   l.user_id IS NULL OR {PhotoApiAuthenticationHandler.PhotoLibrarySql} AS photo_library
            FROM archive_links l LEFT JOIN users u ON u.id = l.user_id
            WHERE l.token_hash = @hash AND l.expires_at > now() AND (l.user_id IS NULL OR u.status = 'active')
              AND (l.session_id IS NULL OR EXISTS (SELECT 1 FROM sessions s WHERE s.id = l.session_id AND s.revoked_at IS NULL AND s.expires_at > now()))
              AND (l.api_key_id IS NULL OR EXISTS (SELECT 1 FROM api_keys k WHERE k.id = l.api_key_id AND k.revoked_at IS NULL))),
        spent AS (DELETE FROM archive_links d USING found WHERE d.token_hash = found.token_hash AND found.share_id IS NOT NULL)
        SELECT user_id, is_admin, asset_ids, album_id, share_id, link_version, export_id, photo_library FROM found
        """;

    // Properties, not a constructor: Dapper reads a uuid[] column as an Array, which matches no Guid[] parameter.
    private sealed class Row
    {
        public Guid? UserId { get; init; }
        public bool IsAdmin { get; init; }
        public Guid[]? AssetIds { get; init; }
        public Guid? AlbumId { get; init; }
        public Guid? ShareId { get; init; }
        public long? LinkVersion { get; init; }
        public Guid? ExportId { get; init; }
        public bool PhotoLibrary { get; init; }
    }

    /// <summary>Stores a link for this request, made by the caller with the credential they called with; returns its token and expiry.</summary>
    public Task<(string Token, DateTime ExpiresAt)> CreateAsync(System.Security.Claims.ClaimsPrincipal caller, Guid[]? assetIds, Guid? albumId,
        CancellationToken ct) =>
        InsertAsync(caller.UserId(), caller.SessionId(), caller.ApiKeyId(), assetIds, albumId, null, null, ct);

    /// <summary>Stores a link for the zip of export <paramref name="exportId"/> (the caller's own, ready), made with the caller's credential.</summary>
    public Task<(string Token, DateTime ExpiresAt)> CreateForExportAsync(System.Security.Claims.ClaimsPrincipal caller, Guid exportId, CancellationToken ct) =>
        InsertAsync(caller.UserId(), caller.SessionId(), caller.ApiKeyId(), null, null, null, null, ct, exportId);

    /// <summary>
    /// Stores a link for everything share link <paramref name="link"/> shows, as the <see cref="LinkStage"/> resolved it for
    /// <paramref name="caller"/>: for a non-public link with the signed-in caller and their credential (whose rights bound
    /// what it shows), for a public one with nobody.
    /// </summary>
    public Task<(string Token, DateTime ExpiresAt)> CreateForShareAsync(System.Security.Claims.ClaimsPrincipal caller, ShareLink link, CancellationToken ct) =>
        link.Privacy == "public"
            ? InsertAsync(null, null, null, null, null, link.Id, link.LinkVersion, ct)
            : InsertAsync(caller.UserId(), caller.SessionId(), caller.ApiKeyId(), null, null, link.Id, link.LinkVersion, ct);

    private async Task<(string Token, DateTime ExpiresAt)> InsertAsync(Guid? userId, Guid? sessionId, Guid? apiKeyId, Guid[]? assetIds, Guid? albumId,
        Guid? shareId, long? linkVersion, CancellationToken ct, Guid? exportId = null)
    {
        var token = Secrets.NewToken();
        await using var conn = await db.OpenConnectionAsync(ct);
        var expiresAt = await conn.ExecuteScalarAsync<DateTime>(new CommandDefinition(InsertSql, new
        {
            hash = Secrets.Hash(token), userId, sessionId, apiKeyId, assetIds, albumId, shareId, linkVersion, exportId, lifetime = Lifetime,
        }, cancellationToken: ct));
        return (token, expiresAt);
    }

    /// <summary>
    /// The link <paramref name="token"/> opens: 404 <c>download.link_invalid</c> for an unknown or expired token (or one
    /// whose maker or credential is gone), alike; 403 <c>auth.photo_library_denied</c> once its maker lost the photo
    /// library, as their own request would be answered.
    /// </summary>
    public async Task<ArchiveLink> ResolveAsync(string token, CancellationToken ct)
    {
        Row? row = null;
        if (token.Length is > 0 and <= 100)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ResolveSql, new { hash = Secrets.Hash(token) }, cancellationToken: ct));
        }
        if (row is null) throw Invalid();
        // A share link's maker who lost the photo library no longer opens the share link: GuestLinks answers that.
        if (!row.PhotoLibrary && row.ShareId is null)
            throw new ApiException(403, ErrorCodes.PhotoLibraryDenied, "An administrator has not given you access to the photo library.");
        return new ArchiveLink(row.UserId, row.IsAdmin, row.AssetIds, row.AlbumId, row.ShareId, row.LinkVersion, row.PhotoLibrary, row.ExportId);
    }

    public static ApiException Invalid() =>
        new(404, ErrorCodes.DownloadLinkInvalid, "This download link is unknown or has expired. Ask the API for a new one.");
}
