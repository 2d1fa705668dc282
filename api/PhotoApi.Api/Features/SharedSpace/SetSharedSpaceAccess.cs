using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.SharedSpace;

public sealed class SharedSpaceAccessEntryRequest
{
    /// <summary><c>user</c> or <c>group</c>.</summary>
    public string PrincipalType { get; set; } = "";
    public Guid PrincipalId { get; set; }
    /// <summary><c>full</c>, <c>custom</c> or <c>none</c>.</summary>
    public string Level { get; set; } = "";
}

public sealed class SetSharedSpaceAccessRequest
{
    /// <summary>Replaces every setting; users and groups not named have no access (unless a group of theirs has). Required.</summary>
    public SharedSpaceAccessEntryRequest[]? Entries { get; set; }
}

public sealed class SetSharedSpaceAccessValidator : Validator<SetSharedSpaceAccessRequest>
{
    public SetSharedSpaceAccessValidator()
    {
        RuleFor(x => x.Entries).NotNull().WithMessage("List every setting (an empty list removes them all).");
        RuleFor(x => x.Entries).Must(e => e!.Length <= 10_000).When(x => x.Entries is not null).WithMessage("At most 10,000 entries.");
        RuleFor(x => x.Entries).Must(e => e!.DistinctBy(i => (i.PrincipalType, i.PrincipalId)).Count() == e!.Length).When(x => x.Entries is not null)
            .WithMessage("Each user or group once.");
        RuleForEach(x => x.Entries).ChildRules(e =>
        {
            e.RuleFor(i => i.PrincipalType).Must(t => t.IsOneOf("user", "group")).WithMessage("One of: user, group.");
            e.RuleFor(i => i.PrincipalId).NotEmpty();
            e.RuleFor(i => i.Level).Must(l => l.IsOneOf("full", "custom", "none")).WithMessage("One of: full, custom, none.");
        });
    }
}

/// <summary>Sets Shared Space access per user and group (admins). Changes apply to the next request of everyone concerned.</summary>
[Access(AccessScope.Admin)]
public sealed class SetSharedSpaceAccessEndpoint(NpgsqlDataSource db) : Endpoint<SetSharedSpaceAccessRequest, SharedSpaceAccessResponse>
{
    private const string KnownSql = "SELECT (SELECT count(*) FROM users WHERE id = ANY(@users)) + (SELECT count(*) FROM groups WHERE id = ANY(@groups))";
    private const string InsertSql = """
        INSERT INTO shared_space_access (user_id, group_id, level)
        SELECT CASE WHEN t = 'user' THEN id END, CASE WHEN t = 'group' THEN id END, level
        FROM unnest(@types, @ids, @levels) AS x(t, id, level)
        """;

    public override void Configure()
    {
        Put("shared-space/access");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("setSharedSpaceAccess"));
    }

    public override async Task HandleAsync(SetSharedSpaceAccessRequest req, CancellationToken ct)
    {
        var entries = req.Entries!;
        var users = entries.Where(e => e.PrincipalType == "user").Select(e => e.PrincipalId).ToArray();
        var groups = entries.Where(e => e.PrincipalType == "group").Select(e => e.PrincipalId).ToArray();
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.ExecuteScalarAsync<long>(new CommandDefinition(KnownSql, new { users, groups }, cancellationToken: ct)) != entries.Length)
            throw new ApiException(400, ErrorCodes.UnknownInvitee, "An entry names a user or group that does not exist.",
                new() { ["entries"] = ["Unknown user or group."] });
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One writer at a time: two replacements at once would collide on the unique indexes.
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended('shared_space_access', 0))", transaction: tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition("DELETE FROM shared_space_access", transaction: tx, cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            types = entries.Select(e => e.PrincipalType).ToArray(), ids = entries.Select(e => e.PrincipalId).ToArray(),
            levels = entries.Select(e => e.Level).ToArray(),
        }, tx, cancellationToken: ct));
        var result = await SharedSpaceAccessStore.GetAsync(conn, ct, tx);
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("shared-space.access-changed", null, "shared-space", null,
            new { entries = entries.Select(e => new { e.PrincipalType, e.PrincipalId, e.Level }) }), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(result, ct);
    }
}
