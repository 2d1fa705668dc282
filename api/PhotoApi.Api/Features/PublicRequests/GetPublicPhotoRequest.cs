using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.PublicShares;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.PublicRequests;

/// <summary>A photo of the request's album, as a guest sees it: an image, no metadata.</summary>
/// <param name="Id">The id the album's open link shows the photo by (see <see cref="GuestIds"/>): not the asset's own,
/// time-ordered id, and the same id that link's guest routes take.</param>
public sealed record PublicAlbumPhoto(Guid Id, int? Width, int? Height, string? ThumbnailUrl, string? PreviewUrl);

/// <summary>The request's album, shown to guests only while that album has a link open to any guest (public, no password).</summary>
public sealed record PublicRequestAlbum(string Name, int PhotoCount, IReadOnlyList<PublicAlbumPhoto> Photos);

/// <summary>What a guest with the link sees.</summary>
/// <param name="MaxFileSizeMb">The largest file accepted, in MB.</param>
/// <param name="AcceptedMediaTypes">What may be sent: <c>image</c> and <c>video</c> (each stored as a new file without its metadata).</param>
/// <param name="Album">The album's newest photos (up to 200), where the album is shared; otherwise null.</param>
public sealed record PublicPhotoRequestResponse(string Subject, string Description, string OwnerDisplayName, int MaxFileSizeMb,
    DateTime? ExpiresAt, IReadOnlyList<string> AcceptedMediaTypes, PublicRequestAlbum? Album);

/// <summary>
/// The public page of a photo request. An unknown key is 404 <c>request.not_found</c> (counted per IP: too many and the IP
/// is throttled); a disabled or expired request is 410 with its reason, so the guest knows not to try again.
/// </summary>
[Access(AccessScope.Guest, Link = "key", LinkNeeds = LinkNeeds.PhotoRequest | LinkNeeds.Open)]
public sealed class GetPublicPhotoRequestEndpoint(NpgsqlDataSource db, GuestLinks links, MediaSigner signer, IConfiguration configuration, ListQueries queries)
    : Endpoint<PublicPhotoRequestKey, PublicPhotoRequestResponse>
{
    /// <summary>The page shows the album's newest photos, at most this many.</summary>
    private const int PhotoLimit = 200;

    private static readonly AssetListFilter Photos = new() { Type = "image" };

    private const string AlbumLinkKeySql = "SELECT link_key FROM shares WHERE album_id = @albumId";

    public override void Configure()
    {
        Get("r/{key}");
        AllowAnonymous();
        Description(d => d.WithName("getPublicPhotoRequest"));
    }

    public override async Task HandleAsync(PublicPhotoRequestKey req, CancellationToken ct)
    {
        var link = HttpContext.RequestGuest();
        PublicRequestAlbum? album = null;
        if (await links.SharedRequestAlbumAsync(link, ct) is { } shared)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            if (await AlbumLinkAsync(conn, shared.Id, ct) is { } albumLink) album = await AlbumAsync(conn, shared, albumLink, ct);
        }
        await Send.OkAsync(new PublicPhotoRequestResponse(link.Subject, link.Description, link.OwnerDisplayName,
            link.MaxFileSizeMb ?? PublicRequestLimits.ServerMaxMb(configuration), link.ExpiresAt, ["image", "video"], album), ct);
    }

    /// <summary>
    /// The album's open link, whose guest ids the page shows the photos by (so they are the ids that link's own routes
    /// take); null if the link closed since <see cref="GuestLinks.SharedRequestAlbumAsync"/> looked.
    /// </summary>
    private async Task<ShareLink?> AlbumLinkAsync(NpgsqlConnection conn, Guid albumId, CancellationToken ct)
    {
        var key = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(AlbumLinkKeySql, new { albumId }, cancellationToken: ct));
        if (key is null) return null;
        try
        {
            return await links.ShareAsync(HttpContext, key, ct);
        }
        catch (ApiException)
        {
            return null;
        }
    }

    /// <remarks>
    /// The photos are one page of the album's entries in their index order (<see cref="AlbumPages"/>); the count walks
    /// the album's entries by the same index, so it costs as much as the album is large, never the library.
    /// </remarks>
    private async Task<PublicRequestAlbum?> AlbumAsync(NpgsqlConnection conn, (Guid Id, string Name) shared, ShareLink albumLink, CancellationToken ct)
    {
        if (await AlbumPages.FindAsync(conn, shared.Id, ct) is not { } album) return null;
        using var ids = await GuestIds.ForAsync(signer, albumLink, ct);
        var rows = (await queries.QueryAsync<AssetRow>(conn, AlbumPages.Page("getPublicPhotoRequest:photos", album, Photos, PhotoLimit), ct)).AsList();
        var (countSql, countArgs) = AlbumPages.Count(album, Photos);
        var count = await conn.QueryFirstPreparedAsync<int>(countSql, countArgs, ct);
        var urls = await signer.UrlsAsync(ct);
        return new PublicRequestAlbum(shared.Name, count, rows.Select(r =>
        {
            var u = urls.For(r, downloadable: false);
            return new PublicAlbumPhoto(ids.Hide(r.Id), r.Width, r.Height, u.Thumbnail, u.Preview);
        }).ToList());
    }
}
