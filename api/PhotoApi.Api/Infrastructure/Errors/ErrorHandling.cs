using FluentValidation.Results;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Infrastructure.Errors;

/// <summary>Every way a request can fail ends here and leaves as problem+json with a stable code.</summary>
public static class ErrorHandling
{
    /// <summary>FastEndpoints' validation and binding failures.</summary>
    public static object BuildValidationProblem(List<ValidationFailure> failures, HttpContext ctx, int status)
    {
        // FastEndpoints reports JSON it cannot read (syntax, wrong types, unknown members) under "serializerErrors".
        var malformed = failures.Any(f => string.Equals(f.PropertyName, "serializerErrors", StringComparison.OrdinalIgnoreCase));
        var errors = failures
            .GroupBy(f => CamelCasePath(f.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());
        return malformed
            ? ApiProblem.Create(ctx, 400, ErrorCodes.MalformedRequest, "The request body is not valid JSON for this operation.", errors)
            : ApiProblem.Create(ctx, status, ErrorCodes.ValidationFailed, "One or more fields are invalid.", errors);
    }

    public static void UsePhotoApiErrors(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Problems the API meant to answer are not errors worth a stack trace in the log, nor is a database that did
            // not answer for a moment (one line each, below: a restart would log hundreds of stack traces); everything else is.
            SuppressDiagnosticsCallback = c => c.Exception is ApiException || DatabaseOutage(c.Exception),
            ExceptionHandler = async ctx =>
            {
                var failure = ctx.Features.Get<IExceptionHandlerFeature>();
                var exception = failure?.Error;
                var (problem, retryAfter) = Describe(exception, ctx);
                if (problem is null) return; // the client went away; nobody to answer
                if (DatabaseOutage(exception))
                    ctx.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorHandling).FullName!)
                        .LogWarning("{Method} {Route}: 503, the database did not answer ({Reason})", ctx.Request.Method,
                            // The route's template, not the path: paths carry link keys.
                            (failure?.Endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "?",
                            (exception as Npgsql.PostgresException)?.SqlState ?? exception!.GetBaseException().Message);
                if (retryAfter is { } retry)
                    ctx.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await problem.WriteAsync(ctx);
            },
        });

        // Answers that carry a status but no body (routing 404/405, auth 401/403, 415 ...) get a problem body too.
        app.UseStatusCodePages(async statusCtx =>
        {
            var ctx = statusCtx.HttpContext;
            var status = ctx.Response.StatusCode;
            var (code, detail) = status switch
            {
                401 => (ErrorCodes.Unauthenticated, "Sign in: send a valid access token (Authorization: Bearer) or API key (X-Api-Key)."),
                403 when IsApiKeyOnSessionOperation(ctx) => (ErrorCodes.SessionRequired,
                    "API keys cannot manage credentials (passwords, two-step verification, API keys). Sign in instead."),
                403 when ctx.User.FindFirst(Claims.PhotoLibrary)?.Value == "false" && RequiresPolicy(ctx, Policies.PhotoLibrary) =>
                    (ErrorCodes.PhotoLibraryDenied, "An administrator has not given you access to the photo library."),
                403 => (ErrorCodes.Forbidden, "You are not allowed to do this."),
                404 => (ErrorCodes.NotFound, "Nothing is here."),
                405 => (ErrorCodes.MethodNotAllowed, "This method is not allowed here."),
                413 => (ErrorCodes.RequestTooLarge, "The request body is too large."),
                // Routing refuses a Content-Type the operation does not accept before any endpoint runs.
                415 => (ErrorCodes.UnsupportedMediaType,
                    "This operation does not accept this Content-Type: JSON operations take application/json, uploads multipart/form-data."),
                >= 500 => (ErrorCodes.Internal, "An unexpected error occurred."),
                _ => (ErrorCodes.MalformedRequest, "The request could not be processed."),
            };
            await ApiProblem.Create(ctx, status, code, detail).WriteAsync(ctx);
        });
    }

    /// <summary>How long a client should wait before trying again when the database did not answer (a restart, a failover).</summary>
    public static readonly TimeSpan DatabaseRetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The answer to a request that threw <paramref name="exception"/>, and when to try again; null problem when the client
    /// went away. A database that does not answer (refused or dropped connections, a restart or failover, an exhausted pool,
    /// a serialization failure) is the instance being unavailable for a moment, not an error in the request or the server:
    /// 503 <c>server.unavailable</c> with Retry-After, so clients and balancers retry instead of reporting a bug.
    /// </summary>
    public static (ApiProblem? Problem, TimeSpan? RetryAfter) Describe(Exception? exception, HttpContext ctx) => exception switch
    {
        ApiException api => (ApiProblem.Create(ctx, api.Status, api.Code, api.Message, api.Errors), api.RetryAfter),
        BadHttpRequestException { StatusCode: 413 } => (ApiProblem.Create(ctx, 413, ErrorCodes.RequestTooLarge, "The request body is too large."), null),
        BadHttpRequestException bad => (ApiProblem.Create(ctx, bad.StatusCode, ErrorCodes.MalformedRequest, "The request could not be read."), null),
        OperationCanceledException when ctx.RequestAborted.IsCancellationRequested => (null, null),
        _ when DatabaseUnavailable(exception) =>
            (ApiProblem.Create(ctx, 503, ErrorCodes.Unavailable, "The database did not answer. Try again shortly."),
                DatabaseRetryAfter),
        _ => (ApiProblem.Create(ctx, 500, ErrorCodes.Internal, "An unexpected error occurred. It has been logged with the trace id."), null),
    };

    // Npgsql calls transient what a retry may cure (I/O and timeouts, too many connections, serialization failures); an
    // administrator's shutdown or a server still starting (57P01-57P03) is the database restarting.
    private static bool DatabaseUnavailable(Exception? e) =>
        e is Npgsql.NpgsqlException { IsTransient: true } or Npgsql.PostgresException { SqlState: "57P01" or "57P02" or "57P03" }
        || e?.InnerException is Npgsql.NpgsqlException { IsTransient: true };

    // The database unavailable, logged in one line: a serialization failure or a deadlock is answered 503 too (a retry
    // may succeed), but it is contention between this application's own transactions, worth its stack trace in the log.
    private static bool DatabaseOutage(Exception? e) =>
        DatabaseUnavailable(e)
        && (e as Npgsql.PostgresException ?? e?.InnerException as Npgsql.PostgresException) is not { SqlState: "40001" or "40P01" };

    private static bool IsApiKeyOnSessionOperation(HttpContext ctx) =>
        ctx.User.FindFirst(Claims.Method)?.Value == AuthMethods.ApiKey && RequiresPolicy(ctx, Policies.InteractiveSession);

    private static bool RequiresPolicy(HttpContext ctx, string policy) =>
        ctx.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == policy) ?? false;

    /// <summary>
    /// The request body limit of the matched endpoint: the JSON default unless the endpoint carries
    /// <see cref="IRequestSizeLimitMetadata"/> (upload routes lift it for themselves and stream).
    /// </summary>
    public static void UseBodySizeLimits(this WebApplication app, long defaultLimit) => app.Use(async (ctx, next) =>
    {
        var limit = ctx.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } m ? m.MaxRequestBodySize : defaultLimit;
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
        // Refuse a declared oversize at once; Kestrel enforces the limit on bodies of unknown length while they stream.
        if (limit is not null && ctx.Request.ContentLength > limit)
            throw new ApiException(413, ErrorCodes.RequestTooLarge, $"The request body is larger than {limit} bytes.");
        await next(ctx);
    });

    private static string CamelCasePath(string propertyName) =>
        string.Join('.', propertyName.Split('.').Select(p => p.Length == 0 ? p : char.ToLowerInvariant(p[0]) + p[1..]));
}
