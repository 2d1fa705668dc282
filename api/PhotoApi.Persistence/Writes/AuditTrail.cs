using System.Net;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace PhotoApi.Persistence.Writes;

/// <summary>
/// One security-relevant event for the audit trail (<c>audit_events</c>).
/// </summary>
/// <param name="Kind">A stable dotted name, e.g. <c>auth.sign-in</c>, <c>share.created</c> (lowercase, as the contract lists them).</param>
/// <param name="ActorId">Who did it; null for a guest, an anonymous caller or the system.</param>
/// <param name="OwnerId">Whose account or share it concerns (often the actor); they see it in their own trail.</param>
/// <param name="TargetType">What kind of thing it was done to (<c>share</c>, <c>user</c>, <c>api-key</c>, …), or null.</param>
/// <param name="TargetId">Its id, or null.</param>
/// <param name="Address">The caller's address, or null (the worker, the system).</param>
/// <param name="Details">Anything else worth keeping, serialised as a JSON object — never a secret (no password, key or token).</param>
public sealed record AuditEvent(string Kind, Guid? ActorId, Guid? OwnerId, string? TargetType = null, Guid? TargetId = null,
    IPAddress? Address = null, object? Details = null);

/// <summary>
/// The one writer of the audit trail, for the API and the worker alike. An event is written with <b>the transaction of the
/// change it records</b> (pass it as <paramref name="tx"/>), so the trail never holds a change that was rolled back nor
/// misses one that was committed. Events that change nothing else (a failed sign-in, a refused link password) are written
/// on their own connection. Rows are only ever inserted; retention deletes old ones.
/// </summary>
public static class AuditTrail
{
    private const string InsertSql = """
        INSERT INTO audit_events (id, kind, actor_id, owner_id, target_type, target_id, address, details)
        VALUES (@id, @kind, @actorId, @ownerId, @targetType, @targetId, @address::inet, @details::jsonb)
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Records <paramref name="e"/> on <paramref name="conn"/>, inside <paramref name="tx"/> when the event belongs to a change.</summary>
    public static Task RecordAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, AuditEvent e, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            id = Guid.CreateVersion7(),
            kind = e.Kind,
            actorId = e.ActorId,
            ownerId = e.OwnerId,
            targetType = e.TargetType,
            targetId = e.TargetId,
            address = e.Address?.ToString(), // as text: Dapper has no mapping for IPAddress
            details = e.Details is null ? "{}" : JsonSerializer.Serialize(e.Details, e.Details.GetType(), Json),
        }, tx, cancellationToken: ct));

    /// <summary>Records an event that belongs to no other change (a failure), on a connection of its own.</summary>
    public static async Task RecordAloneAsync(NpgsqlDataSource db, AuditEvent e, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RecordAsync(conn, null, e, ct);
    }
}
