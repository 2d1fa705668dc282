using Dapper;
using Npgsql;

namespace PhotoApi.Api.Features.SharedSpace;

/// <param name="Level"><c>full</c> (every folder, every operation), <c>custom</c> (what folder permissions allow) or <c>none</c>.</param>
public sealed record SharedSpaceAccessEntry(string PrincipalType, Guid PrincipalId, string Name, string Level);

public sealed record SharedSpaceAccessResponse(IReadOnlyList<SharedSpaceAccessEntry> Entries);

internal static class SharedSpaceAccessStore
{
    private const string ListSql = """
        SELECT 'user' AS principal_type, u.id AS principal_id, u.username AS name, s.level
        FROM shared_space_access s JOIN users u ON u.id = s.user_id
        UNION ALL
        SELECT 'group', g.id, g.name, s.level FROM shared_space_access s JOIN groups g ON g.id = s.group_id
        ORDER BY principal_type DESC, name
        """;

    public static async Task<SharedSpaceAccessResponse> GetAsync(NpgsqlConnection conn, CancellationToken ct, NpgsqlTransaction? tx = null) =>
        new((await conn.QueryAsync<SharedSpaceAccessEntry>(new CommandDefinition(ListSql, transaction: tx, cancellationToken: ct))).AsList());
}
