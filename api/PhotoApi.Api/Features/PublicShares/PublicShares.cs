using System.Globalization;
using Dapper;
using FastEndpoints;
using FluentValidation;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Api.Infrastructure.Uploads;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class PublicShareKey
{
    public string Key { get; set; } = "";
}

/// <summary>
/// A share link's public page. For a password-protected link that is not unlocked yet, only <c>passwordRequired</c>
/// is told: everything else is null until the guest unlocks it.
/// </summary>
/// <param name="Type"><c>album</c>, <c>selection</c> or <c>folder</c>.</param>
/// <param name="Unlocked">Whether the caller may see the contents now (no password, or a valid unlock token).</param>
public sealed record PublicShareResponse(bool PasswordRequired, bool Unlocked, string? Type, string? Title, string? Description,
    string? OwnerDisplayName, int? AssetCount, bool? AllowDownload, bool? AllowUpload, bool? ShowMetadata, DateTime? ExpiresAt);

/// <summary>The public page of a share link; counts a view for the owner once the contents are shown.</summary>
[Access(AccessScope.Guest)]
public sealed class GetPublicShareEndpoint(NpgsqlDataSource db, GuestLinks links) : Endpoint<PublicShareKey, PublicShareResponse>
{
    private static readonly string CountSql = $"SELECT count(*)::int FROM ({GuestLinks.LinkMembers}) m";

    public override void Configure()
    {
        Get("s/{key}");
        AllowAnonymous();
        Description(d => d.WithName("getPublicShare"));
    }

    public override async Task HandleAsync(PublicShareKey req, CancellationToken ct)
    {
        ShareLink link;
        try
        {
            (link, _) = await links.UnlockedShareAsync(HttpContext, req.Key, ct);
        }
        catch (ApiException e) when (e.Code == ErrorCodes.SharePasswordRequired)
        {
            await Send.OkAsync(new PublicShareResponse(true, false, null, null, null, null, null, null, null, null, null), ct);
            return;
        }
        int count;
        await using (var conn = await db.OpenConnectionAsync(ct))
            count = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountSql, GuestLinks.MemberArgs(link), cancellationToken: ct));
        await links.RecordAsync(link, download: false, ct);
        // Only guests of a public link ever need its password; signed-in invitees and Full Access users do not.
        await Send.OkAsync(new PublicShareResponse(link.PasswordRequired && link.Privacy == "public", true, link.TargetType, link.Title, link.Description, link.OwnerDisplayName,
            count, link.AllowDownload, link.AllowUpload, link.ShowMetadata, link.ExpiresAt), ct);
    }
}

public sealed class UnlockPublicShareRequest
{
    public string Key { get; set; } = "";
    public string Password { get; set; } = "";
}

public sealed class UnlockPublicShareValidator : Validator<UnlockPublicShareRequest>
{
    public UnlockPublicShareValidator() => RuleFor(x => x.Password).NotEmpty().MaximumLength(256);
}

/// <param name="ShareToken">Present it as the <c>X-Share-Token</c> header (or <c>?token=</c>) on the link's other routes; a cookie is set too.</param>
public sealed record UnlockPublicShareResponse(string ShareToken, DateTime ExpiresAt);

/// <summary>
/// Unlocks a password-protected link. A wrong password and a link that opens nothing are answered alike (401
/// <c>share.unlock_failed</c>, after the same slow hash); attempts are throttled per link and per IP.
/// </summary>
[Access(AccessScope.Guest)]
public sealed class UnlockPublicShareEndpoint(GuestLinks links) : Endpoint<UnlockPublicShareRequest, UnlockPublicShareResponse>
{
    public override void Configure()
    {
        Post("s/{key}/unlock");
        AllowAnonymous();
        Description(d => d.WithName("unlockPublicShare"));
    }

    public override async Task HandleAsync(UnlockPublicShareRequest req, CancellationToken ct)
    {
        var (token, expires) = await links.UnlockAsync(HttpContext, req.Key, req.Password, ct);
        HttpContext.Response.Cookies.Append(GuestLinks.TokenCookie, token, new CookieOptions
        {
            HttpOnly = true, Secure = HttpContext.Request.IsHttps, SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax, Path = $"{ApiRoutes.Base}/s/{req.Key}", Expires = expires,
        });
        await Send.OkAsync(new UnlockPublicShareResponse(token, expires), ct);
    }
}

/// <summary>Media of a shared asset, through the link: thumbnail, preview and (where downloads are allowed) original.</summary>
/// <param name="Original">Null when the link does not allow downloads, or hides metadata and the file is not a photo it can be removed from.</param>
public sealed record PublicAssetUrls(string? Thumbnail, string? Preview, string? Original);

/// <summary>
/// An asset as a link guest sees it. With <c>showMetadata</c> off, nothing but the picture: no file name, date, camera,
/// place or description.
/// </summary>
/// <param name="Id">The id this link shows the asset by (see <see cref="GuestIds"/>); not the asset's own id.</param>
public sealed record PublicAssetResponse(Guid Id, string MediaType, int? Width, int? Height, string? OriginalFileName, DateTime? TakenAt,
    string? CameraMake, string? CameraModel, double? Latitude, double? Longitude, string? Description, PublicAssetUrls Urls);

public sealed class ListPublicShareAssetsRequest : IPagedRequest
{
    public string Key { get; set; } = "";
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPublicShareAssetsValidator : Validator<ListPublicShareAssetsRequest>
{
    public ListPublicShareAssetsValidator() => this.AddPagingRules(maxCursorLength: 200);
}

/// <summary>What the link shows, newest first (never the trash).</summary>
[Access(AccessScope.Guest)]
public sealed class ListPublicShareAssetsEndpoint(NpgsqlDataSource db, GuestLinks links, MediaSigner signer) : Endpoint<ListPublicShareAssetsRequest, Page<PublicAssetResponse>>
{
    private static readonly string ListSql = $"""
        SELECT {AssetQueries.Columns} FROM assets a
        WHERE a.id IN ({GuestLinks.LinkMembers})
          AND (@afterTakenAt::timestamptz IS NULL OR (a.taken_at, a.id) < (@afterTakenAt, @afterId))
        ORDER BY a.taken_at DESC, a.id DESC
        LIMIT @take
        """;

    public override void Configure()
    {
        Get("s/{key}/assets");
        AllowAnonymous();
        Description(d => d.WithName("listPublicShareAssets"));
    }

    public override async Task HandleAsync(ListPublicShareAssetsRequest req, CancellationToken ct)
    {
        var (link, token) = await links.UnlockedShareAsync(HttpContext, req.Key, ct);
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var (afterTakenAt, afterId) = ids.ParseCursor(req.Cursor);
        var limit = req.Limit();
        await using var conn = await db.OpenConnectionAsync(ct);
        var args = GuestLinks.MemberArgs(link);
        args.AddDynamicParams(new { afterTakenAt, afterId, take = limit + 1 });
        var rows = (await conn.QueryAsync<AssetRow>(new CommandDefinition(ListSql, args, cancellationToken: ct))).AsList();
        var page = rows.Take(limit).ToList();
        var visible = await links.VisibleAsync(HttpContext, link, page.Select(a => a.Id).ToList(), ct);
        var items = page.Where(a => visible.Contains(a.Id)).Select(a => PublicAssets.View(a, link, req.Key, token, ids)).ToList();
        await Send.OkAsync(new Page<PublicAssetResponse>(items, rows.Count > limit ? ids.Cursor(rows[limit - 1].TakenAt, rows[limit - 1].Id) : null), ct);
    }
}

internal static class PublicAssets
{
    public static PublicAssetResponse View(AssetRow a, ShareLink link, string key, string? token, GuestIds ids)
    {
        var suffix = token is null ? "" : "token=" + Uri.EscapeDataString(token);
        var id = ids.Hide(a.Id);
        var baseUrl = $"{ApiRoutes.Base}/s/{key}/assets/{id}";
        var urls = new PublicAssetUrls(
            a.ThumbnailKey is null ? null : $"{baseUrl}/thumbnail?size=small{(suffix.Length > 0 ? "&" + suffix : "")}",
            a.PreviewKey is null ? null : $"{baseUrl}/thumbnail?size=preview{(suffix.Length > 0 ? "&" + suffix : "")}",
            link.AllowDownload && (link.ShowMetadata || CleanOriginals.Possible(a)) ? $"{baseUrl}/original{(suffix.Length > 0 ? "?" + suffix : "")}" : null);
        return link.ShowMetadata
            ? new PublicAssetResponse(id, a.MediaType, a.Width, a.Height, a.OriginalFileName, a.TakenAt, a.CameraMake, a.CameraModel,
                a.Latitude, a.Longitude, a.Description, urls)
            : new PublicAssetResponse(id, a.MediaType, a.Width, a.Height, null, null, null, null, null, null, null, urls);
    }

    /// <summary>
    /// The asset a guest's id names, if the link shows it; else the same 404 as for any asset the link does not show (a
    /// forged id, or one of another link, decrypts to an id of nothing the link shows).
    /// </summary>
    public static async Task<AssetRow> RequireAsync(HttpContext context, NpgsqlDataSource db, GuestLinks links, ShareLink link, GuestIds ids, Guid guestId,
        CancellationToken ct)
    {
        var assetId = ids.Reveal(guestId);
        if (!await links.ShowsAsync(context, link, assetId, ct)) throw ApiException.NotFound("The asset");
        await using var conn = await db.OpenConnectionAsync(ct);
        return await AssetQueries.GetOneAsync(conn, assetId, ct);
    }
}

public sealed class PublicShareOriginalRequest
{
    public string Key { get; set; } = "";
    public Guid AssetId { get; set; }
    /// <summary>The unlock token, for a link or <c>&lt;video src&gt;</c> that cannot send the header.</summary>
    [QueryParam] public string? Token { get; set; }
}

public sealed class PublicShareThumbnailRequest
{
    public string Key { get; set; } = "";
    public Guid AssetId { get; set; }
    /// <summary><c>small</c> (default) or <c>preview</c>.</summary>
    [QueryParam] public string? Size { get; set; }
    /// <summary>The unlock token, for an <c>&lt;img src&gt;</c> that cannot send the header.</summary>
    [QueryParam] public string? Token { get; set; }
}

public sealed class PublicShareThumbnailValidator : Validator<PublicShareThumbnailRequest>
{
    public PublicShareThumbnailValidator() =>
        RuleFor(x => x.Size).Must(s => s is null or "small" or "preview").WithMessage("One of: small, preview.");
}

/// <summary>A shared asset's thumbnail or preview (made without metadata), through the link.</summary>
[Access(AccessScope.Guest)]
public sealed class GetPublicShareThumbnailEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, MediaSigner signer) : Endpoint<PublicShareThumbnailRequest>
{
    public override void Configure()
    {
        Get("s/{key}/assets/{assetId}/thumbnail");
        AllowAnonymous();
        Description(d => d.WithName("getPublicShareThumbnail").ClearDefaultProduces(200).Produces<Stream>(200, "image/webp", "image/jpeg"));
    }

    public override async Task HandleAsync(PublicShareThumbnailRequest req, CancellationToken ct)
    {
        var (link, _) = await links.UnlockedShareAsync(HttpContext, req.Key, ct);
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var asset = await PublicAssets.RequireAsync(HttpContext, db, links, link, ids, req.AssetId, ct);
        var preview = req.Size == "preview";
        var key = (preview ? asset.PreviewKey : asset.ThumbnailKey)
                  ?? throw (asset.Status is "pending" or "processing"
                      ? new ApiException(409, ErrorCodes.AssetNotReady, "The asset is still being processed; try again shortly.") { RetryAfter = CleanOriginals.RetryAfter }
                      : new ApiException(404, ErrorCodes.AssetNoDerivative, "This asset has no thumbnail (it is not an image, or it could not be decoded)."));
        HttpContext.Response.Headers.CacheControl = "private, max-age=3600";
        await Send.ResultAsync(TypedResults.File(await blobs.OpenReadAsync(key, ct), preview ? "image/jpeg" : "image/webp"));
    }
}

/// <summary>
/// A shared asset's original, through the link, where the owner allows downloads (HTTP Range supported). Where the link
/// hides metadata, a copy without it instead (<see cref="CleanOriginals"/>), never the original itself.
/// </summary>
[Access(AccessScope.Guest, Permission.AssetDownload)]
public sealed class DownloadPublicShareAssetEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, MediaSigner signer, IJobQueue jobs)
    : Endpoint<PublicShareOriginalRequest>
{
    public override void Configure()
    {
        Get("s/{key}/assets/{assetId}/original");
        AllowAnonymous();
        Description(d => d.WithName("downloadPublicShareAsset").ClearDefaultProduces(200).Produces<Stream>(200, "application/octet-stream")
            .Produces<Stream>(206, "application/octet-stream"));
    }

    public override async Task HandleAsync(PublicShareOriginalRequest req, CancellationToken ct)
    {
        var (link, _) = await links.UnlockedShareAsync(HttpContext, req.Key, ct);
        using var ids = await GuestIds.ForAsync(signer, link, ct);
        var asset = await PublicAssets.RequireAsync(HttpContext, db, links, link, ids, req.AssetId, ct);
        if (!link.AllowDownload)
            throw new ApiException(403, ErrorCodes.ShareDownloadDisabled, "The owner of this link does not allow downloads.");
        await links.EnsureCallerMayAsync(HttpContext, link, Permission.AssetDownload, asset.Id, ct);
        // Without metadata, the copy the worker made without it (409 until it is ready).
        var clean = link.ShowMetadata ? null : await CleanOriginals.RequireAsync(db, jobs, asset, ct);
        // One download is counted once: not again for each later range of it (video players fetch many).
        var range = HttpContext.Request.Headers.Range.ToString();
        if (range.Length == 0 || range.StartsWith("bytes=0-", StringComparison.Ordinal)) await links.RecordAsync(link, download: true, ct);
        // Without metadata the file name is not shown either: the copy is named by the id the link shows.
        var name = link.ShowMetadata ? asset.OriginalFileName : $"{req.AssetId:N}.jpg";
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(clean?.CleanChecksum ?? asset.Checksum)}\"");
        await Send.ResultAsync(MediaTypes.Original(await blobs.OpenReadAsync(clean?.BlobKey ?? asset.BlobKey, ct), clean is null ? asset.ContentType : "image/jpeg",
            name, etag));
    }
}

/// <summary>The multipart form of <c>uploadToPublicShare</c> (documentation and the contract test; the endpoint streams it).</summary>
public sealed class UploadToPublicShareForm
{
    /// <summary>The file.</summary>
    public IFormFile File { get; set; } = null!;
}

/// <summary>
/// A guest adds a file to a link that allows uploads: streamed like any upload, owned by (and counted against) the
/// link's owner, added to the shared album or selection, and processed by the worker like any upload.
/// </summary>
[Access(AccessScope.Guest, Permission.AlbumAddAssets, Permission.FolderUpload)]
public sealed class UploadToPublicShareEndpoint(NpgsqlDataSource db, IBlobStore blobs, GuestLinks links, AssetIngest ingest, Throttle throttle,
    IOptions<ThrottlingOptions> throttling, IConfiguration configuration, MediaSigner signer) : Endpoint<PublicShareKey, UploadAssetResponse>
{
    private const string EntrySql = """
        INSERT INTO album_assets (album_id, asset_id, added_by) SELECT id, @assetId, @ownerId FROM albums WHERE id = @albumId
        ON CONFLICT DO NOTHING
        """;

    public override void Configure()
    {
        Post("s/{key}/assets");
        AllowAnonymous();
        AllowFileUploads(dontAutoBindFormData: true);
        Options(b => b.WithMetadata(new UploadSizeLimit(UploadSizeLimit.MaxBytes(configuration)),
            new MultipartForm(typeof(UploadToPublicShareForm))));
        Description(d => d.WithName("uploadToPublicShare").ClearDefaultProduces(200).Produces<UploadAssetResponse>(201));
    }

    public override async Task HandleAsync(PublicShareKey req, CancellationToken ct)
    {
        var (link, _) = await links.UnlockedShareAsync(HttpContext, req.Key, ct);
        if (!link.AllowUpload || !await links.OwnerMayUploadAsync(link, ct))
            throw new ApiException(403, ErrorCodes.ShareUploadDisabled, "The owner of this link does not allow uploads.");
        if (link.AlbumKind == Albums.AlbumKinds.Conditional)
            throw new ApiException(409, ErrorCodes.AlbumNotManual, "This album is filled by its conditions; files cannot be added to it.");
        if (link.FolderId is { } targetFolder) await links.EnsureCallerMayAsync(HttpContext, link, Permission.FolderUpload, targetFolder, ct);
        else await links.EnsureCallerMayAsync(HttpContext, link, Permission.AlbumAddAssets, link.AlbumId!.Value, ct);
        var o = throttling.Value;
        await throttle.AttemptAsync([new($"guest-upload:ip:{ClientAddress.Of(HttpContext)}", o.GuestUploadsPerIp)], o.Window, ct);
        try
        {
            var reader = MultipartStreaming.Reader(HttpContext);
            await using var upload = await blobs.BeginUploadAsync(ct);
            string? fileName = null, declaredType = null;
            var head = new byte[MediaTypes.SniffBytes];
            var headLength = 0;
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || disposition.Name.Value != "file" ||
                    !(disposition.FileName.HasValue || disposition.FileNameStar.HasValue) || fileName is not null)
                    throw ApiException.Validation("file", "Send one file in a part named 'file'; no other fields are taken.");
                fileName = MultipartStreaming.SafeFileName(disposition.FileNameStar.Value ?? disposition.FileName.Value);
                declaredType = section.ContentType;
                headLength = await MultipartStreaming.CopyAsync(section.Body, upload.Content, head, null, ct);
            }
            if (fileName is null) throw new ApiException(400, ErrorCodes.UploadMissingFile, "The form has no part named 'file'.",
                new() { ["file"] = ["A file is required."] });
            var (mediaType, contentType) = MediaTypes.Detect(head.AsSpan(0, headLength), fileName, declaredType);
            // Never matched against the owner's library: a guest learns nothing of what the owner already has.
            // Into the shared folder, or the owner's Personal Space and the shared album.
            var stored = await ingest.StoreAsync(new IncomingAsset(link.OwnerId, link.FolderId, fileName, mediaType, contentType, null, Deduplicate: false), upload, ct);
            if (link.AlbumId is { } albumId)
            {
                await using var conn = await db.OpenConnectionAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(EntrySql, new { albumId, assetId = stored.Id, ownerId = link.OwnerId }, cancellationToken: ct));
            }
            // The guest gets the id the link shows the file by, not the owner's.
            using var ids = await GuestIds.ForAsync(signer, link, ct);
            await Send.ResponseAsync(stored with { Id = ids.Hide(stored.Id) }, 201, ct);
        }
        catch (Exception e) when (MultipartStreaming.Translate(HttpContext, e) is { } problem)
        {
            throw problem;
        }
    }
}
