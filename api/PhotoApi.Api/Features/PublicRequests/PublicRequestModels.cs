using PhotoApi.Api.Infrastructure.Uploads;

namespace PhotoApi.Api.Features.PublicRequests;

public sealed class PublicPhotoRequestKey
{
    public string Key { get; set; } = "";
}

internal static class PublicRequestLimits
{
    /// <summary>The largest file the server takes at all (<c>Uploads:MaxBytes</c>), in MB, capped at the request maximum of 3,000.</summary>
    public static int ServerMaxMb(IConfiguration configuration) =>
        (int)Math.Min(3000, ServerMaxBytes(configuration) / (1024 * 1024));

    public static long ServerMaxBytes(IConfiguration configuration) => UploadSizeLimit.MaxBytes(configuration);

    /// <summary>Files per request body.</summary>
    public const int MaxFiles = 100;
}

/// <param name="Status"><c>pending</c> → <c>processing</c> → <c>ready</c> or <c>failed</c> (with <paramref name="FailureReason"/>).</param>
public sealed record PhotoRequestUploadStatus(Guid Id, string FileName, long SizeBytes, string Status, string? FailureReason);
