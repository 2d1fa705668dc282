using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Albums;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;

namespace PhotoApi.Api.Features.Sharing;

public sealed class SharingPageRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class SharingPageValidator : Validator<SharingPageRequest>
{
    public SharingPageValidator() => this.AddPagingRules(maxCursorLength: 200);
}

/// <summary>A row of a Sharing page list, ordered by (<see cref="SortAt"/>, <see cref="SortId"/>) descending.</summary>
internal interface ISharingRow
{
    DateTime SortAt { get; }
    Guid SortId { get; }
}

internal static class SharingPages
{
    /// <summary>Runs a list query (parameters @userId, @isAdmin, @afterAt, @afterId, @take) and returns one page and the next cursor.</summary>
    public static async Task<(List<T> Page, string? NextCursor)> FetchAsync<T>(NpgsqlDataSource db, string sql, SharingPageRequest req, Principal principal, CancellationToken ct)
        where T : ISharingRow
    {
        var (afterAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<T>(new CommandDefinition(sql, new { userId = principal.UserId, isAdmin = principal.IsAdmin, afterAt, afterId, take = limit + 1 },
            cancellationToken: ct))).AsList();
        var page = rows.Take(limit).ToList();
        return (page, rows.Count > limit ? TimelineCursor.Of(page[^1].SortAt, page[^1].SortId) : null);
    }
}

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
        var (page, next) = await SharingPages.FetchAsync<Row>(db, ListSql, req, Principal.Of(User), ct);
        var groups = page
            .GroupBy(r => DateOnly.FromDateTime(r.SharedAt))
            .Select(g => new SharedWithMeGroup(g.Key, g.Select(r => new SharedWithMeItem(r.Kind, r.ShareId, r.AlbumId, r.FolderId, r.Name,
                new AlbumOwner(r.OwnerId, r.OwnerUsername, r.OwnerDisplayName), r.Role, r.SharedAt, r.AssetCount, r.CoverAssetId)).ToList()))
            .ToList();
        await Send.OkAsync(new SharedWithMePage(groups, next), ct);
    }
}

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
        var (page, next) = await SharingPages.FetchAsync<Row>(db, ListSql, req, Principal.Of(User), ct);
        var items = page.Select(r => new SharedWithOthersItem(r.Kind, r.ShareId, r.AlbumId, r.FolderId, r.PartnerId, r.Name, r.LinkEnabled, r.Privacy,
            r.PasswordProtected, r.ExpiresAt, r.InviteeCount, r.AssetCount, r.UpdatedAt)).ToList();
        await Send.OkAsync(new Page<SharedWithOthersItem>(items, next), ct);
    }
}
