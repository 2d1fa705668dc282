using System.Runtime.InteropServices;

namespace PhotoApi.Persistence.Blobs;

/// <summary>
/// Hard links for the local store (.NET has no API for them): <c>link(2)</c> to give a file a second name, and
/// <c>statx(2)</c> to count its names. Where either is missing (not Linux, an old kernel) <see cref="TryCreate"/> says
/// no and the store copies instead, so no file ever has two names and <see cref="Count"/> answers 1.
/// </summary>
internal static partial class HardLinks
{
    private const int AtFdCwd = -100;
    private const uint StatxNlink = 0x4;
    private const int StatxNlinkOffset = 16; // struct statx: u32 stx_mask, u32 stx_blksize, u64 stx_attributes, u32 stx_nlink

    private static readonly bool Supported = Probe();

    /// <summary>Gives <paramref name="existing"/> the second name <paramref name="created"/> (which must not exist);
    /// false when the file system (or this platform) cannot, and then nothing was made.</summary>
    public static bool TryCreate(string existing, string created)
    {
        if (!Supported) return false;
        if (Link(existing, created) == 0) return true;
        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            Enoent => throw new FileNotFoundException($"No file {existing}.", existing),
            Eexist => throw new IOException($"{created} exists already."),
            _ => false, // EPERM (no hard links here), EXDEV, EMLINK…: the caller copies
        };
    }

    /// <summary>How many names the file has (1 for one that was never linked; 0 when there is no such file; -1 when the file
    /// system cannot say — callers then assume more than one).</summary>
    public static long Count(string path)
    {
        if (!Supported) return File.Exists(path) ? 1 : 0; // no link was ever made here: TryCreate said no
        return Names(path);
    }

    private const int Enoent = 2, Eexist = 17;

    private static unsafe long Names(string path)
    {
        var buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, 0, StatxNlink, buffer) != 0) return Marshal.GetLastPInvokeError() == Enoent ? 0 : -1;
        // stx_mask (the struct's first field) says which fields the file system filled in: no link count, no answer.
        return (*(uint*)buffer & StatxNlink) != 0 ? *(uint*)(buffer + StatxNlinkOffset) : -1;
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return Names("/") > 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
