using Dapper;
using Npgsql;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// A new asset row for bytes just committed under their blob key: what an upload (API) and a photo-request upload
/// (worker) store. Columns left null here are null in the row too.
/// </summary>
/// <param name="FolderId">Null, or a folder that no longer exists: the top of the owner's Personal Space.</param>
/// <param name="Status"><c>pending</c> (the processing job follows) or <c>ready</c> (derivatives already made).</param>
public sealed record NewAssetRow(Guid Id, Guid OwnerId, Guid? FolderId, byte[] Checksum, string BlobKey, long SizeBytes, string MediaType,
    string ContentType, string OriginalFileName, DateTime TakenAt, string TakenAtSource, string Status)
{
    public int? Width { get; init; }
    public int? Height { get; init; }
    public short? Orientation { get; init; }
    public string? ThumbnailKey { get; init; }
    public string? PreviewKey { get; init; }
    public string? DeviceId { get; init; }
    public string? DeviceAssetId { get; init; }
    public Guid? PhotoRequestId { get; init; }
}

/// <summary>The one INSERT of a new asset row, shared by the API and the worker.</summary>
public static class AssetRows
{
    private const string InsertSql = """
        INSERT INTO assets (id, owner_id, folder_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                            taken_at, taken_at_source, status, width, height, orientation, thumbnail_key, preview_key,
                            device_id, device_asset_id, photo_request_id)
        VALUES (@Id, @OwnerId, (SELECT id FROM folders WHERE id = @FolderId), @Checksum, @BlobKey, @SizeBytes, @MediaType, @ContentType, @OriginalFileName,
                @TakenAt, @TakenAtSource, @Status, @Width, @Height, @Orientation, @ThumbnailKey, @PreviewKey,
                @DeviceId, @DeviceAssetId, @PhotoRequestId)
        """;

    public static Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NewAssetRow row, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(InsertSql, row, tx, cancellationToken: ct));
}
