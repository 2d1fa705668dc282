namespace PhotoApi.Api.Access;

/// <summary>
/// Every operation on a resource that the access policy rules on. The Shared Space role table of PRODUCT.md maps onto
/// these one to one; album and share roles (next issues) map onto the asset ones.
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
    FolderRename,
    FolderCover,
    FolderDelete,
    FolderMove,
    FolderCopy,
}

/// <summary>Who is asking. Built from the authenticated request; guests come with the links issue.</summary>
public sealed record Principal(Guid UserId, bool IsAdmin)
{
    public static Principal Of(System.Security.Claims.ClaimsPrincipal user) =>
        new(Infrastructure.Auth.ClaimsPrincipalExtensions.UserId(user), user.IsInRole(Infrastructure.Auth.UserRoles.Admin));
}
