using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace PhotoApi.Api.Infrastructure.Web;

/// <summary>
/// Serves the web app (the static build of <c>clients/web</c>) from <c>WebApp:Root</c>, by default the
/// <c>wwwroot</c> folder next to the API (where <c>dotnet publish</c> puts it). Every path outside the API's own
/// (<c>/api/</c>, <c>/health/</c>, <c>/docs</c>, <c>/openapi.yaml</c>) is the app's: a file of the build, else — for a
/// path that does not name a file, such as <c>/s/{key}</c> — <c>index.html</c>, whose script routes it in the browser.
/// File names of the build carry a hash of their content, so they are cached for good; <c>index.html</c> is revalidated
/// each time and carries the Content-Security-Policy that keeps everything but the app's own files out.
/// </summary>
public static class WebApp
{
    /// <summary>
    /// Only the app's own files run or style the page; pictures may also be <c>blob:</c> (previews of files being
    /// uploaded) and <c>data:</c>; nothing may frame the page, and forms post only here.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
        "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private const string Index = "index.html";
    private const string HashedFolder = "/assets";

    /// <summary>The folder of the build, or null when there is none (an API-only deployment).</summary>
    public static string? Root(IConfiguration config)
    {
        var root = config["WebApp:Root"] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return File.Exists(Path.Combine(root, Index)) ? root : null;
    }

    /// <summary>Paths the API answers itself; the app never shadows them, not even their 404s.</summary>
    public static bool IsApiPath(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/health") || path.StartsWithSegments("/docs") ||
        path.StartsWithSegments("/openapi.yaml");

    /// <summary>The build's files, before routing (so a file never reaches an endpoint).</summary>
    public static void UseWebAppFiles(this WebApplication app)
    {
        if (Root(app.Configuration) is not { } root)
        {
            app.Logger.LogInformation("No web app build (WebApp:Root or wwwroot/index.html): serving the API only");
            if (string.IsNullOrWhiteSpace(app.Configuration["PublicUrl"]))
                app.Logger.LogWarning(
                    "PublicUrl is not set and this server has no web app build: the url of share links ({SharePage}) and photo requests " +
                    "({RequestPage}) points at pages this server does not serve (404). Set PublicUrl to the origin of the web app that serves them.",
                    "/s/{key}", "/r/{key}");
            return;
        }
        var files = new PhysicalFileProvider(root);
        var options = new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
            OnPrepareResponse = ctx => SetHeaders(ctx.Context, ctx.File.Name),
        };
        app.UseWhen(ctx => !IsApiPath(ctx.Request.Path), branch => branch.UseStaticFiles(options));
    }

    /// <summary>
    /// After routing: the app's <c>index.html</c> for a request that no file and no endpoint answered, when it is a GET or
    /// HEAD of an app path (outside the API's own), not under <c>/assets/</c> (the build's hashed files: a missing one is a
    /// 404, never a page), and whose last segment has no dot (it does not name a file: <c>/s/k/x.jpg</c> stays a 404).
    /// </summary>
    public static void UseWebAppFallback(this WebApplication app)
    {
        if (Root(app.Configuration) is not { } root) return;
        var index = Path.Combine(root, Index);
        app.Use((ctx, next) =>
        {
            if (ctx.GetEndpoint() is not null || !IsFallbackPath(ctx.Request.Method, ctx.Request.Path)) return next(ctx);
            ctx.Response.ContentType = "text/html; charset=utf-8";
            SetHeaders(ctx, Index);
            if (HttpMethods.IsHead(ctx.Request.Method))
            {
                ctx.Response.ContentLength = new FileInfo(index).Length;
                return Task.CompletedTask;
            }
            return ctx.Response.SendFileAsync(index, ctx.RequestAborted);
        });
    }

    /// <summary>Whether <c>index.html</c> answers this request when nothing else did (see <see cref="UseWebAppFallback"/>).</summary>
    public static bool IsFallbackPath(string method, PathString path)
    {
        if (!(HttpMethods.IsGet(method) || HttpMethods.IsHead(method)) || IsApiPath(path) || path.StartsWithSegments(HashedFolder)) return false;
        var value = path.Value ?? "/";
        return !value[(value.LastIndexOf('/') + 1)..].Contains('.');
    }

    /// <summary>
    /// Headers follow what is served, not the path it was asked by: a page (<c>index.html</c>, any <c>.html</c>) is
    /// revalidated each time and carries the CSP, no-referrer and DENY; a file of <c>/assets/</c> is cached for good; any
    /// other file of the build is revalidated.
    /// </summary>
    private static void SetHeaders(HttpContext ctx, string fileName)
    {
        var headers = ctx.Response.Headers;
        if (fileName.EndsWith(".html", StringComparison.OrdinalIgnoreCase))
        {
            headers.CacheControl = "no-cache";
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            // Page addresses carry link keys: never send them on as a Referer.
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            return;
        }
        headers.CacheControl = ctx.Request.Path.StartsWithSegments(HashedFolder) ? "public, max-age=31536000, immutable" : "no-cache";
    }
}
