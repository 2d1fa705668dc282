using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Albums;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Sharing;

/// <summary>Something another user shares with the caller.</summary>
/// <param name="Kind"><c>album</c>, <c>selection</c>, <c>folder</c> (of Shared Space) or <c>partner</c> (their whole library).</param>
/// <param name="ShareId">The share (null for a partner).</param>
/// <param name="AlbumId">Open it with getAlbum / listAlbumAssets (null for a folder or partner: browse a partner with listAssets?partnerId=).</param>
/// <param name="FolderId">Open it with getFolder / listAssets?folderId= (folder shares only).</param>
/// <param name="Name">The album's or folder's name, the selection's title, or the partner's display name.</param>
/// <param name="Role">The caller's role: <c>viewer</c>, <c>downloader</c>, <c>provider</c>, <c>uploader</c>, <c>manager</c>, or <c>partner</c> (see and download).</param>
/// <param name="SharedAt">When it was first shared with the caller.</param>
/// <param name="CoverThumbnailUrl">
/// The cover's 250 px WebP thumbnail, signed for the caller (as <c>AssetMediaUrls.thumbnail</c>); null when there is no
/// cover, while it has no thumbnail, and when it left what is shared with the caller: an album's exactly when the album's
/// own <c>coverThumbnailUrl</c> is null (the album no longer shows it), a folder's when the caller may not view it now.
/// </param>
public sealed record SharedWithMeItem(
    string Kind, Guid? ShareId, Guid? AlbumId, Guid? FolderId, string Name, AlbumOwner Owner, string Role, DateTime SharedAt, int AssetCount,
    Guid? CoverAssetId, string? CoverThumbnailUrl);

/// <param name="Date">The day (UTC) these were shared with the caller.</param>
public sealed record SharedWithMeGroup(DateOnly Date, IReadOnlyList<SharedWithMeItem> Items);

/// <summary>A page of the Shared With Me view, newest first, grouped by day; a day may continue on the next page.</summary>
public sealed record SharedWithMePage(IReadOnlyList<SharedWithMeGroup> Groups, string? NextCursor);

/// <summary>The Sharing page's "Shared With Me": albums and selections shared with the caller (directly or through a group) and partners' libraries.</summary>
/// <remarks>
/// The candidates are the caller's own invitations and partners, a set that follows what is shared with them, not the
/// size of anyone's library: they are ordered and cut to the page first, and only the page's rows then read their
/// role and size (from the counters), and their cover by key: an album's where the album still shows it
/// (<see cref="AccessPolicy.AlbumCover"/>, as every album list), a folder's where the access policy lets the caller view
/// it (one batch question for the page).
/// </remarks>
[Access(AccessScope.Caller)]
public sealed class ListSharedWithMeEndpoint(NpgsqlDataSource db, ListQueries lists, AssetViews views, MediaSigner signer) : Endpoint<SharingPageRequest, SharedWithMePage>
{
    private static string Candidates(bool after) => $"""
        WITH inv AS ({AccessPolicy.CallerInvitations})
        SELECT * FROM (
            SELECT s.target_type AS kind, s.id AS share_id, al.id AS album_id, NULL::uuid AS folder_id, al.owner_id, inv.invited_at AS shared_at, s.id AS sort_id
            FROM inv JOIN shares s ON s.id = inv.share_id JOIN albums al ON al.id = s.album_id
            WHERE al.owner_id <> @userId AND {AccessPolicy.UserActive("al.owner_id")}
            UNION ALL
            SELECT 'partner', NULL, NULL, NULL, p.owner_id, p.created_at, p.owner_id
            FROM partners p
            WHERE p.partner_id = @userId AND {AccessPolicy.UserActive("p.owner_id")}
            UNION ALL
            SELECT 'folder', s.id, NULL, s.folder_id, s.owner_id, inv.invited_at, s.id
            FROM inv JOIN shares s ON s.id = inv.share_id AND s.folder_id IS NOT NULL
            -- Invitee roles count for Custom users; Full Access users reach the folder anyway; others not at all. Like every
            -- share, it stops while its owner is disabled.
            WHERE s.owner_id <> @userId AND (SELECT shared_space_enabled FROM settings) AND {AccessPolicy.SharedSpaceLevel} IN ('full', 'custom')
              AND {AccessPolicy.UserActive("s.owner_id")}
        ) shared
        {(after ? $"WHERE {SharingPages.After("shared_at", "sort_id")}" : "")}
        ORDER BY shared_at DESC, sort_id DESC
        LIMIT @take
        """;

    private static string PageSql(bool after) => $"""
        SELECT c.kind, c.share_id, c.album_id, c.folder_id, coalesce(al.name, f.name, u.display_name) AS name,
               u.id AS owner_id, u.username AS owner_username, u.display_name AS owner_display_name,
               (CASE c.kind WHEN 'partner' THEN 'partner'
                            WHEN 'folder' THEN (SELECT r.role FROM ({AccessPolicy.CallerInviteeRoles("c.share_id")}) r
                                                ORDER BY array_position(ARRAY['manager', 'uploader', 'downloader', 'viewer'], r.role) LIMIT 1)
                            ELSE {AccessPolicy.CallerAlbumRole("al")} END) AS role,
               c.shared_at,
               (CASE c.kind WHEN 'partner' THEN u.personal_asset_count WHEN 'folder' THEN f.asset_count
                            ELSE {AccessPolicy.AlbumAssetCount("al")} END) AS asset_count,
               coalesce(al.cover_asset_id, f.cover_asset_id) AS cover_asset_id,
               {AccessPolicy.AlbumCover("al")} AS album_cover_id,
               (SELECT ca.id FROM assets ca WHERE ca.id = f.cover_asset_id AND ca.thumbnail_key IS NOT NULL) AS folder_cover_id,
               c.sort_id
        FROM ({Candidates(after)}) c
        JOIN users u ON u.id = c.owner_id
        LEFT JOIN albums al ON al.id = c.album_id
        LEFT JOIN folders f ON f.id = c.folder_id
        ORDER BY c.shared_at DESC, c.sort_id DESC
        """;

    private static readonly string FirstSql = PageSql(after: false), NextSql = PageSql(after: true);

    private sealed class Row : ISharingRow
    {
        public string Kind { get; init; } = "";
        public Guid? ShareId { get; init; }
        public Guid? AlbumId { get; init; }
        public Guid? FolderId { get; init; }
        public string Name { get; init; } = "";
        public Guid OwnerId { get; init; }
        public string OwnerUsername { get; init; } = "";
        public string OwnerDisplayName { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime SharedAt { get; init; }
        public int AssetCount { get; init; }
        public Guid? CoverAssetId { get; init; }
        /// <summary>An album's (or selection's) cover as every album list shows it (<see cref="AccessPolicy.AlbumCover"/>).</summary>
        public Guid? AlbumCoverId { get; init; }
        /// <summary>A folder's cover, where it has a thumbnail; shown where the caller may view it.</summary>
        public Guid? FolderCoverId { get; init; }
        public Guid SortId { get; init; }
        public DateTime SortAt => SharedAt;
    }

    public override void Configure()
    {
        Get("sharing/with-me");
        Description(d => d.WithName("listSharedWithMe"));
    }

    public override async Task HandleAsync(SharingPageRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var (page, next) = await SharingPages.FetchAsync<Row>(db, lists, "listSharedWithMe", after => after ? NextSql : FirstSql, req, principal, ct);
        // An album's cover shows where the album still shows it, as in the album lists; a folder's where the caller may
        // view it now (it was chosen among what the folder showed then).
        var folderCovers = await views.ThumbnailsAsync(principal, page.Where(r => r.FolderCoverId is not null).Select(r => r.FolderCoverId!.Value).ToList(), ct);
        var urls = await signer.UrlsAsync(ct);
        var groups = page
            .GroupBy(r => DateOnly.FromDateTime(r.SharedAt))
            .Select(g => new SharedWithMeGroup(g.Key, g.Select(r => new SharedWithMeItem(r.Kind, r.ShareId, r.AlbumId, r.FolderId, r.Name,
                new AlbumOwner(r.OwnerId, r.OwnerUsername, r.OwnerDisplayName), r.Role, r.SharedAt, r.AssetCount, r.CoverAssetId,
                r.AlbumCoverId is { } albumCover ? urls.Thumbnail(albumCover)
                : r.FolderCoverId is { } folderCover ? folderCovers.GetValueOrDefault(folderCover) : null)).ToList()))
            .ToList();
        await Send.OkAsync(new SharedWithMePage(groups, next), ct);
    }
}
