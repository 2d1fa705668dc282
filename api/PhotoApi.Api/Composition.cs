using System.Text.Json;
using System.Text.Json.Serialization;
using FastEndpoints;
using Microsoft.AspNetCore.Authentication;
using PhotoApi.Api.Features.Auth;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Hosting;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Api.Infrastructure.Telemetry;
using PhotoApi.Api.Infrastructure.Web;
using PhotoApi.Persistence;

namespace PhotoApi.Api;

/// <summary>The API's composition: services and the request pipeline. Program.cs only calls these.</summary>
public static class Composition
{
    public const string CorsPolicy = "spa";

    public static void AddPhotoApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var config = builder.Configuration;

        // JSON endpoints take small bodies; upload routes lift the limit for themselves (see UseBodySizeLimits).
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = JsonBodyLimit(config);
            k.UseProblemRejections(); // requests Kestrel refuses itself (a %00 in the path…) get problem+json too
        });

        services.AddPhotoApiDatabase(config);
        services.Configure<PasswordOptions>(config.GetSection("Passwords"));
        services.Configure<ThrottlingOptions>(config.GetSection("Throttling"));
        services.Configure<TokenOptions>(config.GetSection("Tokens"));
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<Throttle>();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<IJobQueue, HangfireJobQueue>();
        services.AddSingleton<Access.AccessPolicy>();
        services.AddSingleton<Infrastructure.Data.ListQueries>();
        services.AddHostedService<Infrastructure.Data.ListQueryLog>(); // Diagnostics:ListQueryLog, a benchmarking aid; off by default
        services.AddSingleton<Access.GuestLinks>();
        services.AddSingleton<Access.ArchiveLinks>();
        services.AddSingleton<Features.PublicShares.PublicShareArchive>();
        services.AddSingleton<Features.Exports.ExportArchive>();
        services.AddSingleton<Features.Assets.MediaSigner>();
        services.AddSingleton<Features.Assets.AssetViews>();
        services.AddSingleton<Features.Assets.AssetIngest>();
        services.AddSingleton<Features.Accounts.AccountDeletion>();
        services.AddSingleton<Features.PublicShares.ShareUploadStore>();
        services.AddSingleton<Features.PublicRequests.RequestUploadStore>();
        services.Configure<Features.Resumable.ResumableOptions>(config.GetSection("Uploads:Resumable"));
        services.AddSingleton<Features.Resumable.TusUploads>();

        services.AddAuthentication(PhotoApiAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, PhotoApiAuthenticationHandler>(PhotoApiAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policies.InteractiveSession, p => p.RequireAuthenticatedUser().RequireClaim(Claims.Method, AuthMethods.Session))
            .AddPolicy(Policies.PhotoLibrary, p => p.RequireAuthenticatedUser().RequireClaim(Claims.PhotoLibrary, "true"));

        builder.AddNodeSetup();      // forwarded headers from the named proxies, drain and shutdown timeouts (Infrastructure/Hosting)
        builder.AddApiTelemetry();   // OpenTelemetry metrics (/metrics) and, with an OTLP endpoint, traces (Infrastructure/Telemetry)

        var origins = config.GetSection("Cors:Origins").Get<string[]>() ?? [];
        services.AddCors(o => o.AddPolicy(CorsPolicy, p => p.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod()
            .WithExposedHeaders(["ETag", "Content-Range", "Accept-Ranges", "Content-Disposition", "Retry-After", .. Features.Resumable.Tus.ExposedHeaders])));

        services.AddFastEndpoints(o => o.IncludeAbstractValidators = false);
    }

    public static void UsePhotoApi(this WebApplication app)
    {
        app.LogNodeSetup();
        app.UseSocketPeer(); // the connection's own peer, before a forwarded header replaces it: who may scrape /metrics
        app.UseHttpHardening();
        if (app.Configuration.GetValue<bool>("ForwardedHeaders:Enabled")) app.UseForwardedHeaders();
        app.UsePhotoApiErrors();
        app.UseMetricsEndpoint();
        app.UseDocsHeaders(); // /docs: a CSP of its own (it shares the app's origin)
        app.UseWebAppFiles(); // the web app's build (clients/web), on every path that is not the API's
        app.UseRouting();
        Features.Resumable.TusHeaders.UseTusHeaders(app); // tus routes: Tus-Resumable on every answer, 412 for other versions
        app.UseBodySizeLimits(JsonBodyLimit(app.Configuration));
        app.UseCors(CorsPolicy);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseWebAppFallback(); // /s/{key}, /r/{key}, /albums/… : the app's index.html, routed in the browser
        app.UseFastEndpoints(c =>
        {
            c.Endpoints.Configurator = ep =>
            {
                // Fail closed: an endpoint that does not say how it is guarded does not start. The declaration becomes
                // endpoint metadata, which the access stage enforces before the handler and the tests read.
                if (ep.EndpointType.GetCustomAttributes(typeof(Access.AccessAttribute), false) is not [Access.AccessAttribute access])
                    throw new InvalidOperationException($"{ep.EndpointType.Name} has no [Access] declaration.");
                if (access.On is not null && access.Scope != Access.AccessScope.Policy)
                    throw new InvalidOperationException($"{ep.EndpointType.Name} names a route id but asks the policy nothing.");
                ep.Metadata(access);
                ep.PreProcessors(Order.Before, new Access.AccessStage());
                ep.PreProcessors(Order.Before, new Access.LinkStage());
                // The photo-library privilege, failing closed: every signed-in route needs it unless it is declared as an
                // account/directory route. Anonymous routes that ask the policy (signed media URLs) check it themselves.
                if (access.Scope is Access.AccessScope.Policy or Access.AccessScope.Caller && ep.AnonymousVerbs is not { Length: > 0 })
                    ep.Policies(Policies.PhotoLibrary);
            };
            c.Endpoints.RoutePrefix = Features.Common.ApiRoutes.Prefix;
            c.Errors.ResponseBuilder = ErrorHandling.BuildValidationProblem;
            c.Errors.ContentType = ApiProblem.ContentType;
            c.Errors.ProducesMetadataType = typeof(ApiProblem);
            c.Serializer.Options.NumberHandling = JsonNumberHandling.Strict;
            c.Serializer.Options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            c.Serializer.Options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            c.Binding.Modifier = Features.Common.InputHygiene.Check; // no NUL in text, no null in lists, on every operation
        });

        // The contract, served exactly as written, and the interactive docs reading it.
        var contractPath = Path.Combine(AppContext.BaseDirectory, "openapi.yaml");
        // Scalar's page resolves the document relative to /docs/, so the contract is served there too.
        foreach (var route in new[] { "/openapi.yaml", "/docs/openapi.yaml" })
            app.MapGet(route, () => Results.File(contractPath, "application/yaml")).AllowAnonymous().ExcludeFromDescription();
        app.MapDocsEndpoint();
    }

    private static long JsonBodyLimit(IConfiguration config) => config.GetValue<long?>("Limits:MaxJsonBodyBytes") ?? 1024 * 1024;

    public static async Task MigrateDatabaseAsync(this WebApplication app) =>
        await app.Services.GetRequiredService<Migrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
}
