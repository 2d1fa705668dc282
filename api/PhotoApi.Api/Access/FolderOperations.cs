namespace PhotoApi.Api.Access;

/// <summary>
/// The operations a Shared Space folder permission grants or denies, and the roles that name sets of them (the roles
/// table of the README's Shared Space section, one to one).
/// </summary>
public static class FolderOperations
{
    public const string View = "view";
    public const string Download = "download";
    public const string Upload = "upload";
    /// <summary>Edit dates, times, ratings, tags.</summary>
    public const string Edit = "edit";
    public const string Rename = "rename";
    public const string Cover = "cover";
    public const string CreateFolder = "create_folder";
    public const string PhotoRequest = "photo_request";
    public const string AddToAlbum = "add_to_album";
    public const string Delete = "delete";
    public const string Copy = "copy";
    public const string Move = "move";

    public static readonly string[] All = [View, Download, Upload, Edit, Rename, Cover, CreateFolder, PhotoRequest, AddToAlbum, Delete, Copy, Move];

    public static readonly IReadOnlyDictionary<string, string[]> Roles = new Dictionary<string, string[]>
    {
        ["viewer"] = [View],
        ["downloader"] = [View, Download, AddToAlbum, Copy],
        ["uploader"] = [View, Download, Upload, CreateFolder, PhotoRequest, AddToAlbum, Copy],
        ["manager"] = All,
    };

    /// <summary>What applies-to may name: the folder itself, its files, its subfolders, and "all levels below" for the last two.</summary>
    public static readonly string[] AppliesTo = ["this_folder", "files", "subfolders", "descendants"];
}
