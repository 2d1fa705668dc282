using Dapper;
using FastEndpoints;
using Microsoft.Net.Http.Headers;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.PublicShares;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Assets;

public sealed class GetAssetPlaybackRequest : ISignedMediaRequest
{
    public Guid Id { get; set; }
    [QueryParam] public long? Exp { get; set; }
    [QueryParam] public string? Sig { get; set; }

    /// <summary>
    /// Play the copy without metadata where the video plays from its original: set in the signed URL of a caller who may
    /// not download (<see cref="MediaUrls.For"/>), and covered by its signature, so it cannot be dropped to get the original.
    /// </summary>
    [QueryParam] public bool? Clean { get; set; }

    string ISignedMediaRequest.SignedVariant => Clean == true ? MediaUrls.CleanPlaybackVariant : "playback";
}

/// <summary>
/// A video as a &lt;video&gt; element plays it (HTTP Range, inline): the original where browsers play it as it is, else
/// the worker's H.264/AAC copy. Playing is viewing, as looking at a preview is: whoever may view the asset may play it,
/// so an album Viewer plays a video whose original they may not download. But such a caller never receives the
/// original's bytes (its GPS position, dates, device): where the video plays from its original they get its copy
/// without metadata (<see cref="CleanOriginals"/>, as guests of a link hiding metadata do: 409 <c>asset.not_ready</c>
/// with Retry-After until it is made). Who may download is the access policy's answer: asked here for a signed-in
/// caller, and asked when a signed URL was made (one made for a caller who may not download says <c>clean</c>).
/// </summary>
// Viewing is what the route requires; downloading is asked about (not required) to choose what plays.
[Access(Permission.AssetView, Permission.AssetDownload, On = "id", What = "The asset", SignedUrls = true)]
public sealed class GetAssetPlaybackEndpoint(NpgsqlDataSource db, IBlobStore blobs, AccessPolicy policy, IJobQueue jobs) : Endpoint<GetAssetPlaybackRequest>
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
        AssetRow asset;
        string key;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            asset = await AssetQueries.GetOneAsync(conn, req.Id, ct);
            key = await Playbacks.RequireKeyAsync(conn, asset, ct);
        }
        HttpContext.Response.Headers.CacheControl = "private, max-age=86400";
        if (key == asset.BlobKey && !await MayDownloadAsync(req, asset.Id, ct))
        {
            var clean = await CleanOriginals.RequireAsync(db, jobs, asset, ct);
            await Send.ResultAsync(Playbacks.ServeClean(await blobs.OpenReadAsync(clean.BlobKey, ct), clean));
            return;
        }
        await Send.ResultAsync(Playbacks.Serve(await blobs.OpenReadAsync(key, ct), asset, key));
    }

    /// <summary>
    /// Whether the caller may have the original's bytes: a signed URL answers by its variant (the policy was asked when it
    /// was signed); a signed-in caller is asked about now — unless they asked for the clean copy themselves.
    /// </summary>
    private async Task<bool> MayDownloadAsync(GetAssetPlaybackRequest req, Guid id, CancellationToken ct) =>
        req.Clean != true && (req.Sig is not null || (await policy.AllowedAsync(HttpContext.Principal(), Permission.AssetDownload, [id], ct)).Contains(id));
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

    /// <summary>The copy of the original without metadata, inline, with Range and a strong ETag (its own checksum).</summary>
    public static IResult ServeClean(Stream bytes, CleanOriginal clean) =>
        TypedResults.File(bytes, clean.ContentType, entityTag: new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(clean.CleanChecksum)}\""),
            enableRangeProcessing: true);

    /// <summary>The blob at <paramref name="key"/>, inline, with Range and a strong ETag (the copy's key names the original's checksum).</summary>
    public static IResult Serve(Stream bytes, AssetRow asset, string key)
    {
        var original = key == asset.BlobKey;
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(asset.Checksum)}{(original ? "" : "-v")}\"");
        return TypedResults.File(bytes, original ? MediaTypes.ServedType(asset.ContentType) : "video/mp4", entityTag: etag, enableRangeProcessing: true);
    }
}
