using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

namespace PhotoApi.Api.Features.Groups;

public sealed record GroupResponse(
    Guid Id, string Name, string Description, bool PhotoLibraryAllowed, IReadOnlyList<Guid> MemberIds, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>Reads and writes of groups and their members, shared by the group slices.</summary>
internal static class GroupStore
{
    private const string SelectSql = """
        SELECT g.id, g.name, g.description, g.photo_library_allowed,
               coalesce(array_agg(m.user_id ORDER BY m.user_id) FILTER (WHERE m.user_id IS NOT NULL), '{}') AS member_ids,
               g.created_at, g.updated_at
        FROM groups g LEFT JOIN group_members m ON m.group_id = g.id
        WHERE (@id::uuid IS NULL OR g.id = @id) AND g.id > @after
        GROUP BY g.id
        ORDER BY g.id
        LIMIT @take
        """;

    private const string ReplaceMembersSql = """
        DELETE FROM group_members WHERE group_id = @groupId;
        INSERT INTO group_members (group_id, user_id) SELECT @groupId, unnest(@memberIds);
        """;

    private const string UnknownUsersSql = "SELECT u FROM unnest(@ids) AS u WHERE NOT EXISTS (SELECT 1 FROM users WHERE id = u)";

    private sealed class Row
    {
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public string Description { get; init; } = "";
        public bool PhotoLibraryAllowed { get; init; }
        public Guid[] MemberIds { get; init; } = [];
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
    }

    public static async Task<List<GroupResponse>> ListAsync(NpgsqlConnection conn, Guid? id, Guid after, int take, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        (await conn.QueryAsync<Row>(new CommandDefinition(SelectSql, new { id, after, take }, tx, cancellationToken: ct)))
        .Select(r => new GroupResponse(r.Id, r.Name, r.Description, r.PhotoLibraryAllowed, r.MemberIds, r.CreatedAt, r.UpdatedAt))
        .ToList();

    public static async Task<GroupResponse> GetAsync(NpgsqlConnection conn, Guid id, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        (await ListAsync(conn, id, Guid.Empty, 1, ct, tx)).SingleOrDefault() ?? throw ApiException.NotFound("The group");

    public static async Task ReplaceMembersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid groupId, Guid[] memberIds, CancellationToken ct)
    {
        var distinct = memberIds.Distinct().ToArray();
        var unknown = (await conn.QueryAsync<Guid>(new CommandDefinition(UnknownUsersSql, new { ids = distinct }, tx, cancellationToken: ct))).ToList();
        if (unknown.Count > 0)
            throw new ApiException(400, ErrorCodes.UnknownMembers, "Some member ids are not users.",
                new() { ["memberIds"] = [$"Unknown user ids: {string.Join(", ", unknown)}"] });
        await conn.ExecuteAsync(new CommandDefinition(ReplaceMembersSql, new { groupId, memberIds = distinct }, tx, cancellationToken: ct));
    }

    /// <summary>What the audit trail keeps of a group as it now is: its name, privilege, and its members when they were set.</summary>
    public static object AuditDetails(GroupResponse g, bool membersSet) =>
        new { g.Name, g.PhotoLibraryAllowed, memberIds = membersSet ? g.MemberIds : null };

    public static ApiException? ConflictFrom(PostgresException e) =>
        e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "groups_name_key"
            ? new ApiException(409, ErrorCodes.GroupNameTaken, "A group with that name exists.", new() { ["name"] = ["A group with that name exists."] })
            : null;
}

public sealed class GroupIdRequest
{
    public Guid Id { get; set; }
}
