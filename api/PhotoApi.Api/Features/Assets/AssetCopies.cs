using Dapper;
using Npgsql;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Assets;

/// <summary>
/// Copies of assets: new rows owned by the caller that share the originals' bytes and derivatives (blobs are content
/// addressed, nothing is uploaded or stored again). A copy of an original still pending or processing starts
/// <c>pending</c> and is processed on its own (the original's job updates only the original): the caller enqueues it
/// after the commit (<see cref="EnqueueUnfinished"/>), and the stuck-asset sweeper finds it should that enqueue be lost.
/// Device backup ids stay with the original: the copy was not backed up from a device.
/// </summary>
internal static class AssetCopies
{
    private const string InsertSql = """
        INSERT INTO assets (id, owner_id, folder_id, checksum, blob_key, size_bytes, media_type, content_type, original_file_name,
                            taken_at, taken_at_source, width, height, orientation, camera_make, camera_model, latitude, longitude,
                            rating, tags, description, status, failure_reason, attempts, processing_since, thumbnail_key, preview_key)
        SELECT m.new_id, @ownerId, m.folder_id, a.checksum, a.blob_key, a.size_bytes, a.media_type, a.content_type, a.original_file_name,
               a.taken_at, a.taken_at_source, a.width, a.height, a.orientation, a.camera_make, a.camera_model, a.latitude, a.longitude,
               a.rating, a.tags, a.description,
               CASE WHEN a.status IN ('pending', 'processing') THEN 'pending' ELSE a.status END,
               a.failure_reason,
               CASE WHEN a.status IN ('pending', 'processing') THEN 0 ELSE a.attempts END,
               NULL, a.thumbnail_key, a.preview_key
        FROM unnest(@oldIds::uuid[], @newIds::uuid[], @folderIds::uuid[]) WITH ORDINALITY AS m(old_id, new_id, folder_id, n)
        JOIN assets a ON a.id = m.old_id
        WHERE a.trashed_at IS NULL
        ORDER BY m.n
        RETURNING id, status
        """;

    /// <summary>One copy to make: of <paramref name="Original"/>, with id <paramref name="Id"/>, into <paramref name="FolderId"/>.</summary>
    public sealed record Copy(Guid Original, Guid Id, Guid? FolderId);

    public sealed record Made(Guid Id, string Status);

    /// <summary>Makes the copies (originals in the trash are left out) and returns those made.</summary>
    public static async Task<List<Made>> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid ownerId, IReadOnlyList<Copy> copies, CancellationToken ct) =>
        (await conn.QueryAsync<Made>(new CommandDefinition(InsertSql, new
        {
            oldIds = copies.Select(c => c.Original).ToArray(),
            newIds = copies.Select(c => c.Id).ToArray(),
            folderIds = copies.Select(c => c.FolderId).ToArray(),
            ownerId,
        }, tx, cancellationToken: ct))).AsList();

    /// <summary>After the commit: a processing job for every copy that starts pending (the job re-reads the row).</summary>
    public static void EnqueueUnfinished(Infrastructure.Jobs.IJobQueue jobs, IEnumerable<Made> made)
    {
        foreach (var copy in made.Where(m => m.Status == "pending"))
        {
            var id = copy.Id;
            jobs.Enqueue<IProcessAssetJob>(Queues.Media, j => j.ProcessAsync(id, CancellationToken.None));
        }
    }
}
