using PhotoApi.Persistence;

namespace PhotoApi.UnitTests.Downloads;

/// <summary>
/// Zip names are made twice for an export (by the worker, into library.json, and by the zip writer as it streams): a safe
/// name must be its own safe name, and a unique path must come out of the writer as the worker made it.
/// </summary>
public sealed class FileNameTests
{
    public static TheoryData<string> Names() =>
    [
        "photo.jpg", "  spaced  .jpg. . ", "CON.txt", "con", "a/b\\c:d.jpg", "invoice\u202Egpj.exe", "...", "",
        new string('x', 254) + ". .", new string('y', 300) + ".jpg", "é\u00A0.", "_" + new string('z', 260), "CON." + new string('e', 260),
    ];

    [Theory]
    [MemberData(nameof(Names))]
    public void A_safe_name_is_its_own_safe_name(string name)
    {
        var safe = FileNames.Safe(name);
        Assert.Equal(safe, FileNames.Safe(safe));
        Assert.InRange(safe.Length, 1, FileNames.MaxLength);
        Assert.DoesNotContain('/', safe);
    }

    [Fact]
    public void Paths_made_ahead_come_out_of_the_writer_unchanged()
    {
        var worker = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var names = new[] { "a.jpg", "A.JPG", "a.jpg", new string('n', 255), new string('n', 255), "b:c.jpg" };
        var paths = names.Select(n => FileNames.UniqueIn(worker, "Personal Space/Trips", n)).ToList();
        Assert.Equal(paths.Count, paths.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(paths, p => Assert.InRange(p.Split('/')[^1].Length, 1, FileNames.MaxLength));

        // The writer gets each path as folder and name, and may have left some out (deleted since).
        var writer = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths.Where((_, i) => i != 0))
        {
            var slash = path.LastIndexOf('/');
            Assert.Equal(path, FileNames.UniqueIn(writer, path[..slash], path[(slash + 1)..]));
        }
    }
}
