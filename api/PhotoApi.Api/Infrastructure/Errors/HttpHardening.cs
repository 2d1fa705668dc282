namespace PhotoApi.Api.Infrastructure.Errors;

/// <summary>What every response carries, whatever answers it.</summary>
public static class HttpHardening
{
    /// <summary>
    /// <c>X-Content-Type-Options: nosniff</c> on every response: a browser takes each type as sent and never guesses a
    /// script or a page from bytes (originals are files users and guests uploaded). Set as the response starts, so the
    /// exception handler clearing the headers of a failed request does not drop it. And the request is marked in progress on
    /// its connection (see <see cref="RejectedRequests"/>).
    /// </summary>
    public static void UseHttpHardening(this WebApplication app) => app.Use((ctx, next) =>
    {
        RejectedRequests.Track(ctx);
        ctx.Response.OnStarting(() =>
        {
            ctx.Response.Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        });
        return next(ctx);
    });
}
