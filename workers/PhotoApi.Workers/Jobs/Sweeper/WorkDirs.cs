namespace PhotoApi.Workers.Jobs.Sweeper;

/// <summary>
/// The scratch directories jobs work in (the original fetched from the blob store, ffmpeg's and libvips' output), under
/// the temp directory and named <c>photoapi-&lt;kind&gt;-&lt;id&gt;-&lt;random&gt;</c>. A job deletes its own when it
/// ends; a worker killed mid-job (a crash, an OOM kill, a deploy) leaves it behind, possibly gigabytes of a video, so
/// each worker deletes old ones when it starts.
/// </summary>
public static class WorkDirs
{
    /// <summary>What every job's work directory is named from (ProcessAssetJob's <c>photoapi-&lt;id&gt;-…</c> included).</summary>
    public const string Prefix = "photoapi-";

    /// <summary>A new, empty work directory for one run of a job on <paramref name="id"/>.</summary>
    public static string Create(string kind, Guid id) =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"{Prefix}{kind}-{id:N}-{Guid.NewGuid():N}")).FullName;

    /// <summary>
    /// Deletes work directories (and everything in them) last written more than <paramref name="olderThan"/> ago. Other workers on the machine
    /// share the temp directory: a directory younger than the longest a run may take (<c>Video:MaxProcessTimeout</c>,
    /// plus a margin) may be a live run's, and is left alone. Directories that cannot be deleted are skipped.
    /// </summary>
    /// <returns>How many were deleted.</returns>
    public static int DeleteLeftovers(TimeSpan olderThan, ILogger logger, string? root = null)
    {
        var cutoff = DateTime.UtcNow - olderThan;
        var deleted = 0;
        foreach (var dir in new DirectoryInfo(root ?? Path.GetTempPath()).EnumerateDirectories(Prefix + "*"))
        {
            try
            {
                // A directory's time changes only as files come and go: a file ffmpeg is still writing counts too.
                if (dir.EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Select(f => f.LastWriteTimeUtc).Append(dir.LastWriteTimeUtc).Max() >= cutoff)
                    continue;
                dir.Delete(recursive: true);
                deleted++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not delete the leftover work directory {Dir}: {Reason}", dir.FullName, e.Message);
            }
        }
        return deleted;
    }
}
