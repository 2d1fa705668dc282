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

/// <summary>
/// The INSERTs of asset rows: a new asset for committed bytes (an upload in the API, a photo-request upload in the
/// worker), and copies of assets sharing the originals' bytes and derivatives.
/// </summary>
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

    private const string CopySql = """
        INSERT INTO assets (id, owner_id, folder_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                            taken_at, taken_at_source, width, height, orientation, camera_make, camera_model, latitude, longitude,
                            rating, tags, description, status, failure_reason, attempts, processing_since, thumbnail_key, preview_key,
                            duration_seconds, video_codec, audio_codec, frame_rate, playback_key)
        SELECT m.new_id, @ownerId, m.folder_id, a.checksum, a.blob_key, a.size_bytes, a.media_type, a.content_type, a.original_file_name,
               a.taken_at, a.taken_at_source, a.width, a.height, a.orientation, a.camera_make, a.camera_model, a.latitude, a.longitude,
               a.rating, a.tags, a.description,
               CASE WHEN a.status IN ('pending', 'processing') THEN 'pending' ELSE a.status END,
               a.failure_reason,
               CASE WHEN a.status IN ('pending', 'processing') THEN 0 ELSE a.attempts END,
               NULL, a.thumbnail_key, a.preview_key,
               -- A video whose playback copy was made after the original was read here (or while it was) plays from it too.
               a.duration_seconds, a.video_codec, a.audio_codec, a.frame_rate,
               coalesce(a.playback_key, (SELECT vp.blob_key FROM video_playbacks vp
                                         WHERE vp.checksum = a.checksum AND vp.status = 'ready' AND a.media_type = 'video' AND a.status = 'ready'))
        FROM unnest(@oldIds::uuid[], @newIds::uuid[], @folderIds::uuid[]) WITH ORDINALITY AS m(old_id, new_id, folder_id, n)
        JOIN assets a ON a.id = m.old_id
        WHERE a.trashed_at IS NULL
        ORDER BY m.n
        RETURNING id, status
        """;

    /// <summary>Inserts the new asset <paramref name="row"/>.</summary>
    public static Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, NewAssetRow row, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(InsertSql, row, tx, cancellationToken: ct));

    /// <summary>
    /// Copies <paramref name="originals"/> as the rows <paramref name="ids"/> owned by <paramref name="ownerId"/>, each into
    /// the folder at the same position of <paramref name="folderIds"/>. Originals in the trash are left out; a copy of an
    /// original still pending or processing starts pending with no attempts and no claim. A copy of a video gets its
    /// playback copy if one is ready (the sweeper sets it on copies made in the instant it was committed). Returns the copies made, in order.
    /// </summary>
    public static async Task<List<(Guid Id, string Status)>> CopyAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid ownerId,
        Guid[] originals, Guid[] ids, Guid?[] folderIds, CancellationToken ct) =>
        (await conn.QueryAsync<(Guid Id, string Status)>(new CommandDefinition(CopySql,
            new { oldIds = originals, newIds = ids, folderIds, ownerId }, tx, cancellationToken: ct))).AsList();
}
