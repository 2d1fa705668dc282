using System.Diagnostics;
using System.Text.Json.Serialization;

namespace PhotoApi.Api.Infrastructure.Errors;

/// <summary>The one error body of the API: RFC 9457 problem details plus a stable <c>code</c>.</summary>
public sealed class ApiProblem
{
    public const string ContentType = "application/problem+json";

    public string Type { get; init; } = "about:blank";
    public required string Title { get; init; }
    public required int Status { get; init; }
    public string? Detail { get; init; }
    public string? Instance { get; init; }
    public required string Code { get; init; }
    public string? TraceId { get; init; }

    /// <summary>Validation errors by request field (camelCase): the messages for each.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string[]>? Errors { get; init; }

    public static ApiProblem Create(HttpContext ctx, int status, string code, string? detail, Dictionary<string, string[]>? errors = null) =>
        Create(status, code, detail, ctx.Request.Path, Activity.Current?.Id ?? ctx.TraceIdentifier, errors);

    /// <summary>A problem without a request to describe (one the server refused before it became a request).</summary>
    public static ApiProblem Create(int status, string code, string? detail, string? instance = null, string? traceId = null,
        Dictionary<string, string[]>? errors = null) => new()
    {
        Type = $"https://photoapi.dev/problems/{code}",
        Title = TitleFor(status),
        Status = status,
        Detail = detail,
        Instance = instance,
        Code = code,
        TraceId = traceId,
        Errors = errors,
    };

    public static string TitleFor(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => status >= 500 ? "Internal Server Error" : "Error",
    };

    public Task WriteAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = Status;
        return ctx.Response.WriteAsJsonAsync(this, ProblemJson.Options, ContentType, ctx.RequestAborted);
    }
}

internal static class ProblemJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web);
}

/// <summary>
/// Thrown by handlers to end a request with a problem answer. The exception handler turns it into problem+json;
/// nothing has been written yet when it is thrown, and transactions roll back with the stack.
/// </summary>
public sealed class ApiException(int status, string code, string detail, Dictionary<string, string[]>? errors = null) : Exception(detail)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public Dictionary<string, string[]>? Errors { get; } = errors;
    public TimeSpan? RetryAfter { get; init; }

    public static ApiException NotFound(string what = "The resource") =>
        new(StatusCodes.Status404NotFound, Contracts.ErrorCodes.NotFound, $"{what} was not found.");

    public static ApiException Validation(string field, string message) =>
        new(StatusCodes.Status400BadRequest, Contracts.ErrorCodes.ValidationFailed, "One or more fields are invalid.",
            new Dictionary<string, string[]> { [field] = [message] });
}
