using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Access;

/// <summary>
/// The access policy for link guests: resolves a key presented in a link address to what it opens. Keys are looked up by
/// their SHA-256 (the key itself is never compared), and a key that opens nothing — unknown or malformed — is answered
/// with one 404 and counted per client IP; past the limit such misses get 429 for a while (valid keys still work: they
/// are 256-bit secrets, guessing is what the limit slows down).
/// <para>What a link shows is bounded twice: by what its owner may still see now, and — for a non-public link, opened by
/// a signed-in user — by that user's own rights (a Viewer does not download through a private link).</para>
/// </summary>
public sealed partial class GuestLinks(NpgsqlDataSource db, Throttle throttle, IOptions<ThrottlingOptions> throttling, AccessPolicy policy,
    PasswordHasher hasher, Features.Assets.MediaSigner signer, IConfiguration configuration)
{
    /// <summary>Where a guest presents the token <see cref="UnlockAsync"/> returned: this header, the cookie, or <c>?token=</c>.</summary>
    public const string TokenHeader = "X-Share-Token";
    public const string TokenCookie = "photoapi_share";

    /// <summary>Share <paramref name="s"/>'s link works now: turned on, not expired, and its owner active (with the photo library).</summary>
    private static string LinkOn(string s) =>
        $"({s}.link_enabled AND ({s}.expires_at IS NULL OR {s}.expires_at > now()) AND {AccessPolicy.UserActive($"{s}.owner_id")})";

    private static string ShareSql(string where) => $"""
        SELECT s.id, s.owner_id, u.role = 'admin' AS owner_is_admin, u.display_name AS owner_display_name, s.target_type, s.album_id, s.folder_id, s.apply_to_subfolders,
               coalesce(al.kind, 'folder') AS album_kind, coalesce(al.name, f.name) AS title, s.description,
               s.privacy, s.password_hash, s.link_key_hash, s.expires_at, s.allow_download, s.allow_upload, s.show_metadata, s.link_version
        FROM shares s LEFT JOIN albums al ON al.id = s.album_id LEFT JOIN folders f ON f.id = s.folder_id JOIN users u ON u.id = s.owner_id
        WHERE {where} AND {LinkOn("s")}
        """;

    private static readonly string ShareByKeySql = ShareSql("s.link_key_hash = @hash");
    private static readonly string ShareByIdSql = ShareSql("s.id = @id");

    /// <summary>
    /// The ids of what a link shows (never the trash): its album's contents, or the files of its folder (and of every
    /// folder below when the share applies to subfolders). Parameters <c>@albumId</c>, <c>@folderId</c>, <c>@below</c>:
    /// see <see cref="MemberArgs"/>.
    /// </summary>
    public static readonly string LinkMembers = $"""
        {AccessPolicy.AlbumMembers("@albumId")}
        UNION ALL
        SELECT fa.id FROM assets fa WHERE fa.trashed_at IS NULL AND fa.folder_id IN ({LinkFolders})
        """;

    /// <summary>
    /// The ids of the folders a folder link shows files of: its folder, and every folder below it when the share applies
    /// to subfolders. Parameters <c>@folderId</c>, <c>@below</c> (see <see cref="MemberArgs"/>).
    /// </summary>
    public const string LinkFolders = """
        WITH RECURSIVE t(id) AS (SELECT @folderId::uuid UNION ALL SELECT sf.id FROM folders sf JOIN t ON sf.parent_id = t.id WHERE @below)
        SELECT id FROM t
        """;

    public static DynamicParameters MemberArgs(ShareLink link) =>
        new(new { albumId = link.AlbumId, folderId = link.FolderId, below = link.ApplyToSubfolders });

    // The asset's id is pushed into each branch of the members (an entry by its key, an asset by its id): one asset costs
    // a few lookups, whatever the size of the album or folder ("@assetId IN (members)" would list them all).
    private static readonly string ShowsSql = $"SELECT EXISTS (SELECT 1 FROM ({LinkMembers}) m WHERE m.asset_id = @assetId)";

    private const string RecordSql = """
        UPDATE shares SET view_count = view_count + CASE WHEN @download THEN 0 ELSE 1 END,
                          download_count = download_count + CASE WHEN @download THEN 1 ELSE 0 END,
                          last_accessed_at = now()
        WHERE id = @id
        """;

    /// <summary>How long an unlock lasts (<c>Links:UnlockLifetime</c>); it ends sooner if the password, key or link changes.</summary>
    private TimeSpan UnlockLifetime => configuration.GetValue<TimeSpan?>("Links:UnlockLifetime") ?? TimeSpan.FromHours(2);

    /// <summary>
    /// The share behind <paramref name="key"/>, as far as the caller may open it. Unknown, malformed, disabled and expired
    /// keys — and private links opened by anyone but the owner or an invitee — get one and the same 404
    /// <c>share.link_invalid</c>, counted per IP. The password is not checked here: see <see cref="UnlockedShareAsync"/>.
    /// </summary>
    public async Task<ShareLink> ShareAsync(HttpContext context, string key, CancellationToken ct)
    {
        var link = await FindShareAsync(key, ct);
        if (link is not null && !await OwnerMayShowAsync(link, ct)) link = null;
        if (link is not null && link.Privacy != "public" && !await SignedInMayOpenAsync(context, link, ct)) link = null;
        if (link is null)
        {
            await CountMissAsync(context, ct);
            throw LinkInvalid();
        }
        return link;
    }

    /// <summary>
    /// <see cref="ShareAsync"/>, and for a password-protected link a valid unlock token too (401
    /// <c>share.password_required</c> without one). Every guest route that shows or takes anything goes through here
    /// (the <see cref="LinkStage"/> calls it for routes that declare <see cref="LinkNeeds.Unlocked"/>).
    /// </summary>
    public async Task<LinkGuest> UnlockedShareAsync(HttpContext context, string key, CancellationToken ct)
    {
        var guest = await OpenShareAsync(context, key, ct);
        return guest.Unlocked ? guest : throw PasswordRequired();
    }

    /// <summary>
    /// The share link an archive link (<see cref="ArchiveLinks.CreateForShareAsync"/>) was made for, resolved again now by
    /// the same checks as <see cref="UnlockedShareAsync"/>: still on and not expired, still the link version it was made
    /// under (so not rotated, re-passworded, given a new expiry or privacy, or turned off and on since: the unlock it was
    /// made with still stands), its owner still showing it, and for a non-public link <paramref name="maker"/> (the caller
    /// who made it, signed in with the photo library) still opening it. Else 404 <c>download.link_invalid</c>, like any
    /// archive link that no longer works. As the stage, 403 <c>share.download_disabled</c> once downloads are off.
    /// </summary>
    public async Task<LinkGuest> ArchiveShareAsync(Guid shareId, long linkVersion, Principal? maker, bool makerHasPhotoLibrary, CancellationToken ct)
    {
        ShareLink? link;
        await using (var conn = await db.OpenConnectionAsync(ct))
            link = await conn.QueryFirstPreparedAsync<ShareLink>(ShareByIdSql, new { id = shareId }, ct);
        if (link is null || link.LinkVersion != linkVersion || !await OwnerMayShowAsync(link, ct) ||
            link.Privacy != "public" && (maker is null || !makerHasPhotoLibrary || !await MayOpenAsync(maker, link, ct)))
            throw ArchiveLinks.Invalid();
        if (!link.AllowDownload)
            throw new ApiException(403, ErrorCodes.ShareDownloadDisabled, "The owner of this link does not allow downloads.");
        return new LinkGuest(link, null, Unlocked: true);
    }

    /// <summary>
    /// <see cref="ShareAsync"/>, and whether the caller has it unlocked: no password needed, or a valid unlock token
    /// presented (then returned with it). A locked link is not refused here: its page still says that it needs a password.
    /// </summary>
    public async Task<LinkGuest> OpenShareAsync(HttpContext context, string key, CancellationToken ct)
    {
        var link = await ShareAsync(context, key, ct);
        if (!await NeedsPasswordAsync(context, link, ct)) return new(link, null, Unlocked: true);
        var token = PresentedToken(context);
        return token is not null && await TokenValidAsync(link, token, ct) ? new(link, token, Unlocked: true) : new(link, null, Unlocked: false);
    }

    public static ApiException PasswordRequired() =>
        new(401, ErrorCodes.SharePasswordRequired, "This link is protected by a password. Unlock it first.");

    /// <summary>
    /// Checks a link password and returns an unlock token. A wrong password and a key that opens nothing get the same 401
    /// <c>share.unlock_failed</c> after the same slow hash; attempts are counted per link and per IP before the hash runs.
    /// </summary>
    public async Task<(string Token, DateTime ExpiresAt)> UnlockAsync(HttpContext context, string key, string password, CancellationToken ct)
    {
        var link = await FindShareAsync(key, ct);
        var o = throttling.Value;
        var ipBucket = $"unlock:ip:{ClientAddress.Of(context)}";
        var linkBucket = link is null ? null : $"unlock:share:{link.Id:N}";
        await throttle.AttemptAsync(linkBucket is null ? [new(ipBucket, o.LinkMissesPerIp)]
            : [new(ipBucket, o.LinkMissesPerIp), new(linkBucket, o.UnlockFailuresPerLink)], o.Window, ct);
        var ok = hasher.Verify(password, link?.PasswordHash);
        if (link is { PasswordRequired: true } && !ok)
            // Its owner sees guesses at their link's password in their trail (never what was typed); keys that open
            // nothing belong to nobody and are only throttled.
            await AuditTrail.RecordAloneAsync(db, context.Audit("link.unlock-failed", link.OwnerId, "share", link.Id), ct);
        if (link is null || !await OwnerMayShowAsync(link, ct) || link.Privacy != "public" && !await SignedInMayOpenAsync(context, link, ct) ||
            (link.PasswordRequired && !ok))
            throw new ApiException(401, ErrorCodes.ShareUnlockFailed, "The link or the password is not valid.");
        await throttle.ForgiveAsync(ipBucket, ct);
        await throttle.ForgiveAsync(linkBucket!, ct);
        var expires = DateTime.UtcNow.Add(UnlockLifetime);
        var exp = new DateTimeOffset(expires).ToUnixTimeSeconds();
        return ($"{exp}.{await TokenMacAsync(link, exp, ct)}", DateTimeOffset.FromUnixTimeSeconds(exp).UtcDateTime);
    }

    /// <summary>
    /// Who must enter the password: guests of a public link, and Custom users opening a folder link (DSM: "guests and
    /// users with Custom permission"); invitees of a private album or selection link and Full Access users need not.
    /// </summary>
    private async Task<bool> NeedsPasswordAsync(HttpContext context, ShareLink link, CancellationToken ct) =>
        link.PasswordRequired && (link.Privacy == "public" ||
                                  link.FolderId is not null && await policy.SharedSpaceLevelAsync(context.Principal(), ct) != "full");

    /// <summary>
    /// A folder link shows only what its owner still may see: rights change after a link is made (Shared Space turned
    /// off, the owner no longer an admin or no longer allowed there). For album and selection links the owner's rights
    /// are applied per asset (<see cref="VisibleAsync"/>).
    /// </summary>
    private async Task<bool> OwnerMayShowAsync(ShareLink link, CancellationToken ct) =>
        link.FolderId is not { } folder ||
        (await policy.AllowedAsync(new Principal(link.OwnerId, link.OwnerIsAdmin), Permission.FolderView, [folder], ct)).Contains(folder);

    /// <summary>Guest uploads through a folder link need the owner's upload right there, now.</summary>
    public async Task<bool> OwnerMayUploadAsync(ShareLink link, CancellationToken ct) =>
        link.FolderId is not { } folder ||
        (await policy.AllowedAsync(new Principal(link.OwnerId, link.OwnerIsAdmin), Permission.FolderUpload, [folder], ct)).Contains(folder);

    /// <summary>The link takes uploads now: it allows them and its owner may still upload there (403 <c>share.upload_disabled</c>).</summary>
    public async Task EnsureTakesUploadsAsync(ShareLink link, CancellationToken ct)
    {
        if (!link.AllowUpload || !await OwnerMayUploadAsync(link, ct))
            throw new ApiException(403, ErrorCodes.ShareUploadDisabled, "The owner of this link does not allow uploads.");
    }

    /// <summary>Whether the link shows the asset to this caller: one of <see cref="LinkMembers"/> that <see cref="VisibleAsync"/> keeps.</summary>
    public async Task<bool> ShowsAsync(HttpContext context, ShareLink link, Guid assetId, CancellationToken ct)
    {
        var args = MemberArgs(link);
        args.Add("assetId", assetId);
        await using (var conn = await db.OpenConnectionAsync(ct))
            if (!await conn.QueryFirstPreparedAsync<bool>(ShowsSql, args, ct)) return false;
        return (await VisibleAsync(context, link, [assetId], ct)).Contains(assetId);
    }

    /// <summary>
    /// Of a link's members, those its owner may still view (a Shared Space file they lost access to drops out) and, for a
    /// non-public link, those the signed-in caller may view.
    /// </summary>
    public async Task<HashSet<Guid>> VisibleAsync(HttpContext context, ShareLink link, IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var visible = await policy.AllowedAsync(new Principal(link.OwnerId, link.OwnerIsAdmin), Permission.AssetView, ids, ct);
        if (link.Privacy != "public") visible.IntersectWith(await policy.AllowedAsync(context.Principal(), Permission.AssetView, ids, ct));
        return visible;
    }

    /// <summary>
    /// <see cref="VisibleAsync"/> as a predicate (starting with AND) over asset <c>a</c> in folder <c>f</c> (left-joined
    /// on <c>a.folder_id</c>), for page queries that apply it along their walk so that pages stay full; its parameters
    /// go into <paramref name="args"/>.
    /// </summary>
    public static string VisibleSql(HttpContext context, ShareLink link, DynamicParameters args)
    {
        args.Add("linkOwnerId", link.OwnerId);
        args.Add("linkOwnerIsAdmin", link.OwnerIsAdmin);
        var sql = $" AND {AccessPolicy.AssetViewableBy("@linkOwnerId", "@linkOwnerIsAdmin")}";
        if (link.Privacy == "public") return sql;
        var caller = context.Principal();
        args.Add("userId", caller.UserId);
        args.Add("isAdmin", caller.IsAdmin);
        return sql + $" AND {AccessPolicy.AssetViewable}";
    }

    /// <summary>
    /// Throws unless the link may do <paramref name="permission"/> on <paramref name="id"/> for this caller: a download
    /// needs the link owner's own download right on the asset now (403 <c>share.download_disabled</c> — a link shows what
    /// its owner may view, and gives what they may download); and a signed-in caller of a non-public link acts with their
    /// own rights too.
    /// </summary>
    public Task EnsureCallerMayAsync(HttpContext context, ShareLink link, Permission permission, Guid id, CancellationToken ct) =>
        EnsureCallerMayAsync(context, link, permission, [id], ct);

    /// <summary>The batch form: all or nothing.</summary>
    public async Task EnsureCallerMayAsync(HttpContext context, ShareLink link, Permission permission, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return;
        if (permission is Permission.AssetDownload &&
            !ids.All((await policy.AllowedAsync(new Principal(link.OwnerId, link.OwnerIsAdmin), Permission.AssetDownload, ids, ct)).Contains))
            throw new ApiException(403, ErrorCodes.ShareDownloadDisabled,
                ids.Count == 1 ? "The owner of this link may not download this file." : "The owner of this link may not download some of these files.");
        if (link.Privacy == "public") return;
        var seenWith = permission is Permission.AssetDownload ? Permission.AssetView : permission is Permission.FolderUpload ? Permission.FolderView : Permission.AlbumView;
        await policy.EnsureRoleAsync(context.Principal(), permission, ids, seenWith, "The link's contents", ct);
    }

    /// <summary>Counts a view or a download of the link, for its owner.</summary>
    public async Task RecordAsync(ShareLink link, bool download, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(RecordSql, new { id = link.Id, download }, cancellationToken: ct));
    }

    private static readonly string OwnerOrInviteeSql = $"""
        SELECT EXISTS (SELECT 1 FROM shares s WHERE s.id = @shareId AND s.owner_id = @userId)
            OR EXISTS (SELECT 1 FROM share_invitees si WHERE si.share_id = @shareId
                       AND {AccessPolicy.NamesCaller("si")})
        """;

    /// <summary>
    /// A non-public link opens for signed-in users with the photo library only: <c>private</c> for the share's owner and
    /// invitees (directly or through a group), <c>full_access_only</c> for users with Full Access to Shared Space.
    /// </summary>
    private Task<bool> SignedInMayOpenAsync(HttpContext context, ShareLink link, CancellationToken ct) =>
        context.User.Identity?.IsAuthenticated == true && context.User.FindFirst(Claims.PhotoLibrary)?.Value == "true"
            ? MayOpenAsync(context.Principal(), link, ct)
            : Task.FromResult(false);

    /// <summary>Whether <paramref name="principal"/> (signed in, with the photo library) opens non-public link <paramref name="link"/>.</summary>
    private async Task<bool> MayOpenAsync(Principal principal, ShareLink link, CancellationToken ct)
    {
        if (link.Privacy == "full_access_only") return await policy.SharedSpaceLevelAsync(principal, ct) == "full";
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(OwnerOrInviteeSql, new { shareId = link.Id, userId = principal.UserId }, cancellationToken: ct));
    }

    public static ApiException LinkInvalid() =>
        new(404, ErrorCodes.ShareLinkInvalid, "This link does not exist, has been turned off, or has expired.");

    private async Task<ShareLink?> FindShareAsync(string key, CancellationToken ct)
    {
        if (!WellFormed(key)) return null;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QueryFirstPreparedAsync<ShareLink>(ShareByKeySql, new { hash = Secrets.Hash(key) }, ct);
    }

    private async Task CountMissAsync(HttpContext context, CancellationToken ct)
    {
        var o = throttling.Value;
        await throttle.AttemptAsync([new($"link-miss:ip:{ClientAddress.Of(context)}", o.LinkMissesPerIp)], o.Window, ct);
    }

    private static string? PresentedToken(HttpContext context) =>
        context.Request.Headers[TokenHeader].FirstOrDefault() is { Length: > 0 } header ? header
        : context.Request.Query["token"].FirstOrDefault() is { Length: > 0 } query ? query
        : context.Request.Cookies[TokenCookie];

    /// <summary>
    /// A token names its expiry and MACs it with the share's id, password hash, key hash and link version: a new password,
    /// a rotated key, the link turned off (and on again), a new expiry or privacy, or the token's own expiry ends it.
    /// </summary>
    private async Task<bool> TokenValidAsync(ShareLink link, string token, CancellationToken ct)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(token.AsSpan(0, dot), System.Globalization.CultureInfo.InvariantCulture, out var exp)) return false;
        if (exp < DateTimeOffset.UtcNow.ToUnixTimeSeconds()) return false;
        var expected = System.Text.Encoding.ASCII.GetBytes(await TokenMacAsync(link, exp, ct));
        return System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(expected, System.Text.Encoding.ASCII.GetBytes(token[(dot + 1)..]));
    }

    private Task<string> TokenMacAsync(ShareLink link, long exp, CancellationToken ct) =>
        signer.MacAsync($"share-unlock:{link.Id:N}:{link.LinkVersion}:{exp}:{link.PasswordHash}:{Convert.ToHexStringLower(link.LinkKeyHash)}", ct);

    /// <summary>Keys are 256 random bits in base64url: 43 characters.</summary>
    private static bool WellFormed(string key) => KeyShape().IsMatch(key);

    [GeneratedRegex("^[A-Za-z0-9_-]{43}$")]
    private static partial Regex KeyShape();
}
