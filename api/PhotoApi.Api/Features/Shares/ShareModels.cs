using Dapper;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Albums;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Shares;

public static class ShareRoles
{
    public const string Viewer = "viewer";
    public const string Downloader = "downloader";
    public const string Provider = "provider";
    /// <summary>The roles of selection and album shares.</summary>
    public static readonly string[] Album = [Viewer, Downloader, Provider];
    /// <summary>The roles of Shared Space folder shares (as folder permissions: <see cref="Access.FolderOperations.Roles"/>).</summary>
    public static readonly string[] Folder = [.. Access.FolderOperations.Roles.Keys];
    public static readonly string[] All = [.. Album.Union(Folder)];
}

/// <summary>Someone a share is shared with: a user, or every member of a group.</summary>
public sealed class InviteeRequest
{
    /// <summary><c>user</c> or <c>group</c>.</summary>
    public string PrincipalType { get; set; } = "";
    public Guid PrincipalId { get; set; }
    /// <summary>
    /// Selections and albums: <c>viewer</c>, <c>downloader</c> or <c>provider</c> (conditional albums: viewer or
    /// downloader). Shared Space folders: <c>viewer</c>, <c>downloader</c>, <c>uploader</c> or <c>manager</c>.
    /// </summary>
    public string Role { get; set; } = "";
}

public sealed class InviteeValidator : AbstractValidator<InviteeRequest>
{
    public InviteeValidator()
    {
        RuleFor(x => x.PrincipalType).Must(t => t.IsOneOf("user", "group")).WithMessage("One of: user, group.");
        RuleFor(x => x.PrincipalId).NotEmpty();
        RuleFor(x => x.Role).Must(r => r.IsOneOf(ShareRoles.All)).WithMessage("One of: viewer, downloader, provider (albums), uploader, manager (folders).");
    }
}

/// <summary>The link settings shared by creation and update; every field is optional.</summary>
public interface IShareSettings
{
    string? Privacy { get; }
    string? Password { get; }
    DateTime? ExpiresAt { get; }
    string? Description { get; }
    InviteeRequest[]? Invitees { get; }
}

public static class ShareSettingRules
{
    public static void AddShareSettingRules<T>(this AbstractValidator<T> v) where T : IShareSettings
    {
        v.RuleFor(x => x.Privacy).Must(p => p.IsOneOf("public", "private", "full_access_only")).When(x => x.Privacy is not null)
            .WithMessage("One of: public, private, full_access_only (folders).");
        v.RuleFor(x => x.Password).Length(4, 256).When(x => x.Password is not null).WithMessage("A link password has 4 to 256 characters.");
        v.RuleFor(x => x.ExpiresAt).Must(e => e > DateTime.UtcNow).When(x => x.ExpiresAt is not null).WithMessage("The expiry must be in the future.");
        v.RuleFor(x => x.Description).MaximumLength(2000);
        v.RuleFor(x => x.Invitees).Must(i => i!.Length <= 200).When(x => x.Invitees is not null).WithMessage("At most 200 invitees.");
        v.RuleFor(x => x.Invitees).Must(i => i!.DistinctBy(p => (p.PrincipalType, p.PrincipalId)).Count() == i!.Length)
            .When(x => x.Invitees is not null).WithMessage("Each user or group is invited once.");
        v.RuleForEach(x => x.Invitees).SetValidator(new InviteeValidator());
    }
}

/// <param name="Type"><c>selection</c>, <c>album</c> or <c>folder</c>.</param>
/// <param name="AlbumId">The album; for a selection, the hidden album that holds it (list it with listAlbumAssets); null for a folder.</param>
/// <param name="FolderId">The Shared Space folder (folder shares only).</param>
/// <param name="Name">The album's or folder's name, or the selection's title.</param>
/// <param name="ApplyToSubfolders">Folder shares: the invitees and privacy reach every folder below too.</param>
public sealed record ShareTargetResponse(string Type, Guid? AlbumId, Guid? FolderId, string Name, bool ApplyToSubfolders);

public sealed record InviteeResponse(string PrincipalType, Guid PrincipalId, string Name, string DisplayName, string Role, DateTime SharedAt);

/// <summary>A share as its owner sees it. The password is never returned, only whether there is one.</summary>
public sealed record ShareResponse
{
    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public ShareTargetResponse Target { get; init; } = null!;
    public bool LinkEnabled { get; init; }
    /// <summary>The link key (256 random bits, URL-safe).</summary>
    public string Key { get; init; } = "";
    /// <summary>The page a guest opens in a browser (<c>&lt;origin&gt;/s/{key}</c>); it works only while the link is enabled.</summary>
    public string Url { get; init; } = "";
    /// <summary><c>public</c> (anyone with the link) or <c>private</c> (invitees, signed in).</summary>
    public string Privacy { get; init; } = "";
    public bool PasswordProtected { get; init; }
    public DateTime? ExpiresAt { get; init; }
    public bool AllowDownload { get; init; }
    public bool AllowUpload { get; init; }
    public bool ShowMetadata { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyList<InviteeResponse> Invitees { get; init; } = [];
    /// <summary>How often guests opened the link's page, and downloaded an original through it.</summary>
    public long ViewCount { get; init; }
    public long DownloadCount { get; init; }
    /// <summary>The last time a guest used the link.</summary>
    public DateTime? LastAccessedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

internal static class ShareStore
{
    private const string ShareSql = """
        SELECT s.id, s.owner_id, s.target_type, s.album_id, s.folder_id, s.apply_to_subfolders, coalesce(al.name, f.name) AS target_name,
               coalesce(al.kind, 'folder') AS target_kind, s.link_enabled, s.link_key,
               s.privacy, s.password_hash IS NOT NULL AS password_protected, s.expires_at, s.allow_download, s.allow_upload,
               s.show_metadata, s.description, s.view_count, s.download_count, s.last_accessed_at, s.created_at, s.updated_at
        FROM shares s LEFT JOIN albums al ON al.id = s.album_id LEFT JOIN folders f ON f.id = s.folder_id
        WHERE s.id = @id
        """;

    /// <summary>
    /// The invitees of the shares <c>@ids</c>, each share's users first, then its groups, each by name: a scan of
    /// <c>share_invitees_user_key</c> and <c>share_invitees_group_key</c> per share, so a page of shares costs its invitees.
    /// </summary>
    public const string InviteesSql = """
        SELECT si.share_id, 'user' AS principal_type, u.id AS principal_id, u.username AS name, u.display_name, si.role, si.created_at AS shared_at
        FROM share_invitees si JOIN users u ON u.id = si.user_id WHERE si.share_id = ANY(@ids) AND si.user_id IS NOT NULL
        UNION ALL
        SELECT si.share_id, 'group', g.id, g.name, g.name, si.role, si.created_at
        FROM share_invitees si JOIN groups g ON g.id = si.group_id WHERE si.share_id = ANY(@ids) AND si.group_id IS NOT NULL
        ORDER BY share_id, principal_type DESC, name
        """;

    /// <summary>A row of <see cref="InviteesSql"/>.</summary>
    internal sealed class InviteeRow
    {
        public Guid ShareId { get; init; }
        public string PrincipalType { get; init; } = "";
        public Guid PrincipalId { get; init; }
        public string Name { get; init; } = "";
        public string DisplayName { get; init; } = "";
        public string Role { get; init; } = "";
        public DateTime SharedAt { get; init; }

        public InviteeResponse ToResponse() => new(PrincipalType, PrincipalId, Name, DisplayName, Role, SharedAt);
    }

    internal sealed class Row
    {
        public Guid Id { get; init; }
        public Guid OwnerId { get; init; }
        public string TargetType { get; init; } = "";
        public Guid? AlbumId { get; init; }
        public Guid? FolderId { get; init; }
        public bool ApplyToSubfolders { get; init; }
        public string TargetName { get; init; } = "";
        /// <summary>The album's kind, or <c>folder</c>.</summary>
        public string TargetKind { get; init; } = "";
        public bool LinkEnabled { get; init; }
        public string LinkKey { get; init; } = "";
        public string Privacy { get; init; } = "";
        public bool PasswordProtected { get; init; }
        public DateTime? ExpiresAt { get; init; }
        public bool AllowDownload { get; init; }
        public bool AllowUpload { get; init; }
        public bool ShowMetadata { get; init; }
        public string Description { get; init; } = "";
        public long ViewCount { get; init; }
        public long DownloadCount { get; init; }
        public DateTime? LastAccessedAt { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    public static Task<Row?> FindAsync(NpgsqlConnection conn, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ShareSql, new { id }, tx, cancellationToken: ct));

    /// <summary>Reads a share for its owner (who has been allowed ShareManage).</summary>
    public static async Task<ShareResponse> GetAsync(NpgsqlConnection conn, HttpRequest request, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        var s = await FindAsync(conn, id, ct, tx) ?? throw ApiException.NotFound("The share");
        var invitees = (await conn.QueryAsync<InviteeRow>(new CommandDefinition(InviteesSql, new { ids = new[] { id } }, tx, cancellationToken: ct)))
            .Select(r => r.ToResponse()).ToList();
        return new ShareResponse
        {
            Id = s.Id, OwnerId = s.OwnerId, Target = new ShareTargetResponse(s.TargetType, s.AlbumId, s.FolderId, s.TargetName, s.ApplyToSubfolders),
            LinkEnabled = s.LinkEnabled, Key = s.LinkKey, Url = LinkUrl(request, s.LinkKey), Privacy = s.Privacy,
            PasswordProtected = s.PasswordProtected, ExpiresAt = s.ExpiresAt, AllowDownload = s.AllowDownload, AllowUpload = s.AllowUpload,
            ShowMetadata = s.ShowMetadata, Description = s.Description, Invitees = invitees, ViewCount = s.ViewCount, DownloadCount = s.DownloadCount,
            LastAccessedAt = s.LastAccessedAt, CreatedAt = s.CreatedAt, UpdatedAt = s.UpdatedAt,
        };
    }

    /// <summary>
    /// What the audit trail keeps of a share as it now is: its target, invitees and roles, and link options — whether a
    /// password is set, never the password, the key or its hash.
    /// </summary>
    public static object AuditDetails(ShareResponse s, IReadOnlyList<string>? changed = null) => new
    {
        target = new { s.Target.Type, s.Target.AlbumId, s.Target.FolderId, s.Target.Name, s.Target.ApplyToSubfolders },
        invitees = s.Invitees.Select(i => new { i.PrincipalType, i.PrincipalId, i.Name, i.Role }),
        s.LinkEnabled, s.Privacy, passwordSet = s.PasswordProtected, s.ExpiresAt, s.AllowDownload, s.AllowUpload, s.ShowMetadata,
        changed,
    };

    /// <summary>
    /// The page a guest opens in a browser for a link (<c>/s/{key}</c>, served by the web app, which calls the API's
    /// <c>/api/v1/s/{key}</c> routes).
    /// </summary>
    public static string LinkUrl(HttpRequest request, string key) => $"{Origin(request)}/s/{key}";

    /// <summary>
    /// The origin guests reach the web app and this API at: <c>PublicUrl</c> from configuration, else the address this
    /// request came to.
    /// </summary>
    public static string Origin(HttpRequest request)
    {
        var configured = request.HttpContext.RequestServices.GetRequiredService<IConfiguration>()["PublicUrl"];
        return string.IsNullOrEmpty(configured) ? $"{request.Scheme}://{request.Host}" : configured.TrimEnd('/');
    }

    /// <summary>A fresh link key (256 random bits, base64url) and the SHA-256 that guest lookups go by.</summary>
    public static (string Key, byte[] Hash) NewKey()
    {
        var key = Secrets.NewToken();
        return (key, Secrets.Hash(key));
    }

    private const string EndLinksSql = """
        UPDATE shares s SET link_enabled = false, link_key = k.key, link_key_hash = k.hash, updated_at = now()
        FROM unnest(@ids, @keys, @hashes) AS k(id, key, hash)
        WHERE s.id = k.id;
        DELETE FROM archive_links WHERE share_id = ANY(@ids);
        """;

    /// <summary>
    /// Ends the links of these shares for good: turned off, and a fresh key each, so that turning one on again later
    /// never brings the old address back; unlock tokens end with the link version this bumps, and the links' pending
    /// "Download all" addresses go. Invitees keep their access.
    /// </summary>
    public static async Task EndLinksAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyCollection<Guid> shareIds, CancellationToken ct)
    {
        if (shareIds.Count == 0) return;
        var keys = shareIds.Select(_ => NewKey()).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(EndLinksSql, new
        {
            ids = shareIds.ToArray(), keys = keys.Select(k => k.Key).ToArray(), hashes = keys.Select(k => k.Hash).ToArray(),
        }, tx, cancellationToken: ct));
    }

    private const string KnownUsersSql = "SELECT id FROM users WHERE id = ANY(@ids) AND status = 'active'";
    private const string KnownGroupsSql = "SELECT id FROM groups WHERE id = ANY(@ids)";

    /// <summary>
    /// Replaces a share's invitees, keeping the date each kept invitee was first shared with. Refuses the owner, unknown
    /// or inactive users, unknown groups, and Provider on a conditional album.
    /// </summary>
    public static async Task SetInviteesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid shareId, Guid ownerId, string targetKind,
        IReadOnlyList<InviteeRequest> invitees, CancellationToken ct)
    {
        var users = invitees.Where(i => i.PrincipalType == "user").ToList();
        var groups = invitees.Where(i => i.PrincipalType == "group").ToList();
        if (users.Any(u => u.PrincipalId == ownerId))
            throw new ApiException(400, ErrorCodes.InviteeIsOwner, "A share cannot be shared with its owner.",
                new() { ["invitees"] = ["The owner cannot be an invitee."] });
        if (targetKind == "folder" && invitees.Any(i => !ShareRoles.Folder.Contains(i.Role)) ||
            targetKind != "folder" && invitees.Any(i => !ShareRoles.Album.Contains(i.Role)))
            throw new ApiException(400, ErrorCodes.RoleNotAllowed, "Folders take the roles viewer, downloader, uploader and manager; selections and albums viewer, downloader and provider.",
                new() { ["invitees"] = ["This role does not exist for this kind of share."] });
        if (targetKind == AlbumKinds.Conditional && invitees.Any(i => i.Role == ShareRoles.Provider))
            throw new ApiException(400, ErrorCodes.RoleNotAllowed, "A conditional album is filled by its conditions: its invitees are Viewers or Downloaders.",
                new() { ["invitees"] = ["Provider is not a role on a conditional album."] });
        var knownUsers = (await conn.QueryAsync<Guid>(new CommandDefinition(KnownUsersSql, new { ids = users.Select(u => u.PrincipalId).ToArray() }, tx, cancellationToken: ct))).ToHashSet();
        var knownGroups = (await conn.QueryAsync<Guid>(new CommandDefinition(KnownGroupsSql, new { ids = groups.Select(g => g.PrincipalId).ToArray() }, tx, cancellationToken: ct))).ToHashSet();
        if (users.Any(u => !knownUsers.Contains(u.PrincipalId)) || groups.Any(g => !knownGroups.Contains(g.PrincipalId)))
            throw new ApiException(400, ErrorCodes.UnknownInvitee, "An invitee is not an active user or an existing group.",
                new() { ["invitees"] = ["Unknown or inactive user or group."] });

        await conn.ExecuteAsync(new CommandDefinition("""
            DELETE FROM share_invitees WHERE share_id = @shareId
              AND NOT (coalesce(user_id = ANY(@userIds), false) OR coalesce(group_id = ANY(@groupIds), false))
            """, new { shareId, userIds = users.Select(u => u.PrincipalId).ToArray(), groupIds = groups.Select(g => g.PrincipalId).ToArray() }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO share_invitees (share_id, user_id, role) SELECT @shareId, unnest(@ids), unnest(@roles)
            ON CONFLICT (share_id, user_id) WHERE user_id IS NOT NULL DO UPDATE SET role = EXCLUDED.role
            """, new { shareId, ids = users.Select(u => u.PrincipalId).ToArray(), roles = users.Select(u => u.Role).ToArray() }, tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO share_invitees (share_id, group_id, role) SELECT @shareId, unnest(@ids), unnest(@roles)
            ON CONFLICT (share_id, group_id) WHERE group_id IS NOT NULL DO UPDATE SET role = EXCLUDED.role
            """, new { shareId, ids = groups.Select(g => g.PrincipalId).ToArray(), roles = groups.Select(g => g.Role).ToArray() }, tx, cancellationToken: ct));
    }
}
