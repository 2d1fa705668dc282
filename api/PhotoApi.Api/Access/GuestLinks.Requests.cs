using Dapper;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Access;

/// <summary>Photo-request links: what a key opens, where guests' files go now, and which album their page may show.</summary>
public sealed partial class GuestLinks
{
    private static readonly string PhotoRequestSql = $"""
        SELECT r.id, r.owner_id, u.role = 'admin' AS owner_is_admin, u.display_name AS owner_display_name, r.subject, r.description,
               r.folder_id, r.album_id, r.max_file_size_mb, r.expires_at, r.enabled
        FROM photo_requests r JOIN users u ON u.id = r.owner_id
        WHERE r.link_key_hash = @hash AND {AccessPolicy.UserActive("r.owner_id")}
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
            await CountMissAsync(context, ct);
            throw new ApiException(404, ErrorCodes.RequestNotFound, "This photo request link does not exist. Check the address you were sent.");
        }
        if (open && !link.Enabled)
            throw new ApiException(410, ErrorCodes.RequestDisabled, "This photo request is not accepting files right now.");
        if (open && link.ExpiresAt is { } expires && expires <= DateTime.UtcNow)
            throw new ApiException(410, ErrorCodes.RequestExpired, "This photo request has expired.");
        return link;
    }

    /// <summary>
    /// Where a guest's files go now: the request's folder and album, as far as the request's owner still may upload there
    /// and add to that album (rights change after a request is made). A folder they lost closes the request (410
    /// <c>request.disabled</c>); an album they lost is skipped.
    /// </summary>
    public async Task<(Guid? FolderId, Guid? AlbumId)> RequestTargetsAsync(PhotoRequestLink link, CancellationToken ct)
    {
        var owner = new Principal(link.OwnerId, link.OwnerIsAdmin);
        if (link.FolderId is { } folder && !(await policy.AllowedAsync(owner, Permission.FolderPhotoRequest, [folder], ct)).Contains(folder))
            throw new ApiException(410, ErrorCodes.RequestDisabled, "This photo request is not accepting files right now.");
        var album = link.AlbumId is { } a && (await policy.AllowedAsync(owner, Permission.AlbumAddAssets, [a], ct)).Contains(a) ? a : (Guid?)null;
        return (link.FolderId, album);
    }

    private static readonly string SharedAlbumSql = $"""
        SELECT al.id, al.name FROM albums al
        WHERE al.id = @albumId
          AND EXISTS (SELECT 1 FROM shares s WHERE s.album_id = al.id AND {LinkOn("s")} AND s.privacy = 'public' AND s.password_hash IS NULL)
        """;

    /// <summary>
    /// The request's album, if guests of the request may see its contents: only while the request's owner still may add
    /// to it, and only while the album's own link is open to any guest right now (turned on, public, no password, not
    /// expired, its owner active). An album shared with invitees only, or behind a password, stays private even though
    /// the request adds to it; and the page shows no more than that link does (<see cref="AccessPolicy.AlbumMembers"/>).
    /// </summary>
    public async Task<(Guid Id, string Name)?> SharedRequestAlbumAsync(PhotoRequestLink link, CancellationToken ct)
    {
        if (link.AlbumId is not { } albumId) return null;
        if (!(await policy.AllowedAsync(new Principal(link.OwnerId, link.OwnerIsAdmin), Permission.AlbumAddAssets, [albumId], ct)).Contains(albumId))
            return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<(Guid, string)?>(new CommandDefinition(SharedAlbumSql, new { albumId }, cancellationToken: ct));
    }
}
