namespace PhotoApi.Api.Access;

/// <summary>A share as its link lets a guest use it.</summary>
public sealed record ShareLink(Guid Id, Guid OwnerId, bool OwnerIsAdmin, string OwnerDisplayName, string TargetType, Guid? AlbumId, Guid? FolderId, bool ApplyToSubfolders,
    string AlbumKind, string Title, string Description,
    string Privacy, string? PasswordHash, byte[] LinkKeyHash, DateTime? ExpiresAt, bool AllowDownload, bool AllowUpload, bool ShowMetadata, long LinkVersion)
{
    public bool PasswordRequired => PasswordHash is not null;
}

/// <summary>A photo request as its link lets a guest use it.</summary>
public sealed record PhotoRequestLink(Guid Id, Guid OwnerId, bool OwnerIsAdmin, string OwnerDisplayName, string Subject, string Description,
    Guid? FolderId, Guid? AlbumId, int? MaxFileSizeMb, DateTime? ExpiresAt, bool Enabled);
