using System.Reflection;
using System.Text.RegularExpressions;
using FastEndpoints;
using PhotoApi.Api.Access;

namespace PhotoApi.UnitTests.Access;

/// <summary>
/// Every operation has a rule and every endpoint says how it is guarded: the access policy stays the one place that
/// decides, and a new endpoint or permission cannot slip in without a rule.
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
    public void Every_endpoint_declares_how_it_is_guarded()
    {
        Assert.True(Endpoints.Length > 50, $"Only {Endpoints.Length} endpoints found: the scan is broken.");
        var undeclared = Endpoints.Where(t => t.GetCustomAttribute<AccessAttribute>() is null).Select(t => t.Name).ToList();
        Assert.True(undeclared.Count == 0, $"Endpoints without [Access]: {string.Join(", ", undeclared)}");
    }

    [Fact]
    public void Every_permission_is_asked_by_some_endpoint_and_every_named_one_has_a_rule()
    {
        var named = Endpoints.SelectMany(t => t.GetCustomAttribute<AccessAttribute>()?.Permissions ?? []).ToHashSet();
        var unruled = named.Where(p => !AccessPolicy.Ruled.Contains(p)).ToList();
        Assert.True(unruled.Count == 0, $"Endpoints name permissions without a rule: {string.Join(", ", unruled)}");
        var unused = Enum.GetValues<Permission>().Where(p => !named.Contains(p)).ToList();
        Assert.True(unused.Count == 0, $"Permissions no endpoint asks for (dead rules): {string.Join(", ", unused)}");
    }

    [Fact]
    public void Admin_guest_and_anonymous_declarations_match_how_the_routes_are_set_up()
    {
        foreach (var type in Endpoints)
        {
            var access = type.GetCustomAttribute<AccessAttribute>()!;
            var source = EndpointSource(type);
            var anonymous = source.Contains("AllowAnonymous()", StringComparison.Ordinal);
            switch (access.Scope)
            {
                case AccessScope.Admin:
                    Assert.True(source.Contains("UserRoles.Admin", StringComparison.Ordinal), $"{type.Name} is declared Admin but does not require the admin role.");
                    break;
                case AccessScope.Anonymous:
                    Assert.True(anonymous, $"{type.Name} is declared Anonymous but does not allow anonymous callers.");
                    Assert.Matches("Features\\.(Auth|Health)$", type.Namespace);
                    break;
                case AccessScope.Guest:
                    // Link guests have no account: the route is anonymous and the link key, resolved by GuestLinks, decides.
                    Assert.True(anonymous, $"{type.Name} is declared Guest but does not allow anonymous callers.");
                    Assert.True(source.Contains("links.", StringComparison.Ordinal), $"{type.Name} is declared Guest but never asks GuestLinks.");
                    Assert.Matches("Features\\.Public\\w+$", type.Namespace);
                    break;
                default:
                    // Anonymous routes that are not service/sign-in routes must check a permission themselves (signed media URLs).
                    if (anonymous) Assert.True(access.Scope == AccessScope.Policy, $"{type.Name} allows anonymous callers but asks the policy nothing.");
                    break;
            }
        }
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
