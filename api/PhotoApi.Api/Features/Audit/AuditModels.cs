using System.Text;
using System.Text.Json;
using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Audit;

/// <summary>The filters and paging both audit lists take.</summary>
public class AuditListRequest : IPagedRequest
{
    /// <summary>One kind (<c>share.created</c>), or every kind under a prefix ending in a dot (<c>share.</c>).</summary>
    [QueryParam] public string? Kind { get; set; }
    /// <summary>Events at or after this time.</summary>
    [QueryParam] public DateTime? From { get; set; }
    /// <summary>Events before this time.</summary>
    [QueryParam] public DateTime? To { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public static class AuditListRules
{
    public static void AddAuditListRules<T>(this AbstractValidator<T> v) where T : AuditListRequest
    {
        v.AddPagingRules(maxCursorLength: 200);
        v.RuleFor(x => x.Kind).MaximumLength(100).Matches("^[a-z][a-z-]*(\\.[a-z][a-z-]*)*\\.?$").When(x => x.Kind is not null)
            .WithMessage("A kind such as share.created, or a prefix such as share.");
        v.RuleFor(x => x.To).GreaterThan(x => x.From).When(x => x.From is not null && x.To is not null).WithMessage("'to' must be after 'from'.");
    }
}

/// <summary>A user an event names: the id always, the username while the account exists.</summary>
public sealed record AuditUser(Guid Id, string? Username);

/// <param name="Actor">Who did it; null for a guest, an anonymous caller or the system.</param>
/// <param name="Owner">Whose account or share it concerns.</param>
/// <param name="Address">The caller's address as the API saw it.</param>
/// <param name="Details">What else the event says (its kind's fields); never a secret.</param>
public sealed record AuditEventResponse(Guid Id, DateTime At, string Kind, AuditUser? Actor, AuditUser? Owner, string? TargetType, Guid? TargetId,
    string? Address, Dictionary<string, JsonElement> Details);

/// <summary>
/// The page query of both audit lists: newest first by (at, id), keyset-paged with the timeline's cursor. A user's
/// events (actor or owner) are the union of two ranges of their indexes, each stopping at the page, so a page costs the
/// page whatever the size of the trail.
/// </summary>
internal static class AuditPages
{
    private sealed class Row
    {
        public Guid Id { get; init; }
        public DateTime At { get; init; }
        public string Kind { get; init; } = "";
        public Guid? ActorId { get; init; }
        public string? ActorUsername { get; init; }
        public Guid? OwnerId { get; init; }
        public string? OwnerUsername { get; init; }
        public string? TargetType { get; init; }
        public Guid? TargetId { get; init; }
        public string? Address { get; init; }
        public string Details { get; init; } = "{}";

        public AuditEventResponse ToResponse() => new(Id, At, Kind,
            ActorId is { } a ? new AuditUser(a, ActorUsername) : null, OwnerId is { } o ? new AuditUser(o, OwnerUsername) : null,
            TargetType, TargetId, Address, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Details) ?? []);
    }

    /// <summary>One page for <paramref name="operation"/> (its list query's name), of <paramref name="userId"/>'s events when given.</summary>
    public static async Task<Page<AuditEventResponse>> FetchAsync(NpgsqlDataSource db, ListQueries lists, string operation, AuditListRequest req,
        Guid? userId, CancellationToken ct)
    {
        var (afterAt, afterId) = TimelineCursor.Parse(req.Cursor);
        var limit = req.Limit();
        var args = new DynamicParameters(new { take = limit + 1 });
        var where = new List<string>();
        var name = new StringBuilder(operation);
        if (userId is { } u) { args.Add("userId", u); name.Append(":user"); }
        if (req.Kind is { } kind)
        {
            var prefix = kind.EndsWith('.');
            where.Add(prefix ? "e.kind LIKE @kind" : "e.kind = @kind");
            args.Add("kind", prefix ? kind + "%" : kind); // a kind has no LIKE wildcards (the validator's pattern)
            name.Append(prefix ? ":kindPrefix" : ":kind");
        }
        if (req.From is { } from) { where.Add("e.at >= @from"); args.Add("from", Utc(from)); name.Append(":from"); }
        if (req.To is { } to) { where.Add("e.at < @to"); args.Add("to", Utc(to)); name.Append(":to"); }
        if (afterAt is { } at)
        {
            where.Add("(e.at, e.id) < (@afterAt, @afterId)");
            args.Add("afterAt", at);
            args.Add("afterId", afterId);
            name.Append(":next");
        }
        string Range(string? who) =>
            $"SELECT e.id, e.at FROM audit_events e WHERE {string.Join(" AND ", (who is null ? where : [$"e.{who} = @userId", .. where]).DefaultIfEmpty("true"))} " +
            "ORDER BY e.at DESC, e.id DESC LIMIT @take";
        var ids = userId is null ? Range(null) : $"({Range("actor_id")}) UNION ({Range("owner_id")})";
        var sql = $"""
            SELECT e.id, e.at, e.kind, e.actor_id, a.username AS actor_username, e.owner_id, o.username AS owner_username,
                   e.target_type, e.target_id, host(e.address) AS address, e.details::text AS details
            FROM ({ids}) p JOIN audit_events e ON e.id = p.id
            LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users o ON o.id = e.owner_id
            ORDER BY e.at DESC, e.id DESC LIMIT @take
            """;
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await lists.QueryAsync<Row>(conn, new ListQuery(name.ToString(), sql, args), ct)).AsList();
        var page = rows.Take(limit).Select(r => r.ToResponse()).ToList();
        return new Page<AuditEventResponse>(page, rows.Count > limit ? TimelineCursor.Of(page[^1].At, page[^1].Id) : null);
    }

    private static DateTime Utc(DateTime t) => t.Kind switch
    {
        DateTimeKind.Local => t.ToUniversalTime(),
        DateTimeKind.Unspecified => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => t,
    };
}
