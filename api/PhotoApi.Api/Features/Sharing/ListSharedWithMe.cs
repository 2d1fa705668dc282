using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Albums;

namespace PhotoApi.Api.Features.Sharing;

/// <summary>Something another user shares with the caller.</summary>
/// <param name="Kind"><c>album</c>, <c>selection</c>, <c>folder</c> (of Shared Space) or <c>partner</c> (their whole library).</param>
/// <param name="ShareId">The share (null for a partner).</param>
/// <param name="AlbumId">Open it with getAlbum / listAlbumAssets (null for a folder or partner: browse a partner with listAssets?partnerId=).</param>
/// <param name="FolderId">Open it with getFolder / listAssets?folderId= (folder shares only).</param>
/// <param name="Name">The album's or folder's name, the selection's title, or the partner's display name.</param>
/// <param name="Role">The caller's role: <c>viewer</c>, <c>downloader</c>, <c>provider</c>, <c>uploader</c>, <c>manager</c>, or <c>partner</c> (see and download).</param>
/// <param name="SharedAt">When it was first shared with the caller.</param>
public sealed record SharedWithMeItem(
    string Kind, Guid? ShareId, Guid? AlbumId, Guid? FolderId, string Name, AlbumOwner Owner, string Role, DateTime SharedAt, int AssetCount, Guid? CoverAssetId);

/// <param name="Date">The day (UTC) these were shared with the caller.</param>
public sealed record SharedWithMeGroup(DateOnly Date, IReadOnlyList<SharedWithMeItem> Items);

/// <summary>A page of the Shared With Me view, newest first, grouped by day; a day may continue on the next page.</summary>
public sealed record SharedWithMePage(IReadOnlyList<SharedWithMeGroup> Groups, string? NextCursor);

/// <summary>The Sharing page's "Shared With Me": albums and selections shared with the caller (directly or through a group) and partners' libraries.</summary>
[Access(AccessScope.Caller)]
public sealed class ListSharedWithMeEndpoint(NpgsqlDataSource db) : Endpoint<SharingPageRequest, SharedWithMePage>
{
    private static readonly string ListSql = $"""
        SELECT * FROM (
            SELECT s.target_type AS kind, s.id AS share_id, al.id AS album_id, NULL::uuid AS folder_id, al.name, u.id AS owner_id, u.username AS owner_username,
                   u.display_name AS owner_display_name, {AccessPolicy.AlbumRole("al")} AS role,
                   (SELECT min(si.created_at) FROM share_invitees si
                    WHERE si.share_id = s.id AND {AccessPolicy.NamesCaller("si")}) AS shared_at,
                   (SELECT count(*) FROM ({AccessPolicy.AlbumMembers("al.id")}) members)::int AS asset_count, al.cover_asset_id, s.id AS sort_id
            FROM shares s JOIN albums al ON al.id = s.album_id JOIN users u ON u.id = al.owner_id
            WHERE al.owner_id <> @userId AND {AccessPolicy.AlbumVisible("al")}
            UNION ALL
            SELECT 'partner', NULL, NULL, NULL, u.display_name, u.id, u.username, u.display_name, 'partner', p.created_at,
                   (SELECT count(*) FROM assets a WHERE a.owner_id = p.owner_id AND {AccessPolicy.PartnerShows("a")})::int,
                   NULL, u.id
            FROM partners p JOIN users u ON u.id = p.owner_id
            WHERE p.partner_id = @userId AND {AccessPolicy.UserActive("p.owner_id")}
            UNION ALL
            SELECT 'folder', s.id, NULL, f.id, f.name, u.id, u.username, u.display_name,
                   (SELECT si.role FROM share_invitees si
                    WHERE si.share_id = s.id AND {AccessPolicy.NamesCaller("si")}
                    ORDER BY array_position(ARRAY['manager', 'uploader', 'downloader', 'viewer'], si.role) LIMIT 1),
                   (SELECT min(si.created_at) FROM share_invitees si
                    WHERE si.share_id = s.id AND {AccessPolicy.NamesCaller("si")}),
                   (SELECT count(*) FROM assets fa WHERE fa.folder_id = f.id AND fa.trashed_at IS NULL)::int, f.cover_asset_id, s.id
            FROM shares s JOIN folders f ON f.id = s.folder_id JOIN users u ON u.id = s.owner_id
            -- Invitee roles count for Custom users; Full Access users reach the folder anyway; others not at all. Like every
            -- share, it stops while its owner is disabled.
            WHERE s.owner_id <> @userId AND (SELECT shared_space_enabled FROM settings) AND {AccessPolicy.SharedSpaceLevel} IN ('full', 'custom')
              AND {AccessPolicy.UserActive("s.owner_id")}
        ) shared
        WHERE role IS NOT NULL
          AND (@afterAt::timestamptz IS NULL OR (shared_at, sort_id) < (@afterAt, @afterId))
        ORDER BY shared_at DESC, sort_id DESC
        LIMIT @take
        """;

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
        var (page, next) = await SharingPages.FetchAsync<Row>(db, ListSql, req, HttpContext.Principal(), ct);
        var groups = page
            .GroupBy(r => DateOnly.FromDateTime(r.SharedAt))
            .Select(g => new SharedWithMeGroup(g.Key, g.Select(r => new SharedWithMeItem(r.Kind, r.ShareId, r.AlbumId, r.FolderId, r.Name,
                new AlbumOwner(r.OwnerId, r.OwnerUsername, r.OwnerDisplayName), r.Role, r.SharedAt, r.AssetCount, r.CoverAssetId)).ToList()))
            .ToList();
        await Send.OkAsync(new SharedWithMePage(groups, next), ct);
    }
}
