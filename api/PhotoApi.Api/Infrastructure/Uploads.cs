using Microsoft.AspNetCore.Http.Metadata;

namespace PhotoApi.Api.Infrastructure.Uploads;

/// <summary>Lifts the JSON body limit for an upload route (read by the body-size middleware).</summary>
public sealed class UploadSizeLimit(long? max) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = max;
}

/// <summary>
/// Marks an endpoint whose body is multipart/form-data, described by a form type. The endpoint streams the parts itself;
/// the contract test compares the form type with openapi.yaml, and a non-multipart body is answered with upload.not_multipart.
/// </summary>
public sealed record MultipartForm(Type FormType);
