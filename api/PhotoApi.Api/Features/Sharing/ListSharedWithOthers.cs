using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.Sharing;

/// <summary>Something the caller shares.</summary>
/// <param name="Kind"><c>album</c>, <c>selection</c> or <c>partner</c>.</param>
/// <param name="ShareId">Manage it with getShare / updateShare (null for a partner).</param>
/// <param name="AlbumId">The album or the selection's hidden album (null for a partner).</param>
/// <param name="Name">The album's or folder's name, the selection's title, or the partner's display name.</param>
/// <param name="FolderId">The Shared Space folder (kind folder only).</param>
/// <param name="PartnerId">The partner (kind partner only).</param>
/// <param name="InviteeCount">Users and groups invited (1 for a partner).</param>
/// <param name="UpdatedAt">When its settings were last changed.</param>
public sealed record SharedWithOthersItem(
    string Kind, Guid? ShareId, Guid? AlbumId, Guid? FolderId, Guid? PartnerId, string Name, bool LinkEnabled, string? Privacy, bool PasswordProtected,
    DateTime? ExpiresAt, int InviteeCount, int AssetCount, DateTime UpdatedAt);

/// <summary>The Sharing page's "Shared With Others": the caller's shares and partners, most recently changed first.</summary>
[Access(AccessScope.Caller)]
public sealed class ListSharedWithOthersEndpoint(NpgsqlDataSource db) : Endpoint<SharingPageRequest, Page<SharedWithOthersItem>>
{
    private static readonly string ListSql = $"""
        SELECT * FROM (
            SELECT s.target_type AS kind, s.id AS share_id, s.album_id, s.folder_id, NULL::uuid AS partner_id, coalesce(al.name, f.name) AS name,
                   s.link_enabled, s.privacy, s.password_hash IS NOT NULL AS password_protected, s.expires_at,
                   (SELECT count(*) FROM share_invitees si WHERE si.share_id = s.id)::int AS invitee_count,
                   (CASE WHEN s.folder_id IS NULL THEN (SELECT count(*) FROM ({AccessPolicy.AlbumMembers("al.id")}) members)
                         ELSE (SELECT count(*) FROM assets fa WHERE fa.folder_id = s.folder_id AND fa.trashed_at IS NULL) END)::int AS asset_count,
                   s.updated_at, s.id AS sort_id
            FROM shares s LEFT JOIN albums al ON al.id = s.album_id LEFT JOIN folders f ON f.id = s.folder_id
            -- Shared Space folder shares belong to the admins together (any admin manages them).
            WHERE s.folder_id IS NULL AND s.owner_id = @userId OR s.folder_id IS NOT NULL AND @isAdmin
            UNION ALL
            SELECT 'partner', NULL, NULL, NULL, u.id, u.display_name, false, NULL, false, NULL, 1,
                   (SELECT count(*) FROM assets a WHERE a.owner_id = @userId AND {AccessPolicy.PartnerShows("a")})::int,
                   p.updated_at, u.id
            FROM partners p JOIN users u ON u.id = p.partner_id
            WHERE p.owner_id = @userId
        ) shared
        WHERE @afterAt::timestamptz IS NULL OR (updated_at, sort_id) < (@afterAt, @afterId)
        ORDER BY updated_at DESC, sort_id DESC
        LIMIT @take
        """;

    private sealed class Row : ISharingRow
    {
        public string Kind { get; init; } = "";
        public Guid? ShareId { get; init; }
        public Guid? AlbumId { get; init; }
        public Guid? FolderId { get; init; }
        public Guid? PartnerId { get; init; }
        public string Name { get; init; } = "";
        public bool LinkEnabled { get; init; }
        public string? Privacy { get; init; }
        public bool PasswordProtected { get; init; }
        public DateTime? ExpiresAt { get; init; }
        public int InviteeCount { get; init; }
        public int AssetCount { get; init; }
        public DateTime UpdatedAt { get; init; }
        public Guid SortId { get; init; }
        public DateTime SortAt => UpdatedAt;
    }

    public override void Configure()
    {
        Get("sharing/with-others");
        Description(d => d.WithName("listSharedWithOthers"));
    }

    public override async Task HandleAsync(SharingPageRequest req, CancellationToken ct)
    {
        var (page, next) = await SharingPages.FetchAsync<Row>(db, ListSql, req, HttpContext.Principal(), ct);
        var items = page.Select(r => new SharedWithOthersItem(r.Kind, r.ShareId, r.AlbumId, r.FolderId, r.PartnerId, r.Name, r.LinkEnabled, r.Privacy,
            r.PasswordProtected, r.ExpiresAt, r.InviteeCount, r.AssetCount, r.UpdatedAt)).ToList();
        await Send.OkAsync(new Page<SharedWithOthersItem>(items, next), ct);
    }
}
