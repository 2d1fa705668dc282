using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// What share-link guests get when the owner hides metadata: originals cleaned of EXIF, GPS, XMP and IPTC by the worker
/// (never the raw file), no original at all for files nothing can clean, and asset ids (and cursors) that carry no time.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FindingsGuestMetadataTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    /// <summary>Text the exif-orient6.jpg fixture carries in its EXIF, XMP and IPTC blocks.</summary>
    internal static readonly string[] Secrets = ["Canon", "Jane Doe", "secret-xmp", "secret-iptc"];

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

    /// <summary>Asks for a cleaned original as a client would: each "not ready" answer must say when to come back.</summary>
    private static async Task<HttpResponseMessage> WhenReadyAsync(HttpClient guest, string url)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var response = await guest.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.Conflict) return response;
            await response.ShouldBeProblem(409, "asset.not_ready");
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "409 asset.not_ready without Retry-After");
            if (DateTime.UtcNow > deadline) Assert.Fail("The cleaned original was not ready after 60 s. " + await Diagnostics.HangfireAsync());
            await Task.Delay(250);
        }
    }

    [Fact]
    public async Task With_metadata_hidden_a_guest_downloads_a_cleaned_copy_never_the_original()
    {
        var owner = await api.NewUserAsync("hider");
        var photo = await owner.UploadUniqueAsync("exif-orient6.jpg");
        var asset = await owner.WaitProcessedAsync(photo);
        var album = await owner.CreateAlbumAsync("Hidden", photo);
        var share = await LinkAsync(owner, album.Id, new { showMetadata = false, allowDownload = true });
        var guest = api.NewClient();
        var url = (await GuestItemsAsync(guest, share.Key)).Single().GetProperty("urls").GetProperty("original").GetString()!;

        // The first request starts the cleaning; until it is done the answer says so, and never carries the raw bytes.
        var first = await guest.GetAsync(url);
        await first.ShouldBeProblem(409, "asset.not_ready");
        Assert.True(first.Headers.RetryAfter?.Delta > TimeSpan.Zero);

        var clean = await WhenReadyAsync(guest, url);
        await clean.ShouldBe(200);
        var bytes = await clean.Content.ReadAsByteArrayAsync();
        Assert.Equal("image/jpeg", clean.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0xFF, 0xD8, 0xFF], bytes[..3]);
        var tags = await ExifToolAsync(bytes);
        Assert.DoesNotContain(tags.Keys, k => k.Split(':')[0] is "EXIF" or "XMP" or "IPTC" or "ICC_Profile" or "Photoshop" or "MakerNotes");
        Assert.DoesNotContain(tags.Keys, k => k.Contains("GPS", StringComparison.OrdinalIgnoreCase));
        var text = Encoding.Latin1.GetString(bytes);
        Assert.All(Secrets, s => Assert.DoesNotContain(s, text, StringComparison.Ordinal));
        // The same picture: upright (the orientation applied), the size the owner sees.
        Assert.Equal(("48", "64"), (tags["File:ImageWidth"], tags["File:ImageHeight"]));
        // Named by neither the file name nor the owner's id; tagged as the clean bytes, not the original's checksum.
        var name = clean.Content.Headers.ContentDisposition?.FileNameStar ?? clean.Content.Headers.ContentDisposition?.FileName ?? "";
        Assert.EndsWith(".jpg", name.Trim('"'));
        Assert.DoesNotContain(photo.ToString("N"), name);
        Assert.DoesNotContain(Path.GetFileNameWithoutExtension(asset.OriginalFileName), name);
        Assert.NotEqual($"\"{asset.Checksum}\"", clean.Headers.ETag?.Tag);

        // Ranges are served from the clean copy too (a later range is not another download).
        var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(10, 19);
        var part = await guest.SendAsync(ranged);
        await part.ShouldBe(206);
        Assert.Equal(bytes[10..20], await part.Content.ReadAsByteArrayAsync());

        // Waiting for the copy was no download; the one full download was.
        var counts = await owner.Client.GetAsync($"/api/v1/shares/{share.Id}").Json();
        Assert.Equal(1, counts.GetProperty("downloadCount").GetInt64());

        // The owner still has the original, metadata and all.
        var own = await owner.Client.GetByteArrayAsync($"/api/v1/assets/{photo}/original");
        Assert.Contains("secret-xmp", Encoding.Latin1.GetString(own), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_metadata_hidden_a_file_nothing_can_clean_is_neither_offered_nor_served()
    {
        // Photos and videos have cleaners (PhotoRequestVideoTests covers videos); a document has none.
        var owner = await api.NewUserAsync("archivist");
        var text = Encoding.UTF8.GetBytes($"Minutes of the meeting {Guid.NewGuid()}");
        var document = (await owner.UploadBytesAsync(text, "minutes.txt")).Id;
        Assert.Equal("other", (await owner.WaitProcessedAsync(document)).MediaType);
        var album = await owner.CreateAlbumAsync("Papers", document);
        var share = await LinkAsync(owner, album.Id, new { showMetadata = false, allowDownload = true });
        var guest = api.NewClient();

        var item = (await GuestItemsAsync(guest, share.Key)).Single();
        Assert.Equal(JsonValueKind.Null, item.GetProperty("urls").GetProperty("original").ValueKind);
        var id = item.GetProperty("id").GetGuid();
        await guest.GetAsync($"/api/v1/s/{share.Key}/assets/{id}/original").ShouldBeProblem(403, "share.metadata_hidden");

        // Where the link shows metadata, the file is served as uploaded.
        await owner.Client.PatchAsJsonAsync($"/api/v1/shares/{share.Id}", new { showMetadata = true }).ShouldBe(200);
        item = (await GuestItemsAsync(guest, share.Key)).Single();
        var original = await guest.GetAsync(item.GetProperty("urls").GetProperty("original").GetString());
        await original.ShouldBe(200);
        Assert.Equal(text, await original.Content.ReadAsByteArrayAsync());
    }

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

    /// <summary>Every <c>Group:Tag</c> exiftool finds in the bytes (fed on stdin), with its value as text.</summary>
    private static async Task<Dictionary<string, string>> ExifToolAsync(byte[] bytes)
    {
        var start = new ProcessStartInfo("exiftool", ["-j", "-G", "-a", "-u", "-"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("exiftool did not start (apt-get install libimage-exiftool-perl)");
        var output = process.StandardOutput.ReadToEndAsync();
        await process.StandardInput.BaseStream.WriteAsync(bytes);
        process.StandardInput.Close();
        var text = await output;
        await process.WaitForExitAsync();
        using var json = JsonDocument.Parse(text);
        return json.RootElement[0].EnumerateObject().Where(p => p.Name.Contains(':', StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => p.Value.ToString());
    }
}
