namespace PhotoApi.Api.Features.Common;

/// <summary>The request of an operation whose only input is the <c>{id}</c> in its path.</summary>
public sealed class IdRequest
{
    public Guid Id { get; set; }
}
