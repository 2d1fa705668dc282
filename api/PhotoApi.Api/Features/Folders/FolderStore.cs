using Dapper;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Folders;

/// <summary>Reads of folders and the rules every folder slice shares.</summary>
internal static class FolderStore
{
    /// <summary>Columns of <see cref="Row"/>; <c>f</c> is the folder.</summary>
    public const string Columns = """
        f.id, f.name, lower(f.name) AS sort_key, f.space, f.parent_id, f.owner_id, f.cover_asset_id, f.created_by, f.created_at, f.updated_at
        """;

    /// <summary>
    /// Wraps a query of folders (<see cref="Columns"/> plus <c>f.child_count AS held_children, f.asset_count AS
    /// held_assets</c>) with what each holds directly that the caller may view. The counters the database keeps answer
    /// when every subfolder (Personal Space, Full Access) or every file (the caller may view the folder's files by their
    /// own rights) counts; otherwise only the folder's own subfolders or files are judged, one by one — a cost bounded by
    /// that folder, never by the library; and the folder's share for those who manage it. Parameters <c>@userId</c>, <c>@isAdmin</c>.
    /// </summary>
    public static string WithCounts(string folders) => $"""
        SELECT page.*,
               (CASE WHEN page.space = 'personal' OR {AccessPolicy.SharedSpaceLevel} = 'full' THEN page.held_children
                     ELSE (SELECT count(*) FROM folders f WHERE f.parent_id = page.id AND {AccessPolicy.FolderViewable("f")}) END)::int AS child_count,
               (CASE WHEN {AccessPolicy.FolderFilesViewable("page")} THEN page.held_assets
                     ELSE (SELECT count(*) FROM assets a LEFT JOIN folders f ON f.id = a.folder_id
                           WHERE a.folder_id = page.id AND a.trashed_at IS NULL AND {AccessPolicy.AssetViewable}) END)::int AS asset_count,
               -- For those who manage it: Shared Space folder shares belong to the admins together (shares_folder_id_key).
               (SELECT s.id FROM shares s WHERE s.folder_id = page.id AND @isAdmin) AS share_id
        FROM ({folders}) page
        """;

    /// <summary>The counters <see cref="WithCounts"/> reads, next to <see cref="Columns"/>.</summary>
    public const string HeldColumns = "f.child_count AS held_children, f.asset_count AS held_assets";

    private static readonly string WithCountsByIdSql = WithCounts($"SELECT {Columns}, {HeldColumns} FROM folders f WHERE f.id = @id");

    private const string ByIdSql = $"SELECT {Columns} FROM folders f WHERE f.id = @id";

    /// <summary>The ancestors of a folder, from the top of its space down to its parent.</summary>
    private const string AncestorsSql = """
        WITH RECURSIVE ancestors AS (
            SELECT p.id, p.name, p.parent_id, 1 AS depth
            FROM folders f JOIN folders p ON p.id = f.parent_id
            WHERE f.id = @id
            UNION ALL
            SELECT p.id, p.name, p.parent_id, a.depth + 1
            FROM ancestors a JOIN folders p ON p.id = a.parent_id
        )
        SELECT id, name FROM ancestors ORDER BY depth DESC
        """;

    /// <summary>The folder and every folder below it.</summary>
    public const string SubtreeSql = """
        WITH RECURSIVE subtree AS (
            SELECT id FROM folders WHERE id = @id
            UNION ALL
            SELECT f.id FROM folders f JOIN subtree s ON f.parent_id = s.id
        )
        SELECT id FROM subtree
        """;

    /// <summary>Is <c>@id</c> the folder <c>@target</c> or one of its ancestors (so moving @id into @target makes a cycle)?</summary>
    private const string IsAncestorOrSelfSql = """
        WITH RECURSIVE chain AS (
            SELECT id, parent_id FROM folders WHERE id = @target
            UNION ALL
            SELECT f.id, f.parent_id FROM folders f JOIN chain c ON f.id = c.parent_id
        )
        SELECT EXISTS (SELECT 1 FROM chain WHERE id = @id)
        """;

    internal sealed class Row
    {
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public string SortKey { get; init; } = "";
        public string Space { get; init; } = "";
        public Guid? ParentId { get; init; }
        public Guid? OwnerId { get; init; }
        public Guid? CoverAssetId { get; init; }
        public Guid? CreatedBy { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }

        /// <summary>What it holds directly that the caller may view (read with <see cref="WithCounts"/>).</summary>
        public int ChildCount { get; init; }
        public int AssetCount { get; init; }
        /// <summary>The folder's share, for the admins who manage it (read with <see cref="WithCounts"/>).</summary>
        public Guid? ShareId { get; init; }

        public FolderResponse ToResponse(IReadOnlyList<FolderPathItem> path) =>
            new(Id, Name, Space, ParentId, OwnerId, CoverAssetId, path, ChildCount, AssetCount, ShareId, CreatedBy, CreatedAt, UpdatedAt);
    }

    public static Task<Row?> FindAsync(NpgsqlConnection conn, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ByIdSql, new { id }, tx, cancellationToken: ct));

    /// <summary>The folder (which the caller was allowed to reach) or 404.</summary>
    public static async Task<Row> RequireAsync(NpgsqlConnection conn, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        await FindAsync(conn, id, ct, tx) ?? throw ApiException.NotFound("The folder");

    /// <summary>
    /// The breadcrumb of a folder: its ancestors from the top, cut to the ones the principal may view (the trailing run
    /// of visible ones), so a path never names a folder the caller cannot see.
    /// </summary>
    public static async Task<IReadOnlyList<FolderPathItem>> PathAsync(
        NpgsqlConnection conn, AccessPolicy policy, Principal principal, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        var ancestors = (await conn.QueryAsync<FolderPathItem>(new CommandDefinition(AncestorsSql, new { id }, tx, cancellationToken: ct))).AsList();
        if (ancestors.Count == 0) return ancestors;
        var visible = await policy.AllowedAsync(principal, Permission.FolderView, ancestors.Select(a => a.Id).ToList(), ct);
        var start = ancestors.Count;
        while (start > 0 && visible.Contains(ancestors[start - 1].Id)) start--;
        return ancestors.Skip(start).ToList();
    }

    /// <summary>The full response of one folder: row, counts and path, as the principal sees them.</summary>
    public static async Task<FolderResponse> GetAsync(
        NpgsqlConnection conn, AccessPolicy policy, Principal principal, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(WithCountsByIdSql,
            new { id, userId = principal.UserId, isAdmin = principal.IsAdmin }, tx, cancellationToken: ct)) ?? throw ApiException.NotFound("The folder");
        return row.ToResponse(await PathAsync(conn, policy, principal, id, ct, tx));
    }

    public static async Task<List<Guid>> SubtreeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct) =>
        (await conn.QueryAsync<Guid>(new CommandDefinition(SubtreeSql, new { id }, tx, cancellationToken: ct))).AsList();

    /// <summary>
    /// An operation on a whole subtree is all or nothing: the caller needs <paramref name="onFolders"/> on every folder in
    /// <paramref name="ids"/> and <paramref name="onFiles"/> on every (non-trashed) file in them, else 403
    /// <c>share.role_insufficient</c> — a deny entry further down protects what it covers.
    /// </summary>
    public static async Task EnsureWholeSubtreeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, AccessPolicy policy, Principal principal,
        IReadOnlyList<Guid> ids, Permission onFolders, Permission onFiles, CancellationToken ct)
    {
        var files = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM assets WHERE folder_id = ANY(@ids) AND trashed_at IS NULL", new { ids = ids.ToArray() }, tx, cancellationToken: ct))).AsList();
        if ((await policy.AllowedAsync(principal, onFolders, ids, ct)).Count != ids.Count ||
            (await policy.AllowedAsync(principal, onFiles, files, ct)).Count != files.Count)
            throw new ApiException(403, Contracts.ErrorCodes.RoleInsufficient, "Some folders or files inside this folder are not yours to change this way; nothing was changed.");
    }

    /// <summary>Would putting <paramref name="id"/> under <paramref name="target"/> put it inside itself?</summary>
    public static Task<bool> IsSelfOrDescendantAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid target, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool>(new CommandDefinition(IsAncestorOrSelfSql, new { id, target }, tx, cancellationToken: ct));

    /// <summary>
    /// Serializes the structural changes (create, move, copy, delete) of one folder tree — one Personal Space, or the
    /// Shared Space — until the transaction ends. A folder never changes tree (space and owner are fixed), so the key is
    /// stable; with it a subtree cannot grow while it is deleted or copied, and two moves cannot build a cycle together.
    /// </summary>
    public static Task LockTreeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string space, Guid? ownerId, CancellationToken ct) =>
        TransactionLocks.HoldAsync(conn, tx, $"photoapi.folders:{space}:{ownerId}", ct);

    /// <summary>Database errors a folder write can hit, as the answer the client can act on.</summary>
    public static ApiException? ErrorFrom(PostgresException e) => e.SqlState switch
    {
        PostgresErrorCodes.UniqueViolation when e.ConstraintName == "folders_sibling_name_key" => NameTaken(),
        // The parent (or cover asset) went away between the access check and the write.
        PostgresErrorCodes.ForeignKeyViolation when e.ConstraintName == "folders_cover_asset_fk" => ApiException.NotFound("The asset"),
        PostgresErrorCodes.ForeignKeyViolation => ApiException.NotFound("The folder"),
        _ => null,
    };

    public static ApiException NameTaken() =>
        new(409, ErrorCodes.FolderNameTaken, "A folder with that name already exists there.",
            new() { ["name"] = ["A folder with that name already exists there (names are compared case-insensitively)."] });

    public static ApiException SpaceUnavailable(string space) =>
        new(404, ErrorCodes.SpaceUnavailable, space == Spaces.Shared
            ? "The Shared Space is not enabled, or you have no access to it."
            : "There is no such space.");

    public static ApiException CrossSpace() =>
        new(400, ErrorCodes.FolderCrossSpace, "Folders can only be moved or copied within their own space.",
            new() { ["parentId"] = ["The target folder is in another space."] });

    public static ApiException Cycle() =>
        new(400, ErrorCodes.FolderCycle, "A folder cannot be put inside itself or one of its subfolders.",
            new() { ["parentId"] = ["The target is the folder itself or one of its subfolders."] });

    /// <summary>
    /// Where a moved or copied folder goes: the target parent (FolderCreate on it, same space and owner as the source) or,
    /// for <c>null</c>, the top level of the source's space. Returns nothing; throws the answer when it may not go there.
    /// </summary>
    public static async Task EnsureTargetAsync(NpgsqlConnection conn, AccessPolicy policy, Principal principal, Row source, Guid? parentId, CancellationToken ct)
    {
        if (parentId is not { } target)
        {
            if (!await policy.CanUseSpaceAsync(principal, source.Space, ct)) throw SpaceUnavailable(source.Space);
            return;
        }
        await policy.EnsureAsync(principal, Permission.FolderCreate, target, ct, "The target folder");
        var parent = await FindAsync(conn, target, ct) ?? throw ApiException.NotFound("The target folder");
        if (parent.Space != source.Space || parent.OwnerId != source.OwnerId) throw CrossSpace();
    }
}
