using PhotoApi.Api.Access;

namespace PhotoApi.UnitTests.Access;

/// <summary>
/// The access rules are composed in C# from shared fragments; what PostgreSQL runs for each permission is kept, expanded,
/// in <c>api/PhotoApi.Api/Access/rules/</c> so that a rule can be read (and reviewed in a diff) whole. This test writes
/// those files from the code and fails when the committed ones differ: run the tests, read the diff, commit it.
/// </summary>
public sealed class PolicySqlTests
{
    [Fact]
    public void The_expanded_rules_are_checked_in()
    {
        var folder = Path.Combine(RepositoryRoot(), "api", "PhotoApi.Api", "Access", "rules");
        Directory.CreateDirectory(folder);
        var expected = AccessPolicy.Ruled.ToDictionary(p => Path.Combine(folder, $"{p}.sql"), Render);
        var stale = new List<string>();
        foreach (var (path, text) in expected)
        {
            if (File.Exists(path) && File.ReadAllText(path) == text) continue;
            File.WriteAllText(path, text);
            stale.Add(Path.GetFileName(path));
        }
        foreach (var extra in Directory.GetFiles(folder, "*.sql").Where(f => !expected.ContainsKey(f)))
        {
            File.Delete(extra);
            stale.Add(Path.GetFileName(extra) + " (removed)");
        }
        Assert.True(stale.Count == 0, $"The expanded access rules changed; the files were rewritten, commit them: {string.Join(", ", stale)}");
    }

    private static string Render(Permission permission)
    {
        var lines = AccessPolicy.RuleSql(permission).Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd());
        return $"""
            -- {permission}: the ids among @ids that the principal (@userId, @isAdmin) may act on.
            -- Generated from AccessPolicy.cs by PolicySqlTests; do not edit by hand.

            {string.Join("\n", lines).Trim()};

            """;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PhotoApi.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("PhotoApi.sln not found above the test binaries.");
    }
}
