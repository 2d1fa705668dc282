using Dapper;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Folders;

/// <summary>
/// What copying and moving need besides the copy and move operations themselves, so that a deny is never lifted by taking
/// a file or folder somewhere else. Every answer comes from the access policy, asked in batches.
/// </summary>
/// <remarks>
/// <para>A copy is a new file of the caller's, with the rights the destination gives: it takes the bytes, so the caller
/// needs to see and download every file copied (<c>view</c>, <c>download</c>, <c>copy</c>) and to see every folder
/// copied (<c>view</c>, <c>copy</c>).</para>
/// <para>A move keeps the file and gives it the rights of the destination's files, so it may give the caller nothing
/// they do not have on the file already: every file operation the destination grants must already be theirs on every
/// file moved (moving where one may do less is fine).</para>
/// </remarks>
internal static class CopyMoveRules
{
    /// <summary>The folder operations that act on files, and the policy permission that asks each about a file.</summary>
    private static readonly (string Operation, Permission Permission)[] FileOperations =
    [
        (FolderOperations.View, Permission.AssetView),
        (FolderOperations.Download, Permission.AssetDownload),
        (FolderOperations.Edit, Permission.AssetEdit),
        (FolderOperations.AddToAlbum, Permission.AssetShare),
        (FolderOperations.Delete, Permission.AssetDelete),
        (FolderOperations.Copy, Permission.AssetCopy),
        (FolderOperations.Move, Permission.AssetMove),
    ];

    private const string LiveAssetsSql = "SELECT id FROM assets WHERE id = ANY(@ids) AND trashed_at IS NULL";
    private const string SpaceSql = "SELECT space FROM folders WHERE id = @folderId";

    /// <summary>The subset of <paramref name="ids"/> (assets) the principal may copy: view, download and copy on each.</summary>
    public static Task<HashSet<Guid>> CopyableAssetsAsync(AccessPolicy policy, Principal principal, IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        AllOfAsync(policy, principal, ids, [Permission.AssetView, Permission.AssetDownload, Permission.AssetCopy], ct);

    /// <summary>The subset of <paramref name="ids"/> (folders) the principal may copy: view and copy on each.</summary>
    public static Task<HashSet<Guid>> CopyableFoldersAsync(AccessPolicy policy, Principal principal, IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        AllOfAsync(policy, principal, ids, [Permission.FolderView, Permission.FolderCopy], ct);

    /// <summary>
    /// Throws 404 (as for an asset the caller may not move) unless moving the (non-trashed) assets <paramref name="ids"/>
    /// into <paramref name="folderId"/> (<c>null</c>: the top of the caller's Personal Space) gives the caller no file
    /// operation they do not have on each of them now.
    /// </summary>
    public static async Task EnsureMoveGainsNothingAsync(NpgsqlConnection conn, AccessPolicy policy, Principal principal,
        IReadOnlyCollection<Guid> ids, Guid? folderId, CancellationToken ct)
    {
        var space = folderId is { } id
            ? await conn.ExecuteScalarAsync<string?>(new CommandDefinition(SpaceSql, new { folderId = id }, cancellationToken: ct))
            : Spaces.Personal;
        // A Personal Space takes only its owner's files, and its owner does everything with them there.
        var granted = space == Spaces.Shared
            ? (await policy.EffectiveOperationsAsync(principal, folderId!.Value, ct)).Files
            : FolderOperations.All;
        var live = (await conn.QueryAsync<Guid>(new CommandDefinition(LiveAssetsSql, new { ids = ids.ToArray() }, cancellationToken: ct))).AsList();
        var needed = FileOperations.Where(o => granted.Contains(o.Operation)).Select(o => o.Permission).ToArray();
        if ((await AllOfAsync(policy, principal, live, needed, ct)).Count != live.Count) throw ApiException.NotFound("An asset");
    }

    /// <summary>The ids on which the principal has every one of <paramref name="permissions"/>.</summary>
    private static async Task<HashSet<Guid>> AllOfAsync(AccessPolicy policy, Principal principal, IReadOnlyCollection<Guid> ids,
        Permission[] permissions, CancellationToken ct)
    {
        var left = ids.ToHashSet();
        foreach (var permission in permissions)
        {
            if (left.Count == 0) break;
            left.IntersectWith(await policy.AllowedAsync(principal, permission, left, ct));
        }
        return left;
    }
}
