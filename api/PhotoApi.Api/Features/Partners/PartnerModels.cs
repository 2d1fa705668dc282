using Dapper;
using Npgsql;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Partners;

public static class PartnerDirections
{
    /// <summary>Partners the caller shares their library with.</summary>
    public const string SharedBy = "shared-by";
    /// <summary>Partners who share their library with the caller.</summary>
    public const string SharedWith = "shared-with";
}

/// <param name="UserId">The other user of the partnership.</param>
/// <param name="Direction"><c>shared-by</c>: the caller shares with this user; <c>shared-with</c>: this user shares with the caller.</param>
/// <param name="InTimeline">Whether the recipient shows the sharer's photos in their own timeline (the recipient's choice).</param>
public sealed record PartnerResponse(Guid UserId, string Username, string DisplayName, string Direction, bool InTimeline, DateTime CreatedAt);

internal static class PartnerStore
{
    private const string SharedBySql = """
        SELECT u.id AS user_id, u.username, u.display_name, 'shared-by' AS direction, p.in_timeline, p.created_at
        FROM partners p JOIN users u ON u.id = p.partner_id
        WHERE p.owner_id = @userId AND (@otherId::uuid IS NULL OR p.partner_id = @otherId) AND u.id > @after
        ORDER BY u.id LIMIT @take
        """;

    private const string SharedWithSql = """
        SELECT u.id AS user_id, u.username, u.display_name, 'shared-with' AS direction, p.in_timeline, p.created_at
        FROM partners p JOIN users u ON u.id = p.owner_id
        WHERE p.partner_id = @userId AND (@otherId::uuid IS NULL OR p.owner_id = @otherId) AND u.id > @after
        ORDER BY u.id LIMIT @take
        """;

    public static async Task<List<PartnerResponse>> ListAsync(NpgsqlConnection conn, Guid userId, string direction, Guid? otherId, Guid after, int take, CancellationToken ct) =>
        (await conn.QueryAsync<PartnerResponse>(new CommandDefinition(direction == PartnerDirections.SharedWith ? SharedWithSql : SharedBySql,
            new { userId, otherId, after, take }, cancellationToken: ct))).AsList();

    public static async Task<PartnerResponse> GetAsync(NpgsqlConnection conn, Guid userId, string direction, Guid otherId, CancellationToken ct) =>
        (await ListAsync(conn, userId, direction, otherId, Guid.Empty, 1, ct)).SingleOrDefault() ?? throw ApiException.NotFound("The partner");
}
