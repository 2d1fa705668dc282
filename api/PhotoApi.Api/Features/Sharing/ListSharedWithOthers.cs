using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Features.Shares;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Sharing;

/// <summary>Something the caller shares.</summary>
/// <param name="Kind"><c>album</c>, <c>selection</c> or <c>partner</c>.</param>
/// <param name="ShareId">Manage it with getShare / updateShare (null for a partner).</param>
/// <param name="AlbumId">The album or the selection's hidden album (null for a partner).</param>
/// <param name="Name">The album's or folder's name, the selection's title, or the partner's display name.</param>
/// <param name="FolderId">The Shared Space folder (kind folder only).</param>
/// <param name="PartnerId">The partner (kind partner only).</param>
/// <param name="Url">The guest page of the share's link (as <c>ShareResponse.url</c>); null while the link is off, and for a partner.</param>
/// <param name="ViewCount">How often guests opened the link's page (null for a partner).</param>
/// <param name="DownloadCount">How often guests downloaded an original through the link (null for a partner).</param>
/// <param name="LastAccessedAt">The last time a guest used the link (null if never, and for a partner).</param>
/// <param name="InviteeCount">Users and groups invited (1 for a partner).</param>
/// <param name="Invitees">The users and groups invited, with their names and roles, as <c>getShare</c> lists them (null for a partner).</param>
/// <param name="UpdatedAt">When its settings were last changed.</param>
public sealed record SharedWithOthersItem(
    string Kind, Guid? ShareId, Guid? AlbumId, Guid? FolderId, Guid? PartnerId, string Name, bool LinkEnabled, string? Privacy, bool PasswordProtected,
    DateTime? ExpiresAt, string? Url, long? ViewCount, long? DownloadCount, DateTime? LastAccessedAt, int InviteeCount,
    IReadOnlyList<InviteeResponse>? Invitees, int AssetCount, DateTime UpdatedAt);

/// <summary>The Sharing page's "Shared With Others": the caller's shares and partners, most recently changed first.</summary>
/// <remarks>
/// A merge of index scans that each stop at the page: the caller's shares on <c>shares_owner_updated_idx</c>, for
/// admins the Shared Space folder shares on <c>shares_folder_updated_idx</c>, and the caller's partners; only the page's
/// rows then read their invitee count and size (from the counters). The page's invitees, with their names, come in one
/// more query keyed by the page's share ids (at most <c>limit</c> shares of at most 200 invitees each).
/// </remarks>
[Access(AccessScope.Caller)]
public sealed class ListSharedWithOthersEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<SharingPageRequest, Page<SharedWithOthersItem>>
{
    private static string Candidates(bool admin, bool after)
    {
        string AndAfter(string at, string id) => after ? $"AND {SharingPages.After(at, id)}" : "";
        var branches = new List<string>
        {
            $"""
            SELECT s.id AS share_id, NULL::uuid AS partner_id, s.updated_at, s.id AS sort_id FROM shares s
            WHERE s.owner_id = @userId AND s.folder_id IS NULL {AndAfter("s.updated_at", "s.id")}
            ORDER BY s.updated_at DESC, s.id DESC LIMIT @take
            """,
            $"""
            SELECT NULL::uuid, p.partner_id, p.updated_at, p.partner_id FROM partners p
            WHERE p.owner_id = @userId {AndAfter("p.updated_at", "p.partner_id")}
            ORDER BY p.updated_at DESC, p.partner_id DESC LIMIT @take
            """,
        };
        // Shared Space folder shares belong to the admins together (any admin manages them).
        if (admin) branches.Add($"""
            SELECT s.id, NULL::uuid, s.updated_at, s.id FROM shares s
            WHERE s.folder_id IS NOT NULL {AndAfter("s.updated_at", "s.id")}
            ORDER BY s.updated_at DESC, s.id DESC LIMIT @take
            """);
        return $"""
            SELECT * FROM ({string.Join(" UNION ALL ", branches.Select(b => $"({b})"))}) shared
            ORDER BY updated_at DESC, sort_id DESC LIMIT @take
            """;
    }

    private static string PageSql(bool admin, bool after) => $"""
        SELECT coalesce(s.target_type, 'partner') AS kind, s.id AS share_id, s.album_id, s.folder_id, c.partner_id,
               coalesce(al.name, f.name, pu.display_name) AS name, coalesce(s.link_enabled, false) AS link_enabled, s.privacy,
               s.password_hash IS NOT NULL AS password_protected, s.expires_at, s.link_key, s.view_count, s.download_count, s.last_accessed_at,
               -- Users and groups counted apart, each on its index (an invitee row names exactly one of them).
               (CASE WHEN s.id IS NULL THEN 1
                     ELSE (SELECT count(*) FROM share_invitees si WHERE si.share_id = s.id AND si.user_id IS NOT NULL)
                        + (SELECT count(*) FROM share_invitees si WHERE si.share_id = s.id AND si.group_id IS NOT NULL) END)::int AS invitee_count,
               (CASE WHEN s.id IS NULL THEN (SELECT me.personal_asset_count FROM users me WHERE me.id = @userId)
                     WHEN s.folder_id IS NOT NULL THEN f.asset_count
                     ELSE {AccessPolicy.AlbumAssetCount("al")} END) AS asset_count,
               c.updated_at, c.sort_id
        FROM ({Candidates(admin, after)}) c
        LEFT JOIN shares s ON s.id = c.share_id
        LEFT JOIN albums al ON al.id = s.album_id
        LEFT JOIN folders f ON f.id = s.folder_id
        LEFT JOIN users pu ON pu.id = c.partner_id
        ORDER BY c.updated_at DESC, c.sort_id DESC
        """;

    private static readonly Dictionary<(bool Admin, bool After), string> Sql = new()
    {
        [(false, false)] = PageSql(false, false), [(false, true)] = PageSql(false, true),
        [(true, false)] = PageSql(true, false), [(true, true)] = PageSql(true, true),
    };

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
        public string? LinkKey { get; init; }
        public long? ViewCount { get; init; }
        public long? DownloadCount { get; init; }
        public DateTime? LastAccessedAt { get; init; }
        public int InviteeCount { get; init; }
        public int AssetCount { get; init; }
        public DateTime UpdatedAt { get; init; }
        public Guid SortId { get; init; }
        public DateTime SortAt => UpdatedAt;
    }

    /// <summary>The invitees of the page's shares, by share.</summary>
    private async Task<Dictionary<Guid, IReadOnlyList<InviteeResponse>>> InviteesAsync(Guid[] ids, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await lists.QueryAsync<ShareStore.InviteeRow>(conn, new ListQuery("listSharedWithOthers:invitees", ShareStore.InviteesSql, new { ids }), ct);
        return rows.GroupBy(r => r.ShareId).ToDictionary(g => g.Key, g => (IReadOnlyList<InviteeResponse>)g.Select(r => r.ToResponse()).ToList());
    }

    public override void Configure()
    {
        Get("sharing/with-others");
        Description(d => d.WithName("listSharedWithOthers"));
    }

    public override async Task HandleAsync(SharingPageRequest req, CancellationToken ct)
    {
        var principal = HttpContext.Principal();
        var (page, next) = await SharingPages.FetchAsync<Row>(db, lists, principal.IsAdmin ? "listSharedWithOthers:admin" : "listSharedWithOthers",
            after => Sql[(principal.IsAdmin, after)], req, principal, ct);
        var shareIds = page.Where(r => r.ShareId is not null).Select(r => r.ShareId!.Value).ToArray();
        var invitees = shareIds.Length == 0 ? [] : await InviteesAsync(shareIds, ct);
        var items = page.Select(r => new SharedWithOthersItem(r.Kind, r.ShareId, r.AlbumId, r.FolderId, r.PartnerId, r.Name, r.LinkEnabled, r.Privacy,
            r.PasswordProtected, r.ExpiresAt, r.LinkEnabled && r.LinkKey is { } key ? ShareStore.LinkUrl(HttpContext.Request, key) : null,
            r.ViewCount, r.DownloadCount, r.LastAccessedAt, r.InviteeCount,
            r.ShareId is { } id ? invitees.GetValueOrDefault(id, []) : null, r.AssetCount, r.UpdatedAt)).ToList();
        await Send.OkAsync(new Page<SharedWithOthersItem>(items, next), ct);
    }
}
