namespace PhotoApi.Api.Access;

/// <summary>The request of a media route that takes signed URLs: which variant of the asset it reads, and the signature.</summary>
public interface ISignedMediaRequest
{
    /// <summary>Expiry of the signed URL (unix seconds).</summary>
    long? Exp { get; }

    string? Sig { get; }

    /// <summary>What the signature must cover: <c>original</c>, <c>thumbnail</c> or <c>preview</c>.</summary>
    string SignedVariant { get; }
}
