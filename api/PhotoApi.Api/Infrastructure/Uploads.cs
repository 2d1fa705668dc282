using Microsoft.AspNetCore.Http.Metadata;

namespace PhotoApi.Api.Infrastructure.Uploads;

/// <summary>Lifts the JSON body limit for an upload route (read by the body-size middleware).</summary>
public sealed class UploadSizeLimit(long? max) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = max;

    /// <summary>The largest upload the server takes (<c>Uploads:MaxBytes</c>, default 64 GiB).</summary>
    public static long MaxBytes(IConfiguration configuration) => configuration.GetValue<long?>("Uploads:MaxBytes") ?? 64L * 1024 * 1024 * 1024;
}

/// <summary>
/// Marks an endpoint whose body is multipart/form-data, described by a form type. The endpoint streams the parts itself;
/// the contract test compares the form type with openapi.yaml, and a non-multipart body is answered with upload.not_multipart.
/// </summary>
public sealed record MultipartForm(Type FormType);

/// <summary>
/// Reading a multipart/form-data body part by part, straight from the socket: fields are small and bounded, files are
/// copied through one pooled buffer to wherever the caller streams them. Shared by every upload route.
/// </summary>
public static class MultipartStreaming
{
    public const int MaxFieldBytes = 1024;

    /// <summary>A reader over the request body, or 415 <c>upload.not_multipart</c>.</summary>
    public static Microsoft.AspNetCore.WebUtilities.MultipartReader Reader(HttpContext context)
    {
        var type = context.Request.ContentType;
        if (type is null || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out var media) ||
            !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw new Errors.ApiException(415, Contracts.ErrorCodes.UploadNotMultipart, "Send the file(s) as multipart/form-data.");
        var boundary = Microsoft.Net.Http.Headers.HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrWhiteSpace(boundary) || boundary.Length > 200)
            throw new Errors.ApiException(415, Contracts.ErrorCodes.UploadNotMultipart, "The multipart boundary is missing or too long.");
        return new Microsoft.AspNetCore.WebUtilities.MultipartReader(boundary, context.Request.Body) { HeadersLengthLimit = 16 * 1024 };
    }

    /// <summary>
    /// Copies a part to <paramref name="target"/> through a pooled buffer, keeping its first bytes in <paramref name="head"/>
    /// for type sniffing. With <paramref name="maxBytes"/>, throws 413 <c>upload.too_large</c> as soon as the part passes it.
    /// </summary>
    public static async Task<int> CopyAsync(Stream source, Stream target, byte[] head, long? maxBytes, CancellationToken ct)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            var headLength = 0;
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, ct)) > 0)
            {
                total += read;
                if (total > maxBytes)
                    throw new Errors.ApiException(413, Contracts.ErrorCodes.UploadTooLarge,
                        $"A file is larger than the {maxBytes / (1024 * 1024)} MB this link accepts per file.");
                if (headLength < head.Length)
                {
                    var take = Math.Min(head.Length - headLength, read);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                    headLength += take;
                }
                await target.WriteAsync(buffer.AsMemory(0, read), ct);
            }
            return headLength;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A small text field, trimmed; more than <see cref="MaxFieldBytes"/> is a validation error.</summary>
    public static async Task<string> ReadFieldAsync(Stream body, string name, CancellationToken ct)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), ct)) > 0) total += read;
        if (total > MaxFieldBytes) throw Errors.ApiException.Validation(name, $"At most {MaxFieldBytes} bytes.");
        return System.Text.Encoding.UTF8.GetString(buffer, 0, total).Trim();
    }

    /// <summary>The name as shown to users (its last path segment, made safe); never used on disk.</summary>
    public static string SafeFileName(string? name) =>
        Persistence.FileNames.Safe(Path.GetFileName((name ?? "").Replace('\\', '/').Trim().Trim('"')));

    /// <summary>Reading failures that are the request's fault, as the problem the client should see.</summary>
    public static Errors.ApiException? Translate(HttpContext context, Exception e) => e switch
    {
        BadHttpRequestException { StatusCode: 413 } => new Errors.ApiException(413, Contracts.ErrorCodes.UploadTooLarge, "The file is larger than this server accepts."),
        // A body that is not valid multipart (missing boundary, too many part headers); a vanished client is not answered.
        IOException or InvalidDataException when !context.RequestAborted.IsCancellationRequested && e is not BadHttpRequestException =>
            new Errors.ApiException(400, Contracts.ErrorCodes.MalformedRequest, "The multipart body could not be read: " + e.Message),
        _ => null,
    };
}

/// <summary>
/// Marks an endpoint that reads its body as raw bytes of one media type (tus chunks: application/offset+octet-stream);
/// the contract test compares it with the operation's requestBody.
/// </summary>
public sealed record RawBody(string ContentType);
