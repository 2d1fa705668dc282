using Dapper;
using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;

namespace PhotoApi.Api.Features.PublicRequests;

/// <summary>A photo of the request's album, as a guest sees it: an image, no metadata.</summary>
public sealed record PublicAlbumPhoto(Guid Id, int? Width, int? Height, string? ThumbnailUrl, string? PreviewUrl);

/// <summary>The request's album, shown to guests only when its owner shares that album.</summary>
public sealed record PublicRequestAlbum(string Name, int PhotoCount, IReadOnlyList<PublicAlbumPhoto> Photos);

/// <summary>What a guest with the link sees.</summary>
/// <param name="MaxFileSizeMb">The largest file accepted, in MB.</param>
/// <param name="AcceptedMediaTypes">What may be sent: <c>image</c>.</param>
/// <param name="Album">The album's newest photos (up to 200), where the album is shared; otherwise null.</param>
public sealed record PublicPhotoRequestResponse(string Subject, string Description, string OwnerDisplayName, int MaxFileSizeMb,
    DateTime? ExpiresAt, IReadOnlyList<string> AcceptedMediaTypes, PublicRequestAlbum? Album);

/// <summary>
/// The public page of a photo request. An unknown key is 404 <c>request.not_found</c> (counted per IP: too many and the IP
/// is throttled); a disabled or expired request is 410 with its reason, so the guest knows not to try again.
/// </summary>
[Access(AccessScope.Guest)]
public sealed class GetPublicPhotoRequestEndpoint(NpgsqlDataSource db, GuestLinks links, MediaSigner signer, IConfiguration configuration)
    : Endpoint<PublicPhotoRequestKey, PublicPhotoRequestResponse>
{
    private static readonly string PhotosSql = $"""
        SELECT {AssetQueries.Columns} FROM assets a
        WHERE a.id IN ({AccessPolicy.AlbumMembers("@albumId")}) AND a.media_type = 'image'
        ORDER BY a.taken_at DESC, a.id DESC LIMIT 200
        """;

    private static readonly string CountSql = $"""
        SELECT count(*)::int FROM assets a WHERE a.id IN ({AccessPolicy.AlbumMembers("@albumId")}) AND a.media_type = 'image'
        """;

    public override void Configure()
    {
        Get("r/{key}");
        AllowAnonymous();
        Description(d => d.WithName("getPublicPhotoRequest"));
    }

    public override async Task HandleAsync(PublicPhotoRequestKey req, CancellationToken ct)
    {
        var link = await links.PhotoRequestAsync(HttpContext, req.Key, open: true, ct);
        PublicRequestAlbum? album = null;
        if (await links.SharedRequestAlbumAsync(link, ct) is { } shared)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var rows = (await conn.QueryAsync<AssetRow>(new CommandDefinition(PhotosSql, new { albumId = shared.Id }, cancellationToken: ct))).AsList();
            var count = await conn.ExecuteScalarAsync<int>(new CommandDefinition(CountSql, new { albumId = shared.Id }, cancellationToken: ct));
            var urls = await signer.UrlsAsync(ct);
            album = new PublicRequestAlbum(shared.Name, count, rows.Select(r =>
            {
                var u = urls.For(r, downloadable: false);
                return new PublicAlbumPhoto(r.Id, r.Width, r.Height, u.Thumbnail, u.Preview);
            }).ToList());
        }
        await Send.OkAsync(new PublicPhotoRequestResponse(link.Subject, link.Description, link.OwnerDisplayName,
            link.MaxFileSizeMb ?? PublicRequestLimits.ServerMaxMb(configuration), link.ExpiresAt, ["image"], album), ct);
    }
}
