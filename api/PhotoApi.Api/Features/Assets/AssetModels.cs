using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Assets;

/// <summary>An asset as its viewers see it. Media URLs are short-lived signed links usable from an &lt;img src&gt;.</summary>
public sealed record AssetResponse
{
    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public Guid? FolderId { get; init; }
    public string OriginalFileName { get; init; } = "";
    /// <summary><c>image</c>, <c>video</c> or <c>other</c> (documents: backed up, no derivatives).</summary>
    public string MediaType { get; init; } = "";
    public string ContentType { get; init; } = "";
    public long SizeBytes { get; init; }
    /// <summary>SHA-256 of the original, lower-case hex.</summary>
    public string Checksum { get; init; } = "";
    public DateTime TakenAt { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public int? Orientation { get; init; }
    public string? CameraMake { get; init; }
    public string? CameraModel { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public int Rating { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string Description { get; init; } = "";
    /// <summary><c>pending</c> → <c>processing</c> → <c>ready</c> or <c>failed</c> (with <see cref="FailureReason"/>).</summary>
    public string Status { get; init; } = "";
    public string? FailureReason { get; init; }
    public string? DeviceId { get; init; }
    public string? DeviceAssetId { get; init; }
    public DateTime? TrashedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public AssetMediaUrls Urls { get; init; } = new(null, null, "");
}

/// <summary>
/// Signed URLs, valid for a short time without any header: thumbnail (250 px WebP), preview (1440 px JPEG), original
/// (null where the caller may view but not download, e.g. an album Viewer).
/// </summary>
public sealed record AssetMediaUrls(string? Thumbnail, string? Preview, string? Original);

/// <summary>The row behind <see cref="AssetResponse"/>.</summary>
public sealed class AssetRow
{
    public Guid Id { get; init; }
    public Guid OwnerId { get; init; }
    public Guid? FolderId { get; init; }
    public string OriginalFileName { get; init; } = "";
    public string MediaType { get; init; } = "";
    public string ContentType { get; init; } = "";
    public long SizeBytes { get; init; }
    public byte[] Checksum { get; init; } = [];
    public string BlobKey { get; init; } = "";
    public DateTime TakenAt { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }
    public short? Orientation { get; init; }
    public string? CameraMake { get; init; }
    public string? CameraModel { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public short Rating { get; init; }
    public string[] Tags { get; init; } = [];
    public string Description { get; init; } = "";
    public string Status { get; init; } = "";
    public string? FailureReason { get; init; }
    public string? ThumbnailKey { get; init; }
    public string? PreviewKey { get; init; }
    public string? DeviceId { get; init; }
    public string? DeviceAssetId { get; init; }
    public DateTime? TrashedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

public static class AssetQueries
{
    public const string Columns = """
        a.id, a.owner_id, a.folder_id, a.original_file_name, a.media_type, a.content_type, a.size_bytes, a.checksum, a.blob_key,
        a.taken_at, a.width, a.height, a.orientation, a.camera_make, a.camera_model, a.latitude, a.longitude,
        a.rating, a.tags, a.description, a.status, a.failure_reason, a.thumbnail_key, a.preview_key,
        a.device_id, a.device_asset_id, a.trashed_at, a.created_at, a.updated_at
        """;

    private const string ByIdsSql = $"SELECT {Columns} FROM assets a WHERE a.id = ANY(@ids)";

    /// <summary>Reads assets by id. Callers have asked the access policy first.</summary>
    public static async Task<List<AssetRow>> GetAsync(NpgsqlConnection conn, IReadOnlyCollection<Guid> ids, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<AssetRow>(new CommandDefinition(ByIdsSql, new { ids = ids.ToArray() }, tx, cancellationToken: ct))).AsList();

    public static async Task<AssetRow> GetOneAsync(NpgsqlConnection conn, Guid id, CancellationToken ct) =>
        (await GetAsync(conn, [id], ct)).SingleOrDefault() ?? throw ApiException.NotFound("The asset");

    public static AssetResponse ToResponse(this AssetRow a, MediaUrls urls, bool downloadable) => new()
    {
        Id = a.Id, OwnerId = a.OwnerId, FolderId = a.FolderId, OriginalFileName = a.OriginalFileName, MediaType = a.MediaType,
        ContentType = a.ContentType, SizeBytes = a.SizeBytes, Checksum = Convert.ToHexStringLower(a.Checksum), TakenAt = a.TakenAt,
        Width = a.Width, Height = a.Height, Orientation = a.Orientation, CameraMake = a.CameraMake, CameraModel = a.CameraModel,
        Latitude = a.Latitude, Longitude = a.Longitude, Rating = a.Rating, Tags = a.Tags, Description = a.Description,
        Status = a.Status, FailureReason = a.FailureReason, DeviceId = a.DeviceId, DeviceAssetId = a.DeviceAssetId,
        TrashedAt = a.TrashedAt, CreatedAt = a.CreatedAt, UpdatedAt = a.UpdatedAt,
        Urls = urls.For(a, downloadable),
    };
}

/// <summary>
/// Turns rows the caller may view into responses: every response signs the thumbnail and preview, and signs the original
/// only where the access policy allows the caller to download it (one batch question per page).
/// </summary>
public sealed class AssetViews(AccessPolicy policy, MediaSigner signer)
{
    public async Task<List<AssetResponse>> ForAsync(Principal principal, IReadOnlyList<AssetRow> rows, CancellationToken ct)
    {
        var urls = await signer.UrlsAsync(ct);
        var downloadable = await policy.AllowedAsync(principal, Permission.AssetDownload, rows.Select(r => r.Id).ToList(), ct);
        return rows.Select(r => r.ToResponse(urls, downloadable.Contains(r.Id))).ToList();
    }

    public async Task<AssetResponse> ForAsync(Principal principal, AssetRow row, CancellationToken ct) =>
        (await ForAsync(principal, [row], ct))[0];
}

public sealed class MoveAssetsRequest
{
    public Guid[] Ids { get; set; } = [];
    /// <summary>The target folder; null: the top of the caller's Personal Space.</summary>
    public Guid? FolderId { get; set; }
}

public sealed class MoveAssetsValidator : Validator<MoveAssetsRequest>
{
    public MoveAssetsValidator() => RuleFor(x => x.Ids).NotEmpty().Must(i => i.Length <= 1000).WithMessage("Between 1 and 1,000 ids.");
}

/// <summary>The timeline cursor: the (takenAt, id) of the last item, opaque to clients.</summary>
public static class TimelineCursor
{
    public static string Of(DateTime takenAt, Guid id) =>
        Secrets.Base64Url(System.Text.Encoding.ASCII.GetBytes($"{takenAt.Ticks}:{id:N}"));

    public static (DateTime? TakenAt, Guid AfterId) Parse(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return (null, Guid.Empty);
        try
        {
            var decoded = PhotoApi.Api.Infrastructure.Auth.Secrets.FromBase64Url(cursor);
            var parts = System.Text.Encoding.ASCII.GetString(decoded).Split(':');
            return (new DateTime(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc), Guid.ParseExact(parts[1], "N"));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw ApiException.Validation("cursor", "The cursor is not one this API returned.");
        }
    }
}
