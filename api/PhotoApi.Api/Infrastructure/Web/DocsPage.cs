using Scalar.AspNetCore;

namespace PhotoApi.Api.Infrastructure.Web;

/// <summary>
/// The interactive docs (<c>/docs</c>, Scalar, served from this process by Scalar.AspNetCore): on the web app's origin,
/// where the app keeps its tokens in <c>localStorage</c>, so the page runs under a Content-Security-Policy of its own.
/// Scalar needs its inline bootstrap script (allowed by a fresh nonce per response, <see cref="ScalarOptionsExtensions.WithNonce(ScalarOptions)"/>)
/// and the styles it injects at run time (<c>'unsafe-inline'</c> styles: no script); it loads nothing from other origins
/// (no CDN fonts, no telemetry, no agent) and calls only this server (the contract, and "Try it").
/// </summary>
public static class DocsPage
{
    public const string Path = "/docs";

    public static string ContentSecurityPolicy(string nonce) =>
        $"default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Scalar at <see cref="Path"/>, self-contained.</summary>
    public static void UseDocsHeaders(this WebApplication app)
    {
        // Before the endpoint writes: the nonce is in HttpContext.Items once Scalar has rendered the page.
        app.Use((ctx, next) =>
        {
            if (ctx.Request.Path.StartsWithSegments(Path))
                ctx.Response.OnStarting(() =>
                {
                    var headers = ctx.Response.Headers;
                    var nonce = ctx.Items[ScalarOptions.NonceHttpContextItemKey] as string;
                    // The page: Scalar's nonce; its scripts and the contract: no inline code at all.
                    headers.ContentSecurityPolicy = nonce is null
                        ? "default-src 'none'; frame-ancestors 'none'"
                        : ContentSecurityPolicy(nonce);
                    headers["Referrer-Policy"] = "no-referrer";
                    headers.XFrameOptions = "DENY";
                    return Task.CompletedTask;
                });
            return next(ctx);
        });
    }

    public static void MapDocsEndpoint(this WebApplication app) =>
        app.MapScalarApiReference(Path, o => o
                .WithTitle("PhotoApi")
                .AddDocument("v1", "PhotoApi v1", "/openapi.yaml")
                .WithNonce()
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp())
            .AllowAnonymous();
}
