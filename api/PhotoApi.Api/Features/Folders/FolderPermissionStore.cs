using Dapper;
using Npgsql;
using PhotoApi.Api.Access;

namespace PhotoApi.Api.Features.Folders;

/// <summary>One permission entry on a Shared Space folder, explicit or inherited from an ancestor.</summary>
public sealed record FolderPermissionEntry
{
    /// <summary>The entry (explicit entries are replaced as a whole by setFolderPermissions).</summary>
    public Guid Id { get; init; }
    /// <summary><c>user</c> or <c>group</c>.</summary>
    public string PrincipalType { get; init; } = "";
    public Guid PrincipalId { get; init; }
    /// <summary>The username or group name.</summary>
    public string Name { get; init; } = "";
    /// <summary><c>allow</c> or <c>deny</c>; a deny takes the operations away whatever allows them (deny wins).</summary>
    public string Effect { get; init; } = "";
    /// <summary><c>viewer</c>, <c>downloader</c>, <c>uploader</c>, <c>manager</c>, or null for explicit operations.</summary>
    public string? Role { get; init; }
    /// <summary>The operations granted or denied (a role's set, expanded).</summary>
    public string[] Operations { get; init; } = [];
    /// <summary>Any of <c>this_folder</c>, <c>files</c>, <c>subfolders</c>, <c>descendants</c>.</summary>
    public string[] AppliesTo { get; init; } = [];
    /// <summary>False: set on this folder; true: set on <see cref="FromFolderId"/>, an ancestor.</summary>
    public bool Inherited { get; init; }
    public Guid FromFolderId { get; init; }
    public string FromFolderName { get; init; } = "";
    /// <summary>Set when the entry comes from a folder share's invitee list (that share), not from the folder's permissions.</summary>
    public Guid? ShareId { get; init; }
}

public sealed record FolderPermissionsResponse(Guid FolderId, IReadOnlyList<FolderPermissionEntry> Entries);

internal static class FolderPermissionStore
{
    public const int MaxExplicitEntries = 200;

    /// <summary>
    /// Entries that reach a folder or its files: its own (explicit), then its ancestors' whose applies-to carries them down
    /// (nearest first). With <c>@userId</c> set, only those of that user and their groups.
    /// </summary>
    private static readonly string EntriesSql = $"""
        WITH RECURSIVE chain(id, parent_id, name, depth) AS (
            SELECT id, parent_id, name, 0 FROM folders WHERE id = @folderId
            UNION ALL SELECT p.id, p.parent_id, p.name, c.depth + 1 FROM folders p JOIN chain c ON p.id = c.parent_id)
        SELECT * FROM (
            SELECT fp.id, CASE WHEN fp.user_id IS NOT NULL THEN 'user' ELSE 'group' END AS principal_type,
                   coalesce(fp.user_id, fp.group_id) AS principal_id, coalesce(u.username, g.name) AS name,
                   fp.effect, fp.role, fp.operations, fp.applies_to, c.depth > 0 AS inherited, c.id AS from_folder_id, c.name AS from_folder_name,
                   NULL::uuid AS share_id, c.depth, fp.position
            FROM folder_permissions fp
            JOIN chain c ON c.id = fp.folder_id
            LEFT JOIN users u ON u.id = fp.user_id
            LEFT JOIN groups g ON g.id = fp.group_id
            WHERE @userId::uuid IS NULL OR {AccessPolicy.NamesCaller("fp")}
            UNION ALL
            SELECT s.id, CASE WHEN si.user_id IS NOT NULL THEN 'user' ELSE 'group' END,
                   coalesce(si.user_id, si.group_id), coalesce(u.username, g.name),
                   'allow', si.role, {AccessPolicy.FolderRoleOperations("si.role")},
                   CASE WHEN s.apply_to_subfolders THEN ARRAY['this_folder', 'files', 'subfolders', 'descendants'] ELSE ARRAY['this_folder', 'files'] END,
                   c.depth > 0, c.id, c.name, s.id, c.depth, 1000
            FROM shares s
            JOIN share_invitees si ON si.share_id = s.id
            JOIN chain c ON c.id = s.folder_id
            LEFT JOIN users u ON u.id = si.user_id
            LEFT JOIN groups g ON g.id = si.group_id
            WHERE @userId::uuid IS NULL OR {AccessPolicy.NamesCaller("si")}
        ) e
        -- The same reach as the access policy's rule: the folder itself and its files; then down the tree as applies-to says.
        WHERE e.depth = 0
           OR e.depth = 1 AND ('subfolders' = ANY(e.applies_to) OR 'files' = ANY(e.applies_to) AND 'descendants' = ANY(e.applies_to))
           OR e.depth > 1 AND 'descendants' = ANY(e.applies_to) AND ('subfolders' = ANY(e.applies_to) OR 'files' = ANY(e.applies_to))
        ORDER BY e.depth, e.position, e.name
        """;

    public static async Task<List<FolderPermissionEntry>> EntriesAsync(NpgsqlConnection conn, Guid folderId, Guid? principalUserId, CancellationToken ct,
        NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<FolderPermissionEntry>(new CommandDefinition(EntriesSql, new { folderId, userId = principalUserId }, tx, cancellationToken: ct))).AsList();
}
