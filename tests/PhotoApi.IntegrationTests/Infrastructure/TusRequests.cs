using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace PhotoApi.IntegrationTests.Infrastructure;

/// <summary>Raw tus 1.0.0 requests, as a client sends them.</summary>
public static class TusRequests
{
    public static HttpRequestMessage Tus(HttpMethod method, string url, byte[]? body = null, long? offset = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("Tus-Resumable", "1.0.0");
        if (offset is { } o) request.Headers.Add("Upload-Offset", o.ToString(CultureInfo.InvariantCulture));
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
        }
        return request;
    }

    /// <summary>Creates an upload of <paramref name="length"/> bytes named <paramref name="fileName"/>; its URL.</summary>
    public static async Task<string> CreateAsync(this HttpClient client, string url, long length, string fileName)
    {
        var request = Tus(HttpMethod.Post, url);
        request.Headers.Add("Upload-Length", length.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Upload-Metadata", $"filename {Convert.ToBase64String(Encoding.UTF8.GetBytes(fileName))}");
        var response = await client.SendAsync(request);
        await response.ShouldBe(201);
        return response.Headers.Location!.ToString();
    }

    public static Task<HttpResponseMessage> PatchAsync(this HttpClient client, string location, byte[] chunk, long offset) =>
        client.SendAsync(Tus(HttpMethod.Patch, location, chunk, offset));

    /// <summary>What the server keys the upload's row by: the SHA-256 of the id in its URL.</summary>
    public static byte[] IdHash(string location) => SHA256.HashData(Encoding.UTF8.GetBytes(location.Split('/')[^1]));
}
