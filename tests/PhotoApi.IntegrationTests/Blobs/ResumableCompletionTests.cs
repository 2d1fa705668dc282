using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;
using PhotoApi.Persistence.Blobs;
using static PhotoApi.IntegrationTests.Infrastructure.TusRequests;

namespace PhotoApi.IntegrationTests.Blobs;

/// <summary>
/// A resumable (tus) upload whose API process died while it completed the upload, as its client then sees it, on each
/// store. The death is set up as the dead process leaves things: the upload's row back at the last chunk's offset and
/// not complete, its staging object holding every byte (the last chunk was saved), and — depending on when it died —
/// the result already stored by the route, or only its bytes committed. The client does what a tus client does: it asks
/// HEAD (the old offset) and sends the last chunk again.
/// </summary>
[Collection(ApiCollection.Name)]
public abstract class ResumableCompletionTests<TFactory>(TFactory api) where TFactory : ApiFactory
{
    private const int Cut = 1000;

    private IBlobStore Blobs => api.Services.GetRequiredService<IBlobStore>();

    /// <summary>A JPEG unlike any other (bytes appended after its end), so dedupe never answers it.</summary>
    private static byte[] UniqueJpeg() => [.. File.ReadAllBytes(Library.Fixture("grey.jpg")), .. RandomNumberGenerator.GetBytes(4096)];

    private async Task<string> StagingKeyAsync(string location)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        return await conn.ExecuteScalarAsync<string>("SELECT staging_key FROM resumable_uploads WHERE id_hash = @hash", new { hash = IdHash(location) })
               ?? throw new InvalidOperationException("No such upload row");
    }

    private async Task AppendAsync(string staging, long offset, byte[] bytes)
    {
        await using var append = await Blobs.AppendStagedAsync(staging, offset, default);
        await append.Content.WriteAsync(bytes);
        await append.SaveAsync(default);
    }

    /// <summary>Completes the upload, then puts it back as a process that died after its route stored the result (before
    /// the upload's own row said so) left it; returns the result header and the staging object made for it.</summary>
    private async Task<(string Result, string Staging)> CompleteThenDieAfterTheResultAsync(HttpClient client, string location, byte[] file, string header)
    {
        await (await client.PatchAsync(location, file[..Cut], 0)).ShouldBe(204);
        var last = await client.PatchAsync(location, file[Cut..], Cut);
        await last.ShouldBe(204);
        var result = last.Headers.GetValues(header).Single();

        var staging = await Blobs.CreateStagedAsync(default);
        await AppendAsync(staging, 0, file);
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        Assert.Equal(1, await conn.ExecuteAsync(
            "UPDATE resumable_uploads SET completed_at = NULL, upload_offset = @cut, staging_key = @staging WHERE id_hash = @hash",
            new { cut = Cut, staging, hash = IdHash(location) }));
        Assert.Equal(Cut, await OffsetAsync(client, location));
        return (result, staging);
    }

    private static async Task<long> OffsetAsync(HttpClient client, string location)
    {
        var head = await client.SendAsync(Tus(HttpMethod.Head, location));
        await head.ShouldBe(200);
        return long.Parse(head.Headers.GetValues("Upload-Offset").Single(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The client's retry of the last chunk: the same result, the upload complete, its staging object gone.</summary>
    private async Task RetryAnswersTheSameResultAsync(HttpClient client, string location, byte[] file, string header, string result, string staging)
    {
        var retry = await client.PatchAsync(location, file[Cut..], Cut);
        await retry.ShouldBe(204);
        Assert.Equal(file.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), retry.Headers.GetValues("Upload-Offset").Single());
        Assert.Equal(result, retry.Headers.GetValues(header).Single());
        var head = await client.SendAsync(Tus(HttpMethod.Head, location));
        await head.ShouldBe(200);
        Assert.Equal(result, head.Headers.GetValues(header).Single());
        Assert.DoesNotContain(staging, (await Blobs.ListStagedAsync(default)).Select(s => s.Key));
    }

    private async Task<long> AssetsOfAsync(Guid ownerId)
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM assets WHERE owner_id = @ownerId", new { ownerId });
    }

    [Fact]
    public async Task A_library_upload_whose_process_died_after_storing_the_asset_answers_the_same_asset_on_retry()
    {
        var user = await api.NewUserAsync();
        var file = UniqueJpeg();
        var location = await user.Client.CreateAsync("/api/v1/uploads", file.Length, "died.jpg");
        var (assetId, staging) = await CompleteThenDieAfterTheResultAsync(user.Client, location, file, "Asset-Id");

        await RetryAnswersTheSameResultAsync(user.Client, location, file, "Asset-Id", assetId, staging);
        Assert.Equal(1, await AssetsOfAsync(user.UserId));
        var asset = await user.WaitProcessedAsync(Guid.Parse(assetId));
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(file)), "ready"), (asset.Checksum, asset.Status));
    }

    [Fact]
    public async Task A_library_upload_whose_process_died_after_committing_the_bytes_completes_on_retry()
    {
        // The process died after the bytes reached their content-addressed key but before the asset's row: no asset, the
        // staged bytes committed (locally: the staged file is also the committed blob).
        var user = await api.NewUserAsync();
        var file = UniqueJpeg();
        var location = await user.Client.CreateAsync("/api/v1/uploads", file.Length, "half.jpg");
        await (await user.Client.PatchAsync(location, file[..Cut], 0)).ShouldBe(204);
        var staging = await StagingKeyAsync(location);
        await AppendAsync(staging, Cut, file[Cut..]);
        var key = BlobKeys.Original(SHA256.HashData(file));
        await Blobs.CommitStagedAsync(staging, file.Length, key, default);
        Assert.Equal(Cut, await OffsetAsync(user.Client, location));

        var retry = await user.Client.PatchAsync(location, file[Cut..], Cut);
        await retry.ShouldBe(204);
        var asset = await user.WaitProcessedAsync(Guid.Parse(retry.Headers.GetValues("Asset-Id").Single()));
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(file)), "ready"), (asset.Checksum, asset.Status));
        Assert.Equal(file, await user.Client.GetByteArrayAsync($"/api/v1/assets/{asset.Id}/original"));
        Assert.Equal(1, await AssetsOfAsync(user.UserId));
        Assert.DoesNotContain(staging, (await Blobs.ListStagedAsync(default)).Select(s => s.Key));
    }

    [Fact]
    public async Task A_share_link_guests_upload_whose_process_died_after_storing_it_makes_one_asset()
    {
        var owner = await api.NewUserAsync();
        var (album, share) = await owner.CreateDropBoxAsync();
        var guest = api.NewClient();
        var file = UniqueJpeg();
        var location = await guest.CreateAsync($"/api/v1/s/{share.Key}/uploads", file.Length, "guest.jpg");
        var (guestId, staging) = await CompleteThenDieAfterTheResultAsync(guest, location, file, "Asset-Id");

        await RetryAnswersTheSameResultAsync(guest, location, file, "Asset-Id", guestId, staging);
        var added = (await owner.AlbumAssetIdsAsync(album.Id)).Single();
        Assert.NotEqual(added.ToString(), guestId); // the guest knows it by the link's id for it
        Assert.Equal(1, await AssetsOfAsync(owner.UserId));
    }

    private sealed record OwnerUpload(Guid Id, string FileName);

    [Fact]
    public async Task A_photo_request_upload_whose_process_died_after_recording_it_is_recorded_once()
    {
        var owner = await api.NewUserAsync();
        var request = await owner.Client.PostAsJsonAsync("/api/v1/photo-requests", new { subject = "Party" }).Json<JsonElement>(201);
        var (id, key) = (request.GetProperty("id").GetGuid(), request.GetProperty("key").GetString()!);
        var guest = api.NewClient();
        var file = UniqueJpeg();
        var location = await guest.CreateAsync($"/api/v1/r/{key}/tus", file.Length, "party.jpg");
        var (uploadId, staging) = await CompleteThenDieAfterTheResultAsync(guest, location, file, "Photo-Request-Upload-Id");

        await RetryAnswersTheSameResultAsync(guest, location, file, "Photo-Request-Upload-Id", uploadId, staging);
        var uploads = (await owner.Client.GetAsync($"/api/v1/photo-requests/{id}/uploads").Json<Page<OwnerUpload>>()).Items;
        Assert.Equal((uploadId, "party.jpg"), (uploads.Single().Id.ToString(), uploads.Single().FileName));
    }

    [Fact]
    public async Task An_upload_whose_staged_bytes_are_gone_is_410_and_goes()
    {
        var user = await api.NewUserAsync();
        var file = UniqueJpeg();
        var location = await user.Client.CreateAsync("/api/v1/uploads", file.Length, "lost.jpg");
        await (await user.Client.PatchAsync(location, file[..Cut], 0)).ShouldBe(204);
        await Blobs.DeleteStagedAsync(await StagingKeyAsync(location), default);

        await (await user.Client.PatchAsync(location, file[Cut..], Cut)).ShouldBeProblem(410, "upload.bytes_lost");
        // The upload is gone, so a tus client starts a new one.
        await (await user.Client.SendAsync(Tus(HttpMethod.Head, location))).ShouldBe(404);
        Assert.Equal(0, await AssetsOfAsync(user.UserId));
    }
}

public sealed class LocalResumableCompletionTests(ApiFactory api) : ResumableCompletionTests<ApiFactory>(api), IClassFixture<ApiFactory>;

public sealed class S3ResumableCompletionTests(S3ApiFactory api) : ResumableCompletionTests<S3ApiFactory>(api), IClassFixture<S3ApiFactory>;
