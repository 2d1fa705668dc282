using Dapper;
using Npgsql;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// The one writer of album entries (<c>album_assets</c>), for the API and the worker alike. One rule everywhere:
/// <list type="bullet">
/// <item>an entry goes only into an album that still exists and takes entries (manual and selection albums; a
/// conditional album is filled by its conditions) — otherwise nothing is written;</item>
/// <item>an album holds an asset once: an asset already there keeps its entry as it was (who added it, and when);</item>
/// <item>each new entry remembers who added it (<paramref name="addedBy"/> of <see cref="AddAsync"/>) and is dated by
/// the database (<c>added_at</c>, the transaction's time), which is what albums show entries by.</item>
/// </list>
/// What callers check first (who may add, whether the album is manual) stays with them.
/// </summary>
public static class AlbumEntries
{
    private const string AddSql = """
        INSERT INTO album_assets (album_id, asset_id, added_by)
        SELECT al.id, a.asset_id, @addedBy FROM albums al CROSS JOIN unnest(@assetIds) AS a(asset_id)
        WHERE al.id = @albumId AND al.kind <> 'conditional'
        ON CONFLICT (album_id, asset_id) DO NOTHING
        """;

    /// <summary>Adds the assets to the album (skipping ones already there) and returns how many entries are new.</summary>
    public static Task<int> AddAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid albumId, IReadOnlyCollection<Guid> assetIds, Guid addedBy,
        CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(AddSql, new { albumId, assetIds = assetIds.Distinct().ToArray(), addedBy }, tx, cancellationToken: ct));
}
