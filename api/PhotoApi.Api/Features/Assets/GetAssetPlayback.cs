using Dapper;
using FastEndpoints;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class GetAssetPlaybackRequest : ISignedMediaRequest
{
    public Guid Id { get; set; }
    [QueryParam] public long? Exp { get; set; }
    [QueryParam] public string? Sig { get; set; }

    string ISignedMediaRequest.SignedVariant => "playback";
}

/// <summary>
/// A video as a &lt;video&gt; element plays it (HTTP Range, inline): the original where browsers play it as it is, else
/// the worker's H.264/AAC copy. Playing is viewing, as looking at a preview is: whoever may view the asset may play it,
/// so an album Viewer plays a video whose original they may not download (the transcoded copy has no metadata; an
/// original served here is one the viewer could already see the metadata of in the asset).
/// </summary>
[Access(Permission.AssetView, On = "id", What = "The asset", SignedUrls = true)]
public sealed class GetAssetPlaybackEndpoint(NpgsqlDataSource db, IBlobStore blobs) : Endpoint<GetAssetPlaybackRequest>
{
    public override void Configure()
    {
        Get("assets/{id}/playback");
        AllowAnonymous(); // a signed URL stands in for sign-in; the access stage decides
        Description(d => d.WithName("getAssetPlayback").ClearDefaultProduces(200).Produces<Stream>(200, "video/mp4")
            .Produces<Stream>(206, "video/mp4").Produces(304));
    }

    public override async Task HandleAsync(GetAssetPlaybackRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var asset = await AssetQueries.GetOneAsync(conn, req.Id, ct);
        var key = await Playbacks.RequireKeyAsync(conn, asset, ct);
        await conn.CloseAsync();
        HttpContext.Response.Headers.CacheControl = "private, max-age=86400";
        await Send.ResultAsync(Playbacks.Serve(await blobs.OpenReadAsync(key, ct), asset, key));
    }
}

/// <summary>What the playback routes (the library's and a link's) share: which blob plays, and how it is sent.</summary>
public static class Playbacks
{
    private const string StatusSql = "SELECT status FROM video_playbacks WHERE checksum = @checksum";

    /// <summary>The asset's playback blob; else 409 <c>asset.not_ready</c> while the worker is at it, 404 <c>asset.no_derivative</c> when there is none.</summary>
    public static async Task<string> RequireKeyAsync(NpgsqlConnection conn, AssetRow asset, CancellationToken ct)
    {
        if (asset.PlaybackKey is { } key) return key;
        var working = asset.MediaType == "video" && (asset.Status is "pending" or "processing"
            || asset.Status == "ready" && await conn.ExecuteScalarAsync<string?>(new CommandDefinition(StatusSql, new { checksum = asset.Checksum }, cancellationToken: ct))
                is "pending" or "processing");
        throw working
            ? new ApiException(409, ErrorCodes.AssetNotReady, "A playable copy of this video is being made; try again shortly.") { RetryAfter = TimeSpan.FromSeconds(5) }
            : new ApiException(404, ErrorCodes.AssetNoDerivative, "This asset has nothing to play (it is not a video, or no playable copy of it could be made).");
    }

    /// <summary>The blob at <paramref name="key"/>, inline, with Range and a strong ETag (the copy's key names the original's checksum).</summary>
    public static IResult Serve(Stream bytes, AssetRow asset, string key)
    {
        var original = key == asset.BlobKey;
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(asset.Checksum)}{(original ? "" : "-v")}\"");
        return TypedResults.File(bytes, original ? MediaTypes.ServedType(asset.ContentType) : "video/mp4", entityTag: etag, enableRangeProcessing: true);
    }
}
