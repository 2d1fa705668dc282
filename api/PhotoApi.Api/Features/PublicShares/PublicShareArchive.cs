using System.Runtime.CompilerServices;
using Dapper;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.PublicShares;

/// <summary>
/// "Download all" of a share link: everything it shows, in the order of its pages, read by one ordered query over the
/// link's album (<see cref="AlbumPages"/>, the album's walk) or its folder set (<see cref="GuestLinks.LinkFolders"/>),
/// unbuffered — rows are read as the zip is written, never all held — with what the owner (and a non-public link's
/// caller) may not view left out inside the query, and the download rights and clean copies asked per batch of
/// <c>Downloads:ArchiveBatchSize</c> rows (1,000). Where the link hides metadata, entries are the clean copies
/// (<see cref="CleanOriginals"/>) named by the link's ids, and what cannot be cleaned is left out.
/// <para><see cref="CheckAsync"/> is the all-or-nothing decision before anything is sent (<c>createPublicShareArchiveLink</c>,
/// <c>downloadPublicShareArchive</c>); <see cref="EntriesAsync"/> asks again per batch while streaming, and a batch refused
/// by then (rights changed in between) aborts the download.</para>
/// </summary>
public sealed class PublicShareArchive(NpgsqlDataSource db, GuestLinks links, MediaSigner signer, IJobQueue jobs, IConfiguration configuration)
{
    private int BatchSize => Math.Max(1, configuration.GetValue<int?>("Downloads:ArchiveBatchSize") ?? 1000);

    /// <summary>
    /// Walks the whole link as the zip would: throws 403 unless the owner (and a non-public link's caller) may download
    /// every file; where metadata is hidden, asks the worker for every clean copy still missing and then throws 409
    /// <c>asset.not_ready</c> with Retry-After. Returns how many entries the zip would hold.
    /// </summary>
    public async Task<int> CheckAsync(HttpContext context, ShareLink link, CancellationToken ct)
    {
        var (entries, missing) = (0, 0);
        await foreach (var batch in BatchesAsync(context, link, ct))
        {
            await links.EnsureCallerMayAsync(context, link, Permission.AssetDownload, batch.Select(a => a.Id).ToList(), ct);
            if (link.ShowMetadata)
            {
                entries += batch.Count;
                continue;
            }
            var (clean, notReady) = await CleanOriginals.RequestAllAsync(db, jobs, batch, ct);
            entries += clean.Count;
            missing += notReady;
        }
        return missing == 0 ? entries : throw CleanOriginals.NotReady(missing, oneFile: false);
    }

    /// <summary>
    /// The zip's entries, read as they are written; <paramref name="started"/> runs once, before the first entry (the
    /// download is counted then, so an empty archive never counts).
    /// </summary>
    public async IAsyncEnumerable<ZipEntry> EntriesAsync(HttpContext context, ShareLink link, Func<Task> started, [EnumeratorCancellation] CancellationToken ct)
    {
        using var ids = link.ShowMetadata ? null : await GuestIds.ForAsync(signer, link, ct);
        var first = true;
        await foreach (var batch in BatchesAsync(context, link, ct))
        {
            await links.EnsureCallerMayAsync(context, link, Permission.AssetDownload, batch.Select(a => a.Id).ToList(), ct);
            List<ZipEntry> entries;
            if (ids is null) entries = batch.Select(a => new ZipEntry(a.OriginalFileName, a.TakenAt, a.BlobKey)).ToList();
            else
            {
                var (clean, missing) = await CleanOriginals.RequestAllAsync(db, jobs, batch, ct);
                if (missing > 0) throw CleanOriginals.NotReady(missing, oneFile: false);
                entries = batch.Where(a => clean.ContainsKey(a.Id)).Select(a => new ZipEntry($"{ids.Hide(a.Id):N}{clean[a.Id].Extension}", null, clean[a.Id].BlobKey)).ToList();
            }
            foreach (var entry in entries)
            {
                if (first)
                {
                    first = false;
                    await started();
                }
                yield return entry;
            }
        }
    }

    /// <summary>What the link shows that the zip may hold, in the order of its pages, cut into batches.</summary>
    private async IAsyncEnumerable<List<AssetRow>> BatchesAsync(HttpContext context, ShareLink link, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var args = new DynamicParameters();
        var visible = GuestLinks.VisibleSql(context, link, args);
        var filter = new AssetListFilter();
        string sql;
        if (link.AlbumId is { } albumId)
        {
            if (await AlbumPages.FindAsync(conn, albumId, ct) is not { } album) yield break;
            sql = AlbumPages.Page("downloadPublicShareArchive:album", album, filter, int.MaxValue, visible, args).Sql;
        }
        else
        {
            args.Add("folderId", link.FolderId);
            args.Add("below", link.ApplyToSubfolders);
            sql = $"""
                SELECT {AssetQueries.Columns} FROM assets a JOIN folders f ON f.id = a.folder_id
                WHERE a.folder_id IN ({GuestLinks.LinkFolders}) AND a.trashed_at IS NULL{filter.Sql(args)}{visible}
                {filter.OrderBy()}
                """;
        }
        var size = BatchSize;
        var batch = new List<AssetRow>(Math.Min(size, 1000));
        await foreach (var row in conn.QueryUnbufferedAsync<AssetRow>(sql, args).WithCancellation(ct))
        {
            // Without metadata, only what the download of one asset would serve (its urls.original is null for the rest).
            if (!link.ShowMetadata && !CleanOriginals.Possible(row)) continue;
            batch.Add(row);
            if (batch.Count < size) continue;
            yield return batch;
            batch = new List<AssetRow>(Math.Min(size, 1000));
        }
        if (batch.Count > 0) yield return batch;
    }
}
