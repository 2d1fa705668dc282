using System.Runtime.InteropServices;
using NetVips;

namespace PhotoApi.Workers.Imaging;

/// <summary>
/// Process-wide libvips settings, applied once before the first image. The worker uses Debian's system libvips
/// (libvips42 8.14, HEIC through libheif + libde265): NetVips.Native's bundled libvips cannot decode HEVC HEIC,
/// so no NetVips.Native package is referenced and NetVips loads libvips.so.42 from the system.
/// </summary>
internal static class VipsRuntime
{
    private static readonly Lock Gate = new();
    private static bool _ready;

    /// <summary>The libvips version in use, e.g. "8.14.1".</summary>
    public static string Version { get; private set; } = "";

    /// <summary>True where savers take <c>keep</c> (libvips 8.15+); 8.14 knows only <c>strip</c>.</summary>
    public static bool HasKeepOption { get; private set; }

    /// <summary>thumbnail's colour-profile option: <c>export_profile</c> in 8.14; newer libvips (and NetVips 3's
    /// generated <c>outputProfile:</c> parameter, which 8.14 rejects) call it <c>output_profile</c>.</summary>
    public static string ThumbnailProfileOption { get; private set; } = "export_profile";

    /// <summary>Likewise <c>import_profile</c> (8.14) or <c>input_profile</c>.</summary>
    public static string ThumbnailImportProfileOption { get; private set; } = "import_profile";

    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref _ready)) return;
        lock (Gate)
        {
            if (_ready) return;
            int major, minor, patch;
            try
            {
                if (!ModuleInitializer.VipsInitialized)
                    throw new InvalidOperationException("libvips did not initialise.", ModuleInitializer.Exception);
                major = NetVips.NetVips.Version(0);
                minor = NetVips.NetVips.Version(1);
                patch = NetVips.NetVips.Version(2);
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or InvalidOperationException)
            {
                throw new InvalidOperationException(
                    "The worker could not load libvips (libvips.so.42). Install Debian's system libvips with HEIC support: " +
                    "apt-get install libvips42 libheif1 libde265-0 (deploy/dev.sh does). Do not add the NetVips.Native package: " +
                    "its bundled libvips cannot decode HEVC HEIC.", e);
            }
            Version = $"{major}.{minor}.{patch}";
            if (major < 8 || (major == 8 && minor < 13))
                throw new InvalidOperationException(
                    $"libvips {Version} is too old: the worker needs 8.13 or newer (fail_on, blocking of untrusted loaders).");
            // Ask libvips itself which option names it knows rather than trusting NetVips' generated signatures.
            HasKeepOption = Introspect.Get("jpegsave").OptionalInput.ContainsKey("keep")
                            && Introspect.Get("webpsave").OptionalInput.ContainsKey("keep");
            ThumbnailProfileOption = Introspect.Get("thumbnail").OptionalInput.ContainsKey("export_profile")
                ? "export_profile"
                : "output_profile";
            ThumbnailImportProfileOption = ThumbnailProfileOption == "export_profile" ? "import_profile" : "input_profile";

            LimitMallocArenas();

            // Every job reads a different file: libvips' operation cache would only hold memory (and open files).
            Cache.Max = 0;
            Cache.MaxMem = 0;
            Cache.MaxFiles = 0;

            // Uploads are hostile until proven otherwise: refuse the loaders libvips marks as unsafe on untrusted input
            // (ImageMagick, PDF, SVG, FITS, OpenEXR, JPEG 2000, JPEG XL, Matlab, vips, raw, csv…). JPEG, PNG, WebP, GIF,
            // TIFF and HEIF/AVIF stay available; the processor additionally allows only those.
            NetVips.NetVips.BlockUntrusted = true;

            // Threads per pipeline. libvips' default is one per core. On the 2-core box the JPEG and HEVC decoders
            // themselves are single-threaded, so the setting barely matters: bench/thumbnails.sh measured 12 × 24 MP
            // JPEGs at 2.14 s with 1 thread and 2.06 s with 2 (one job at a time), and 1.33 s either way with two jobs
            // at once (Worker__WorkerCount=2); 12 × 12 MP HEICs 9.0 / 8.9 s and 5.0 / 5.0 s. Throughput comes from
            // running jobs in parallel, so keep the default (a lone job still gets both cores for resize and colour)
            // and let VIPS_CONCURRENCY (honoured here and by libvips) pin another value.
            NetVips.NetVips.Concurrency = int.TryParse(Environment.GetEnvironmentVariable("VIPS_CONCURRENCY"), out var threads) && threads > 0
                ? threads
                : Math.Max(1, Environment.ProcessorCount);

            Volatile.Write(ref _ready, true);
        }
    }

    /// <summary>
    /// Empties libvips' error buffer. It is process-wide and NetVips puts all of it into the next VipsException, so
    /// messages that successful operations left behind (the HEIF loader leaves "bad seek" after a good AVIF) would
    /// otherwise mislead the reason given for the next failure. Called before each operation whose error is classified.
    /// </summary>
    public static void ClearErrors() => NativeMethods.vips_error_clear();

    /// <summary>
    /// glibc gives each thread that contends for malloc its own arena (up to 8 per core) and rarely hands their memory
    /// back; libvips' worker threads make many large short-lived buffers, so a long-running worker's RSS creeps up
    /// (two jobs at once over 24 × 12 MP HEICs peaked at 430–450 MB with glibc's default and 320–380 MB with 2
    /// arenas, at the same speed). Unless MALLOC_ARENA_MAX is set by the environment, cap further arenas at 2.
    /// </summary>
    private static void LimitMallocArenas()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null) return;
        try
        {
            _ = NativeMethods.mallopt(NativeMethods.M_ARENA_MAX, 2); // returns 1 on success; failure only means no cap
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (libc.so.6): nothing to tune.
        }
    }

    private static class NativeMethods
    {
        internal const int M_ARENA_MAX = -8;

        [DllImport("libc.so.6", CallingConvention = CallingConvention.Cdecl)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern int mallopt(int param, int value);

        [DllImport("libvips.so.42", CallingConvention = CallingConvention.Cdecl)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern void vips_error_clear();
    }
}
