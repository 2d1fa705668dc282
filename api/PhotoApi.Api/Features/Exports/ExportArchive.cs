using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using Npgsql;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;

namespace PhotoApi.Api.Features.Exports;

/// <summary>
/// The zip of a library export, as <c>downloadArchiveLink</c> streams it for an export's link: <c>library.json</c> and
/// <c>library.csv</c> as the worker wrote them, then each original listed, at its path, with its current bytes — read in
/// batches (<c>Downloads:ArchiveBatchSize</c>), so memory stays flat whatever the library's size. An original deleted or
/// trashed since the export was prepared is left out, and named (id and path) in a last entry, <c>missing.csv</c>, so
/// that the zip never pretends to hold what <c>library.json</c> lists but it does not.
/// </summary>
public sealed class ExportArchive(NpgsqlDataSource db, IConfiguration configuration)
{
    public const string MissingFileName = "missing.csv";

    private const string ExportSql = """
        SELECT prepared_at FROM exports WHERE id = @id AND owner_id = @ownerId AND status = 'ready' AND expires_at > now()
        """;

    // Only the owner's own assets, still in their library; the rest of the list is named in missing.csv.
    private const string BatchSql = """
        SELECT e.position, e.asset_id, e.zip_path, a.blob_key, a.taken_at
        FROM export_assets e
        LEFT JOIN assets a ON a.id = e.asset_id AND a.owner_id = @ownerId AND a.trashed_at IS NULL
        WHERE e.export_id = @id AND e.position > @after
        ORDER BY e.position
        LIMIT @limit
        """;

    private int BatchSize => Math.Max(1, configuration.GetValue<int?>("Downloads:ArchiveBatchSize") ?? 1000);

    private sealed record Item(int Position, Guid AssetId, string ZipPath, string? BlobKey, DateTime? TakenAt);

    /// <summary>
    /// When <paramref name="ownerId"/>'s export <paramref name="exportId"/> is ready and not expired, the time it was
    /// prepared; else 404 <c>download.link_invalid</c> (expired, swept, failed, or not theirs: a link answers alike).
    /// </summary>
    public async Task<DateTime> EnsureAsync(Guid exportId, Guid ownerId, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<DateTime?>(new CommandDefinition(ExportSql, new { id = exportId, ownerId }, cancellationToken: ct))
            ?? throw Access.ArchiveLinks.Invalid();
    }

    /// <summary>The entries, once <see cref="EnsureAsync"/> has allowed the download.</summary>
    public async IAsyncEnumerable<ZipEntry> EntriesAsync(Guid exportId, Guid ownerId, DateTime preparedAt, [EnumeratorCancellation] CancellationToken ct)
    {
        yield return new ZipEntry("library.json", preparedAt, BlobKeys.ExportFile(exportId, "library.json"));
        yield return new ZipEntry("library.csv", preparedAt, BlobKeys.ExportFile(exportId, "library.csv"));
        var missing = new StringBuilder();
        var after = -1;
        while (true)
        {
            List<Item> batch;
            await using (var conn = await db.OpenConnectionAsync(ct))
                batch = (await conn.QueryAsync<Item>(new CommandDefinition(BatchSql, new { id = exportId, ownerId, after, limit = BatchSize },
                    cancellationToken: ct))).AsList();
            foreach (var item in batch)
            {
                if (item.BlobKey is null)
                {
                    if (missing.Length == 0) missing.Append("id,path\r\n");
                    missing.Append(item.AssetId).Append(',').Append(Csv.Field(item.ZipPath)).Append("\r\n");
                    continue;
                }
                var slash = item.ZipPath.LastIndexOf('/');
                yield return slash < 0
                    ? new ZipEntry(item.ZipPath, item.TakenAt, item.BlobKey)
                    : new ZipEntry(item.ZipPath[(slash + 1)..], item.TakenAt, item.BlobKey, item.ZipPath[..slash]);
            }
            if (batch.Count < BatchSize) break;
            after = batch[^1].Position;
        }
        if (missing.Length > 0) yield return new ZipEntry(MissingFileName, null, null, Content: Encoding.UTF8.GetBytes(missing.ToString()));
    }
}
