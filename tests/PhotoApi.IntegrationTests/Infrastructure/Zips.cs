using System.IO.Compression;

namespace PhotoApi.IntegrationTests.Infrastructure;

public static class Zips
{
    /// <summary>Asserts a zip download (200, <c>application/zip</c>, an attachment) and reads its entries, in archive order.</summary>
    public static async Task<List<(string Name, byte[] Bytes)>> ZipEntriesAsync(this HttpResponseMessage response)
    {
        await response.ShouldBe(200);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        await using var zip = await ZipArchive.CreateAsync(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), ZipArchiveMode.Read, false, null);
        var entries = new List<(string, byte[])>();
        foreach (var entry in zip.Entries)
        {
            await using var s = await entry.OpenAsync();
            using var m = new MemoryStream();
            await s.CopyToAsync(m);
            entries.Add((entry.FullName, m.ToArray()));
        }
        return entries;
    }
}
