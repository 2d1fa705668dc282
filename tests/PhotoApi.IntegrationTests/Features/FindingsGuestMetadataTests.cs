using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>What share-link guests get: asset ids (and cursors) of the link's own that carry no time.</summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsGuestMetadataTests(ApiFactory api)
{
    private async Task<Share> LinkAsync(Session owner, Guid albumId, object settings)
    {
        var body = JsonSerializer.SerializeToNode(settings)!.AsObject();
        body["target"] = JsonSerializer.SerializeToNode(new { type = "album", id = albumId });
        body["linkEnabled"] = true;
        body["privacy"] = "public";
        return await owner.Client.PostAsJsonAsync("/api/v1/shares", body).Json<Share>(201);
    }

    private static async Task<List<JsonElement>> GuestItemsAsync(HttpClient guest, string key) =>
        (await guest.GetAsync($"/api/v1/s/{key}/assets").Json()).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task Guests_get_per_link_ids_and_cursors_that_carry_no_upload_time()
    {
        var owner = await api.NewUserAsync("ids");
        var first = await owner.UploadUniqueAsync();
        var second = await owner.UploadUniqueAsync("p3.jpg");
        await owner.WaitProcessedAsync(first);
        await owner.WaitProcessedAsync(second);
        var albumA = await owner.CreateAlbumAsync("A", first, second);
        var albumB = await owner.CreateAlbumAsync("B", first);
        var linkA = await LinkAsync(owner, albumA.Id, new { showMetadata = false, allowUpload = true });
        var linkB = await LinkAsync(owner, albumB.Id, new { showMetadata = false });
        var guest = api.NewClient();
        var owned = new[] { first, second };

        var idsA = (await GuestItemsAsync(guest, linkA.Key)).Select(i => i.GetProperty("id").GetGuid()).ToList();
        var idB = (await GuestItemsAsync(guest, linkB.Key)).Single().GetProperty("id").GetGuid();
        Assert.Equal(2, idsA.Count);
        Assert.Empty(idsA.Intersect(owned));
        Assert.DoesNotContain(idB, owned);
        Assert.DoesNotContain(idB, idsA);                         // the same photo has another id through another link
        Assert.All(idsA.Append(idB), id => Assert.True(Math.Abs((UuidV7Time(id) - DateTime.UtcNow).TotalDays) > 1,
            $"{id} reads as a UUIDv7 of {UuidV7Time(id):O}"));
        Assert.Equal(idsA, (await GuestItemsAsync(guest, linkA.Key)).Select(i => i.GetProperty("id").GetGuid()).ToList()); // stable

        // The guest's ids work on the link's routes; the owner's ids, another link's ids and made-up ids open nothing.
        foreach (var id in idsA) await guest.GetAsync($"/api/v1/s/{linkA.Key}/assets/{id}/thumbnail").ShouldBe(200);
        await guest.GetAsync($"/api/v1/s/{linkB.Key}/assets/{idB}/thumbnail").ShouldBe(200);
        foreach (var id in owned.Append(idB).Append(Guid.NewGuid()).Append(Guid.CreateVersion7()))
            await guest.GetAsync($"/api/v1/s/{linkA.Key}/assets/{id}/thumbnail").ShouldBeProblem(404, "resource.not_found");

        // The cursor tells nothing either (neither an owner's id nor a time), and still pages.
        var page = await guest.GetAsync($"/api/v1/s/{linkA.Key}/assets?limit=1").Json();
        var cursor = page.GetProperty("nextCursor").GetString()!;
        var decoded = Encoding.Latin1.GetString(Convert.FromBase64String(cursor.Replace('-', '+').Replace('_', '/').PadRight((cursor.Length + 3) / 4 * 4, '=')));
        Assert.All(owned, id => Assert.DoesNotContain(id.ToString("N"), decoded, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotMatch("[0-9]{15,}", decoded);               // no DateTime ticks
        var next = await guest.GetAsync($"/api/v1/s/{linkA.Key}/assets?limit=1&cursor={cursor}").Json();
        var pagedIds = new[] { page, next }.Select(p => p.GetProperty("items")[0].GetProperty("id").GetGuid()).ToList();
        Assert.Equal(idsA, pagedIds);
        await guest.GetAsync($"/api/v1/s/{linkA.Key}/assets?limit=1&cursor={cursor[..^4]}AAAA").ShouldBeProblem(400, "validation.failed");

        // What a guest sends comes back under the id the link shows it by, not the owner's.
        var form = Library.Form(await File.ReadAllBytesAsync(Library.Fixture("grey.jpg")), "guest.jpg", contentType: "image/jpeg");
        var sent = await guest.PostAsync($"/api/v1/s/{linkA.Key}/assets", form).Json<Uploaded>(201);
        var added = (await owner.AlbumAssetIdsAsync(albumA.Id)).Except(owned).Single();
        Assert.NotEqual(added, sent.Id);
        await owner.WaitProcessedAsync(added);
        await guest.GetAsync($"/api/v1/s/{linkA.Key}/assets/{sent.Id}/thumbnail").ShouldBe(200);
        Assert.Contains(sent.Id, (await GuestItemsAsync(guest, linkA.Key)).Select(i => i.GetProperty("id").GetGuid()));
    }

    /// <summary>The time a UUIDv7 would carry in its first 48 bits (milliseconds since 1970).</summary>
    private static DateTime UuidV7Time(Guid id)
    {
        var ms = Convert.ToInt64(id.ToString("N")[..12], 16);
        return ms > 253_402_300_799_999 ? DateTime.MaxValue : DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime;
    }
}
