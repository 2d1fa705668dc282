using Dapper;
using Npgsql;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// A photo's date changing (the worker reads it from the file; an owner edits it) rewrites its album entries but no
/// album: deleting an album locks the album row first and its entries next, so a date change that also locked its
/// albums (after their entries) could deadlock with it — a photo still being processed while its album was deleted.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AlbumLockOrderTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_photos_date_changing_locks_none_of_its_albums_and_its_album_is_deleted_meanwhile()
    {
        var owner = await api.NewUserAsync("lock-order");
        var photo = await owner.UploadUniqueAsync();
        await owner.WaitProcessedAsync(photo);
        var album = await owner.CreateAlbumAsync("Kept", photo);
        var doomed = await owner.CreateAlbumAsync("Deleted meanwhile", photo);

        // The worker's write, left open: the photo's date moves, and with it its entries in both albums.
        await using var worker = new NpgsqlConnection(api.ConnectionString);
        await worker.OpenAsync();
        await using var tx = await worker.BeginTransactionAsync();
        Assert.Equal(1, await worker.ExecuteAsync(
            "UPDATE assets SET taken_at = coalesce(taken_at, now()) - interval '1 day' WHERE id = @photo", new { photo }, tx));

        // It holds no album: another transaction takes both at once.
        await using (var other = new NpgsqlConnection(api.ConnectionString))
        {
            await other.OpenAsync();
            await using var check = await other.BeginTransactionAsync();
            Assert.Equal(2, (await other.QueryAsync<Guid>("SELECT id FROM albums WHERE id = ANY(@ids) FOR UPDATE NOWAIT",
                new { ids = new[] { album.Id, doomed.Id } }, check)).Count());
        }

        // The album is deleted while the write is open: it waits for the photo's entry, then goes.
        var deleting = owner.Client.DeleteAsync($"/api/v1/albums/{doomed.Id}");
        await Task.Delay(300);
        Assert.False(deleting.IsCompleted, "the delete did not wait for the entry the open write holds");
        await tx.CommitAsync();
        await (await deleting).ShouldBe(204);

        // The other album still counts its photo once.
        Assert.Equal(1, (await owner.Client.GetAsync($"/api/v1/albums/{album.Id}").Json<Album>()).AssetCount);
        await owner.Client.GetAsync($"/api/v1/albums/{doomed.Id}").ShouldBeProblem(404, "resource.not_found");
    }
}
