using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Access;

/// <summary>The rule table: for each permission, the SQL returning the ids among <c>@ids</c> the principal may act on.</summary>
public sealed partial class AccessPolicy
{
    private const string AssetsFrom = "SELECT a.id FROM assets a LEFT JOIN folders f ON f.id = a.folder_id WHERE a.id = ANY(@ids)";

    private static string OwnAssetsSql(string operation) => $"{AssetsFrom} AND {OwnAsset(operation)}";

    private static string FoldersSql(string operation) => $"""
        SELECT f.id FROM folders f
        WHERE f.id = ANY(@ids)
          AND (f.space = 'personal' AND f.owner_id = @userId
               OR f.space = 'shared' AND {SharedSpaceAllows("f.id", "folder", operation)})
        """;

    private const string AlbumsFrom = "SELECT al.id FROM albums al WHERE al.id = ANY(@ids)";
    private const string OwnAlbumsSql = $"{AlbumsFrom} AND al.owner_id = @userId";

    /// <summary>
    /// Asset <c>a</c> (in folder <c>f</c>, left-joined on <c>a.folder_id</c>) is one the caller may view: the
    /// <see cref="Permission.AssetView"/> rule as a predicate, for list queries that apply access in the page query
    /// itself instead of filtering a page after its LIMIT. Parameters <c>@userId</c>, <c>@isAdmin</c>.
    /// </summary>
    public static string AssetViewable => $"({OwnAsset(FolderOperations.View)} OR {SharedAsset(AllRoles, FolderOperations.View)})";

    private static readonly Dictionary<Permission, string> Rules = new()
    {
        [Permission.AssetView] = $"{AssetsFrom} AND {AssetViewable}",
        [Permission.AssetDownload] = $"{AssetsFrom} AND ({OwnAsset(FolderOperations.Download)} OR {SharedAsset(DownloadRoles, FolderOperations.Download)})",
        [Permission.AssetEdit] = OwnAssetsSql(FolderOperations.Edit),
        [Permission.AssetDelete] = OwnAssetsSql(FolderOperations.Delete),
        [Permission.AssetMove] = OwnAssetsSql(FolderOperations.Move),
        [Permission.AssetCopy] = OwnAssetsSql(FolderOperations.Copy),
        [Permission.AssetShare] = $"{OwnAssetsSql(FolderOperations.AddToAlbum)} AND a.trashed_at IS NULL",
        [Permission.FolderView] = FoldersSql(FolderOperations.View),
        [Permission.FolderUpload] = FoldersSql(FolderOperations.Upload),
        [Permission.FolderCreate] = FoldersSql(FolderOperations.CreateFolder),
        [Permission.FolderPhotoRequest] = FoldersSql(FolderOperations.PhotoRequest),
        [Permission.FolderRename] = FoldersSql(FolderOperations.Rename),
        [Permission.FolderCover] = FoldersSql(FolderOperations.Cover),
        [Permission.FolderDelete] = FoldersSql(FolderOperations.Delete),
        [Permission.FolderMove] = FoldersSql(FolderOperations.Move),
        [Permission.FolderCopy] = FoldersSql(FolderOperations.Copy),
        [Permission.FolderManagePermissions] = $"""
            SELECT f.id FROM folders f WHERE f.id = ANY(@ids) AND f.space = 'shared' AND @isAdmin AND {SharedSpaceEnabled}
            """,
        [Permission.AlbumView] = $"{AlbumsFrom} AND {AlbumVisible("al")}",
        // An album's archive is all or nothing, as an archive of assets is: every file it shows must be one the caller may download.
        [Permission.AlbumDownload] = $"""
            {AlbumsFrom} AND (al.owner_id = @userId OR {InvitedAs("al", DownloadRoles)})
              AND NOT EXISTS (SELECT 1 FROM assets a LEFT JOIN folders f ON f.id = a.folder_id
                              WHERE a.id IN ({AlbumMembers("al.id")})
                                AND NOT ({OwnAsset(FolderOperations.Download)} OR {SharedAsset(DownloadRoles, FolderOperations.Download)}))
            """,
        [Permission.AlbumAddAssets] = $"{AlbumsFrom} AND al.kind <> 'conditional' AND (al.owner_id = @userId OR {InvitedAs("al", "'provider'")})",
        [Permission.AlbumRemoveAssets] = $"""
            SELECT aa.asset_id FROM album_assets aa JOIN albums al ON al.id = aa.album_id
            WHERE aa.album_id = @within AND aa.asset_id = ANY(@ids)
              AND (al.owner_id = @userId OR aa.added_by = @userId AND {InvitedAs("al", "'provider'")})
            """,
        [Permission.AlbumEdit] = OwnAlbumsSql,
        [Permission.AlbumDelete] = OwnAlbumsSql,
        [Permission.AlbumShare] = OwnAlbumsSql,
        // Album and selection shares are their owner's; Shared Space folder shares are managed by admins (as folder permissions are).
        [Permission.ShareManage] = $"""
            SELECT id FROM shares
            WHERE id = ANY(@ids) AND (folder_id IS NULL AND owner_id = @userId OR folder_id IS NOT NULL AND @isAdmin AND {SharedSpaceEnabled})
            """,
        [Permission.PhotoRequestManage] = "SELECT id FROM photo_requests WHERE id = ANY(@ids) AND owner_id = @userId",
        [Permission.PartnerLibraryView] = $"SELECT p.owner_id FROM partners p WHERE p.owner_id = ANY(@ids) AND p.partner_id = @userId AND {UserActive("p.owner_id")}",
    };

    /// <summary>Every permission the policy has a rule for (tests check that no operation lacks one).</summary>
    public static IReadOnlyCollection<Permission> Ruled => Rules.Keys;

    /// <summary>The SQL of one rule, as PostgreSQL runs it (checked in, expanded, under <c>Access/rules/</c>).</summary>
    public static string RuleSql(Permission permission) => Rules[permission];
}
