using Dapper;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.PublicShares;

public sealed class PublicShareKey
{
    public string Key { get; set; } = "";
}

/// <summary>Media of a shared asset, through the link: thumbnail, preview and (where downloads are allowed) original.</summary>
/// <param name="Original">Null when the link does not allow downloads, or hides metadata and the file is not a photo it can be removed from.</param>
/// <param name="Playback">A video to play in the page (H.264/AAC MP4, Range), where the link allows downloads; null for photos.</param>
public sealed record PublicAssetUrls(string? Thumbnail, string? Preview, string? Original, string? Playback = null);

/// <summary>
/// An asset as a link guest sees it. With <c>showMetadata</c> off, nothing but the picture: no file name, date, camera,
/// place or description.
/// </summary>
/// <param name="Id">The id this link shows the asset by (see <see cref="GuestIds"/>); not the asset's own id.</param>
/// <param name="Status"><c>pending</c> → <c>processing</c> → <c>ready</c> or <c>failed</c>, as the owner's asset (its
/// failure reason stays the owner's: it can name what the server tried).</param>
/// <param name="DurationSeconds">A video's length (shown whatever <c>showMetadata</c> says: a player shows it anyway).</param>
public sealed record PublicAssetResponse(Guid Id, string MediaType, string Status, int? Width, int? Height, string? OriginalFileName, DateTime? TakenAt,
    string? CameraMake, string? CameraModel, double? Latitude, double? Longitude, string? Description, PublicAssetUrls Urls,
    double? DurationSeconds = null);

internal static class PublicAssets
{
    /// <summary>
    /// A page of what the link shows (<c>listPublicShareAssets</c>), newest first: up to <paramref name="take"/> rows after
    /// <paramref name="filter"/>'s keyset. What its owner (and, on a non-public link, the signed-in caller) may not view is
    /// left out inside the page query, so pages are full. Album links walk the album's entries (<see cref="AlbumPages"/>);
    /// folder links walk the folder index of the folder — and of each folder below it when the share applies to
    /// subfolders, one LIMITed walk per folder, merged.
    /// </summary>
    public static async Task<List<AssetRow>> PageAsync(HttpContext context, NpgsqlConnection conn, ListQueries queries, ShareLink link,
        AssetListFilter filter, int take, CancellationToken ct)
    {
        var args = new DynamicParameters(new { take });
        var visible = GuestLinks.VisibleSql(context, link, args);
        if (link.AlbumId is { } albumId)
        {
            var album = await AlbumPages.FindAsync(conn, albumId, ct);
            return album is null ? [] : (await queries.QueryAsync<AssetRow>(conn, AlbumPages.Page("listPublicShareAssets:album", album, filter, take, visible, args), ct)).AsList();
        }
        args.Add("folderId", link.FolderId);
        args.Add("below", link.ApplyToSubfolders);
        return (await queries.QueryAsync<AssetRow>(conn, new ListQuery("listPublicShareAssets:folder", $"""
            SELECT x.* FROM ({GuestLinks.LinkFolders}) t JOIN folders f ON f.id = t.id
            CROSS JOIN LATERAL (
                SELECT {AssetQueries.Columns} FROM assets a
                WHERE a.folder_id = f.id AND a.trashed_at IS NULL{filter.Sql(args)}{visible}
                {filter.OrderBy()} LIMIT @take) x
            {filter.OrderBy("x.taken_at", "x.id")} LIMIT @take
            """, args), ct)).AsList();
    }

    public static PublicAssetResponse View(AssetRow a, ShareLink link, string key, string? token, GuestIds ids)
    {
        var suffix = token is null ? "" : "token=" + Uri.EscapeDataString(token);
        var id = ids.Hide(a.Id);
        var baseUrl = $"{ApiRoutes.Base}/s/{key}/assets/{id}";
        var urls = new PublicAssetUrls(
            a.ThumbnailKey is null ? null : $"{baseUrl}/thumbnail?size=small{(suffix.Length > 0 ? "&" + suffix : "")}",
            a.PreviewKey is null ? null : $"{baseUrl}/thumbnail?size=preview{(suffix.Length > 0 ? "&" + suffix : "")}",
            link.AllowDownload && (link.ShowMetadata || CleanOriginals.Possible(a)) ? $"{baseUrl}/original{(suffix.Length > 0 ? "?" + suffix : "")}" : null,
            // The transcoded copy has no metadata; a video playing from its original needs the original's clean copy where the link hides it.
            link.AllowDownload && a.PlaybackKey is { } playback && (link.ShowMetadata || playback != a.BlobKey || CleanOriginals.Possible(a))
                ? $"{baseUrl}/playback{(suffix.Length > 0 ? "?" + suffix : "")}" : null);
        return link.ShowMetadata
            ? new PublicAssetResponse(id, a.MediaType, a.Status, a.Width, a.Height, a.OriginalFileName, a.TakenAt, a.CameraMake, a.CameraModel,
                a.Latitude, a.Longitude, a.Description, urls, a.DurationSeconds)
            : new PublicAssetResponse(id, a.MediaType, a.Status, a.Width, a.Height, null, null, null, null, null, null, null, urls, a.DurationSeconds);
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
