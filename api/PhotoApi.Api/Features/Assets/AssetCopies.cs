using Npgsql;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

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
    /// <summary>One copy to make: of <paramref name="Original"/>, with id <paramref name="Id"/>, into <paramref name="FolderId"/>.</summary>
    public sealed record Copy(Guid Original, Guid Id, Guid? FolderId);

    public sealed record Made(Guid Id, string Status);

    /// <summary>Makes the copies (originals in the trash are left out) and returns those made.</summary>
    public static async Task<List<Made>> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid ownerId, IReadOnlyList<Copy> copies, CancellationToken ct) =>
        (await AssetRows.CopyAsync(conn, tx, ownerId, copies.Select(c => c.Original).ToArray(), copies.Select(c => c.Id).ToArray(),
            copies.Select(c => c.FolderId).ToArray(), ct)).Select(m => new Made(m.Id, m.Status)).ToList();

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
