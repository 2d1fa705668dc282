using NetVips;

namespace PhotoApi.Workers.Imaging;

/// <summary>Run once when the worker starts: it refuses to start rather than fail every HEIC upload later.</summary>
public static class VipsStartupCheck
{
    // A real 16x16 HEVC HEIC made by Debian 12's heif-enc 1.15 (x265) from a red-to-blue vertical gradient:
    // /usr/bin/convert -size 16x16 gradient:red-blue -quality 95 -strip s16.jpg && heif-enc -q 50 -o s16.heic s16.jpg
    private const string TinyHeic =
        "AAAAHGZ0eXBoZWljAAAAAG1pZjFoZWljbWlhZgAAAaptZXRhAAAAAAAAACFoZGxyAAAAAAAAAABwaWN0AAAAAAAAAAAAAAAAAAAAAA5waXRtAAAAAAACAAAAEGlkYXQAAAAAABAAEAAAADhpbG9jAQAAAERAAAIAAQAAAAAAAAHOAAEAAAAAAAAAUAACAAEAAAAAAAAAAQAAAAAAAAAIAAAAOGlpbmYAAAAAAAIAAAAVaW5mZQIAAAEAAQAAaHZjMQAAAAAVaW5mZQIAAAAAAgAAZ3JpZAAAAADVaXBycAAAALNpcGNvAAAAc2h2Y0MBA3AAAAAAAAAAAAAe8AD8/fj4AAAPAyAAAQAYQAEMAf//A3AAAAMAkAAAAwAAAwAeugJAIQABACdCAQEDcAAAAwCQAAADAAADAB6gIIEFluqumubAgAAAAwCAAAADAIQiAAEABkQBwXPBiQAAABRpc3BlAAAAAAAAAEAAAABAAAAAFGlzcGUAAAAAAAAAEAAAABAAAAAQcGl4aQAAAAADCAgIAAAAGmlwbWEAAAAAAAAAAgABAoECAAICA4QAAAAaaXJlZgAAAAAAAAAOZGltZwACAAEAAQAAAFhtZGF0AAAATCgBrxMhc7NA9So0Y4Me6/3FBBbGQSfBnrxqEo3rMp1gGoBkN8kCa/+o9DA7udqD/Q/CN2UkGQH+ZpdZJH46vg5Du77ulI3RbBKVaYA=";

    /// <summary>Decodes an embedded HEIC with the libvips NetVips loaded and checks its pixels.</summary>
    /// <returns>The libvips version, for the start-up log.</returns>
    /// <exception cref="InvalidOperationException">libvips is missing, too old, or cannot decode HEVC HEIC.</exception>
    public static string EnsureHeicWorks()
    {
        VipsRuntime.EnsureInitialized();
        try
        {
            using var image = Image.NewFromBuffer(Convert.FromBase64String(TinyHeic), access: Enums.Access.Sequential, failOn: Enums.FailOn.Error);
            using var pixels = image.CopyMemory();
            var top = pixels.Getpoint(0, 0);
            var bottom = pixels.Getpoint(0, 15);
            if (pixels.Width != 16 || pixels.Height != 16 || top[0] < 200 || top[2] > 60 || bottom[0] > 60 || bottom[2] < 200)
                throw new InvalidOperationException(
                    $"libvips {VipsRuntime.Version} decoded the test HEIC wrongly ({pixels.Width}x{pixels.Height}, top {string.Join(',', top)}, bottom {string.Join(',', bottom)}).");
            return VipsRuntime.Version;
        }
        catch (VipsException e)
        {
            throw new InvalidOperationException(
                $"libvips {VipsRuntime.Version} cannot decode HEIC ({e.Message.Trim()}). The worker needs Debian's system libvips " +
                "built with libheif and libde265 (apt-get install libvips42 libheif1 libde265-0) and must not reference the " +
                "NetVips.Native package, whose bundled libvips has no HEVC decoder.", e);
        }
    }
}
