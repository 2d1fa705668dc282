using FastEndpoints;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// How every served endpoint is guarded, read from the running app's endpoint metadata (what the pipeline enforces),
/// not from source text: each has an access declaration, and the declaration agrees with how the route is set up.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class EndpointDeclarationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Served(string Route, Type Type, AccessAttribute? Access, EndpointDefinition Definition, bool Anonymous);

    private List<Served> Endpoints()
    {
        _ = api.Server;
        return api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (e, definition: e.Metadata.GetMetadata<EndpointDefinition>()))
            .Where(x => x.definition is not null)
            .Select(x => new Served(x.e.RoutePattern.RawText!, x.definition!.EndpointType, x.e.Metadata.GetMetadata<AccessAttribute>(), x.definition,
                x.e.Metadata.GetMetadata<IAllowAnonymous>() is not null))
            .ToList();
    }

    [Fact]
    public void Every_endpoint_carries_its_access_declaration_in_its_metadata()
    {
        var served = Endpoints();
        Assert.True(served.Count > 50, $"Only {served.Count} endpoints found: the scan is broken.");
        var undeclared = served.Where(s => s.Access is null).Select(s => s.Type.Name).ToList();
        Assert.True(undeclared.Count == 0, $"Endpoints without an access declaration: {string.Join(", ", undeclared)}");
    }

    [Fact]
    public void Declared_scopes_match_the_routes_authorization()
    {
        foreach (var s in Endpoints())
        {
            var access = s.Access!;
            var roles = s.Definition.AllowedRoles ?? [];
            switch (access.Scope)
            {
                case AccessScope.Admin:
                    Assert.True(roles.Contains(UserRoles.Admin), $"{s.Type.Name} ({s.Route}) is declared Admin but does not require the admin role.");
                    Assert.False(s.Anonymous, $"{s.Type.Name} is declared Admin but allows anonymous callers.");
                    break;
                case AccessScope.Anonymous:
                case AccessScope.Guest:
                    Assert.True(s.Anonymous, $"{s.Type.Name} ({s.Route}) is declared {access.Scope} but does not allow anonymous callers.");
                    break;
                case AccessScope.Caller:
                case AccessScope.SignedIn:
                    Assert.False(s.Anonymous, $"{s.Type.Name} ({s.Route}) acts for the caller but allows anonymous callers.");
                    break;
                default:
                    Assert.NotEmpty(access.Permissions);
                    break;
            }
        }
    }

    [Fact]
    public void Every_signed_in_route_but_the_account_ones_needs_the_photo_library_privilege()
    {
        foreach (var s in Endpoints().Where(s => !s.Anonymous))
        {
            var library = s.Definition.PreBuiltUserPolicies?.Contains(Policies.PhotoLibrary) == true;
            var expected = s.Access!.Scope is AccessScope.Policy or AccessScope.Caller;
            Assert.True(library == expected,
                $"{s.Type.Name} ({s.Route}, {s.Access.Scope}) {(library ? "needs" : "does not need")} the photo-library privilege.");
        }
    }

    [Fact]
    public void Every_declared_permission_has_a_rule_and_every_rule_is_declared_somewhere()
    {
        var served = Endpoints();
        var named = served.SelectMany(s => s.Access!.Permissions).ToHashSet();
        var unruled = named.Where(p => !AccessPolicy.Ruled.Contains(p)).ToList();
        Assert.True(unruled.Count == 0, $"Declared permissions without a rule: {string.Join(", ", unruled)}");
        var undeclared = Enum.GetValues<Permission>().Where(p => !named.Contains(p)).ToList();
        Assert.True(undeclared.Count == 0, $"Rules no endpoint declares (dead rules): {string.Join(", ", undeclared)}");
    }

    [Fact]
    public void Routes_that_take_signed_urls_are_anonymous_route_bound_media_reads()
    {
        var signed = Endpoints().Where(s => s.Access!.SignedUrls).ToList();
        Assert.Equal(["DownloadAssetEndpoint", "GetAssetPlaybackEndpoint", "GetAssetThumbnailEndpoint"], signed.Select(s => s.Type.Name).Order());
        foreach (var s in signed)
        {
            Assert.True(s.Anonymous && s.Access!.On is not null, $"{s.Type.Name} takes signed URLs, so it must be anonymous and name its asset id.");
            Assert.True(typeof(ISignedMediaRequest).IsAssignableFrom(s.Definition.ReqDtoType), $"{s.Type.Name}'s request does not say which variant it reads.");
        }
    }

    [Fact]
    public void Routes_reached_by_archive_links_are_anonymous_and_name_their_token_for_the_access_stage()
    {
        var linked = Endpoints().Where(s => s.Access!.ArchiveLink is not null).ToList();
        Assert.Equal(["DownloadArchiveLinkEndpoint"], linked.Select(s => s.Type.Name));
        foreach (var s in linked)
        {
            Assert.True(s.Anonymous, $"{s.Type.Name}: the link stands in for sign-in, so the route must allow anonymous callers.");
            Assert.True(s.Access!.Scope == AccessScope.Policy && s.Access.Permissions.Count > 0 && s.Access.On is null && !s.Access.SignedUrls,
                $"{s.Type.Name}: an archive link's route asks the policy, as the link's maker, for what it declares.");
            Assert.True(s.Route.Contains("{" + s.Access.ArchiveLink + "}", StringComparison.Ordinal),
                $"{s.Type.Name} declares its token in '{s.Access.ArchiveLink}', which is not a parameter of {s.Route}.");
        }
    }

    [Fact]
    public void Route_bound_declarations_name_a_parameter_of_their_route()
    {
        foreach (var s in Endpoints().Where(s => s.Access!.On is not null))
            Assert.True(s.Route.Contains("{" + s.Access!.On + "}", StringComparison.Ordinal),
                $"{s.Type.Name} declares its permission on '{s.Access.On}', which is not a parameter of {s.Route}.");
    }

    [Fact]
    public void Guest_routes_name_their_link_parameter_for_the_link_stage()
    {
        var guests = Endpoints().Where(s => s.Access!.Scope == AccessScope.Guest).ToList();
        Assert.True(guests.Count > 5, $"Only {guests.Count} guest endpoints found: the scan is broken.");
        foreach (var s in guests.Where(s => s.Type.Name != "UnlockPublicShareEndpoint")) // it takes a password: its own flow
        {
            Assert.True(s.Access!.Link is not null, $"{s.Type.Name} ({s.Route}) is a guest route but does not declare its link parameter.");
            Assert.True(s.Route.Contains("{" + s.Access.Link + "}", StringComparison.Ordinal),
                $"{s.Type.Name} declares its link key in '{s.Access.Link}', which is not a parameter of {s.Route}.");
        }
        var misplaced = Endpoints().Where(s => s.Access!.Link is not null && s.Access.Scope != AccessScope.Guest).Select(s => s.Type.Name).ToList();
        Assert.True(misplaced.Count == 0, $"Only guest routes name a link parameter: {string.Join(", ", misplaced)}");
    }
}
