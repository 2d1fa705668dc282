using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using PhotoApi.Workers.Imaging;
using PhotoApi.Workers.Video;

// PhotoApi.VideoBench posters OUT_DIR FILE...     probe + poster frame + thumbnail/preview of each FILE, as ProcessAssetJob does
// PhotoApi.VideoBench transcode OUT_FILE FILE ARGS_FILE
//                                                 probe + the playback copy of FILE, as VideoPlaybackJob does; writes the
//                                                 ffmpeg arguments it used to ARGS_FILE (one a line) for the run by hand
// Each prints one line per file and a RESULT line that bench/videos.sh reads. The first poster file is done once before
// timing (JIT, libvips start-up: a worker is a long-running process).

if (args.Length < 3 || args[0] is not ("posters" or "transcode"))
{
    Console.Error.WriteLine("usage: PhotoApi.VideoBench posters OUT_DIR FILE... | transcode OUT_FILE FILE ARGS_FILE");
    return 2;
}
var ffmpeg = new FfmpegRunner(Options.Create(new VideoOptions()));
var probe = new VideoProbe(ffmpeg);
var inv = CultureInfo.InvariantCulture;

if (args[0] == "transcode")
{
    var (output, input, argsFile) = (args[1], args[2], args[3]);
    var clock = Stopwatch.StartNew();
    var info = await probe.ProbeAsync(input, CancellationToken.None);
    await new PlaybackTranscoder(ffmpeg).WriteAsync(input, info, output, CancellationToken.None);
    clock.Stop();
    File.WriteAllLines(argsFile, PlaybackTranscoder.Arguments(input, output, info, ffmpeg.Options));
    Console.WriteLine(string.Create(inv, $"RESULT seconds={clock.Elapsed.TotalSeconds:0.000} duration={info.DurationSeconds:0.000}"));
    return 0;
}

var dir = args[1];
Directory.CreateDirectory(dir);
var images = new VipsImageProcessor(Options.Create(new ImagingOptions()));
var poster = new VideoPoster(ffmpeg);

async Task<VideoInfo> PosterAsync(string file)
{
    var stem = Path.Combine(dir, Path.GetFileNameWithoutExtension(file));
    var info = await probe.ProbeAsync(file, CancellationToken.None);
    await poster.WriteAsync(file, info, stem + ".png", CancellationToken.None);
    images.MakeDerivatives(stem + ".png", stem + ".ours.webp", stem + ".ours.jpg");
    return info;
}

var files = args[2..];
await PosterAsync(files[0]);
var total = Stopwatch.StartNew();
foreach (var file in files)
{
    var started = total.Elapsed;
    var info = await PosterAsync(file);
    Console.WriteLine(string.Create(inv, $"{Path.GetFileName(file)}: {info.VideoCodec} {info.Width}x{info.Height} {info.DurationSeconds:0.0} s in {(total.Elapsed - started).TotalMilliseconds:0} ms"));
}
total.Stop();
Console.WriteLine(string.Create(inv, $"RESULT videos={files.Length} seconds={total.Elapsed.TotalSeconds:0.000}"));
return 0;
