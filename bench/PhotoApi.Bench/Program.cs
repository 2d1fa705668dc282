using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using PhotoApi.Workers.Imaging;

// PhotoApi.Bench --out DIR [--parallel N] FILE...
// Makes the 250 px WebP thumbnail and the 1440 px JPEG preview of every FILE with the worker's VipsImageProcessor,
// exactly as the worker job does, and prints one line per file and a RESULT line that bench/thumbnails.sh reads.
// The first file is processed once before timing (JIT and libvips start-up, which a long-running worker pays once).

var files = new List<string>();
string? output = null;
var parallel = 1;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": output = args[++i]; break;
        case "--parallel": parallel = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: files.Add(args[i]); break;
    }
}
if (output is null || files.Count == 0 || parallel < 1)
{
    Console.Error.WriteLine("usage: PhotoApi.Bench --out DIR [--parallel N] FILE...");
    return 2;
}
Directory.CreateDirectory(output);

Console.WriteLine($"libvips {VipsStartupCheck.EnsureHeicWorks()}, {Environment.ProcessorCount} cores, {parallel} job(s) at a time");
var processor = new VipsImageProcessor(Options.Create(new ImagingOptions()));

ImageInfo Process(string file)
{
    var stem = Path.Combine(output, Path.GetFileNameWithoutExtension(file));
    return processor.MakeDerivatives(file, stem + ".ours.webp", stem + ".ours.jpg");
}

Process(files[0]);
var clock = Stopwatch.StartNew();
Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = parallel }, file =>
{
    var started = clock.Elapsed;
    var info = Process(file);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{Path.GetFileName(file)}: {info.Format} {info.Width}x{info.Height} in {(clock.Elapsed - started).TotalMilliseconds:0} ms"));
});
clock.Stop();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT images={files.Count} seconds={clock.Elapsed.TotalSeconds:0.000}"));
return 0;
