namespace PhotoApi.Api.Access;

/// <summary>
/// Every operation on a resource that the access policy rules on. The Shared Space folder roles (README) map onto
/// these one to one; album roles (Viewer, Downloader, Provider) map onto the asset and album ones.
/// </summary>
public enum Permission
{
    AssetView,
    AssetDownload,
    /// <summary>Edit date/time, rating, tags, description.</summary>
    AssetEdit,
    /// <summary>Move to trash, restore, purge.</summary>
    AssetDelete,
    AssetMove,
    AssetCopy,

    FolderView,
    /// <summary>Upload files into the folder.</summary>
    FolderUpload,
    /// <summary>Create a subfolder in the folder.</summary>
    FolderCreate,
    /// <summary>Create a photo request whose files go into the folder (and keep it collecting).</summary>
    FolderPhotoRequest,
    FolderRename,
    FolderCover,
    FolderDelete,
    FolderMove,
    FolderCopy,
    /// <summary>Read and set a Shared Space folder's permission entries (admins).</summary>
    FolderManagePermissions,

    /// <summary>Put the asset in an album or a selection share: the caller's own assets (and Shared Space ones they reach).</summary>
    AssetShare,

    AlbumView,
    /// <summary>Download the album's files (as an archive or one by one).</summary>
    AlbumDownload,
    /// <summary>Add assets (manual and selection albums only).</summary>
    AlbumAddAssets,
    /// <summary>Remove entries; ids are asset ids within one album: the owner removes any, a Provider only their own.</summary>
    AlbumRemoveAssets,
    /// <summary>Rename, describe, cover, sort order, conditions.</summary>
    AlbumEdit,
    AlbumDelete,
    /// <summary>Share the album (create its share).</summary>
    AlbumShare,

    /// <summary>Read and change a share's settings, invitees and key; delete it.</summary>
    ShareManage,

    /// <summary>Browse a partner's library; ids are the ids of the users who share it.</summary>
    PartnerLibraryView,

    /// <summary>Read and change a photo request, list what guests sent to it; delete it.</summary>
    PhotoRequestManage,
}

/// <summary>Who is asking. Built from the authenticated request; guests come with the links issue.</summary>
public sealed record Principal(Guid UserId, bool IsAdmin)
{
    public static Principal Of(System.Security.Claims.ClaimsPrincipal user) =>
        new(Infrastructure.Auth.ClaimsPrincipalExtensions.UserId(user), user.IsInRole(Infrastructure.Auth.UserRoles.Admin));
}
