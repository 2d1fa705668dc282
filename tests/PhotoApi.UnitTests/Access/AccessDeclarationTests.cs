using System.Reflection;
using System.Text.RegularExpressions;
using FastEndpoints;
using PhotoApi.Api.Access;

namespace PhotoApi.UnitTests.Access;

/// <summary>
/// Every operation has a rule, and no handler asks the policy for a permission its endpoint does not declare. (How each
/// served endpoint is guarded is checked from the running app's metadata: EndpointDeclarationTests.)
/// </summary>
public sealed partial class AccessDeclarationTests
{
    private static readonly Type[] Endpoints = typeof(AccessPolicy).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(BaseEndpoint).IsAssignableFrom(t))
        .OrderBy(t => t.FullName)
        .ToArray();

    [Fact]
    public void Every_permission_has_a_rule()
    {
        var missing = Enum.GetValues<Permission>().Where(p => !AccessPolicy.Ruled.Contains(p)).ToList();
        Assert.True(missing.Count == 0, $"Permissions without a rule in AccessPolicy: {string.Join(", ", missing)}");
    }

    [Fact]
    public void An_endpoint_asks_for_no_permission_it_does_not_declare()
    {
        foreach (var type in Endpoints)
        {
            var declared = type.GetCustomAttribute<AccessAttribute>()!.Permissions.ToHashSet();
            var asked = PermissionUse().Matches(EndpointSource(type)).Select(m => Enum.Parse<Permission>(m.Groups[1].Value)).ToHashSet();
            var undeclared = asked.Except(declared).ToList();
            Assert.True(undeclared.Count == 0, $"{type.Name} asks for {string.Join(", ", undeclared)} without declaring it in [Access].");
        }
    }

    /// <summary>The source text of one endpoint class, from its declaration to the next top-level type.</summary>
    private static string EndpointSource(Type type)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "PhotoApi.sln"))) root = root.Parent;
        Assert.NotNull(root);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root.FullName, "api", "PhotoApi.Api", "Features"), "*.cs", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            var start = text.IndexOf($"public sealed class {type.Name}", StringComparison.Ordinal);
            if (start < 0) continue;
            var next = NextTopLevelType().Match(text, start + 1);
            return text[start..(next.Success ? next.Index : text.Length)];
        }
        Assert.Fail($"No source for {type.Name}.");
        return "";
    }

    [GeneratedRegex(@"Permission\.(\w+)")]
    private static partial Regex PermissionUse();

    [GeneratedRegex(@"\n(///[^\n]*\n)*(\[[^\n]*\]\n)*public (sealed |static )?(class|record|interface)")]
    private static partial Regex NextTopLevelType();
}
