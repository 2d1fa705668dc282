using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Access;

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

    public static ApiException? ConflictFrom(PostgresException e) =>
        e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "groups_name_key"
            ? new ApiException(409, ErrorCodes.GroupNameTaken, "A group with that name exists.", new() { ["name"] = ["A group with that name exists."] })
            : null;
}

public sealed class CreateGroupRequest
{
    public string Name { get; set; } = "";
    public string? Description { get; set; }
    public bool PhotoLibraryAllowed { get; set; } = true;
    public Guid[] MemberIds { get; set; } = [];
}

public sealed class CreateGroupValidator : Validator<CreateGroupRequest>
{
    public CreateGroupValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(100).PlainName();
        RuleFor(x => x.Description).MaximumLength(1000);
        RuleFor(x => x.MemberIds).NotNull().Must(m => m.Length <= 10_000).WithMessage("At most 10,000 members.");
    }
}

[Access(AccessScope.Admin)]
public sealed class CreateGroupEndpoint(NpgsqlDataSource db) : Endpoint<CreateGroupRequest, GroupResponse>
{
    private const string InsertSql = """
        INSERT INTO groups (id, name, description, photo_library_allowed) VALUES (@id, normalize(@name::text, NFC), @description, @photoLibraryAllowed)
        """;

    public override void Configure()
    {
        Post("groups");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("createGroup").ClearDefaultProduces(200).Produces<GroupResponse>(201));
    }

    public override async Task HandleAsync(CreateGroupRequest req, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(InsertSql,
                new { id, name = req.Name.Trim(), description = req.Description?.Trim() ?? "", req.PhotoLibraryAllowed }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (GroupStore.ConflictFrom(e) is { } conflict)
        {
            throw conflict;
        }
        await GroupStore.ReplaceMembersAsync(conn, tx, id, req.MemberIds, ct);
        var group = await GroupStore.GetAsync(conn, id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(group, 201, ct);
    }
}

public sealed class ListGroupsRequest : IPagedRequest
{
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListGroupsValidator : Validator<ListGroupsRequest>
{
    public ListGroupsValidator() => this.AddPagingRules();
}

/// <summary>Every signed-in user may read groups (they pick them as invitees); only admins change them.</summary>
[Access(AccessScope.SignedIn)]
public sealed class ListGroupsEndpoint(NpgsqlDataSource db) : Endpoint<ListGroupsRequest, Page<GroupResponse>>
{
    public override void Configure()
    {
        Get("groups");
        Description(d => d.WithName("listGroups"));
    }

    public override async Task HandleAsync(ListGroupsRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await GroupStore.ListAsync(conn, null, req.After(), req.Limit() + 1, ct);
        await Send.OkAsync(rows.ToPage(req.Limit(), g => g.Id), ct);
    }
}

public sealed class GroupIdRequest
{
    public Guid Id { get; set; }
}

[Access(AccessScope.SignedIn)]
public sealed class GetGroupEndpoint(NpgsqlDataSource db) : Endpoint<GroupIdRequest, GroupResponse>
{
    public override void Configure()
    {
        Get("groups/{id}");
        Description(d => d.WithName("getGroup"));
    }

    public override async Task HandleAsync(GroupIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await Send.OkAsync(await GroupStore.GetAsync(conn, req.Id, ct), ct);
    }
}

public sealed class UpdateGroupRequest
{
    public Guid Id { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public bool? PhotoLibraryAllowed { get; set; }
    /// <summary>When present, replaces the member list.</summary>
    public Guid[]? MemberIds { get; set; }
}

public sealed class UpdateGroupValidator : Validator<UpdateGroupRequest>
{
    public UpdateGroupValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(100).PlainName().When(x => x.Name is not null);
        RuleFor(x => x.Description).MaximumLength(1000);
        RuleFor(x => x.MemberIds).Must(m => m!.Length <= 10_000).When(x => x.MemberIds is not null).WithMessage("At most 10,000 members.");
    }
}

[Access(AccessScope.Admin)]
public sealed class UpdateGroupEndpoint(NpgsqlDataSource db) : Endpoint<UpdateGroupRequest, GroupResponse>
{
    private const string UpdateSql = """
        UPDATE groups SET
            name = coalesce(normalize(@name::text, NFC), name),
            description = coalesce(@description, description),
            photo_library_allowed = coalesce(@photoLibraryAllowed, photo_library_allowed),
            updated_at = now()
        WHERE id = @id
        """;

    public override void Configure()
    {
        Patch("groups/{id}");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("updateGroup"));
    }

    public override async Task HandleAsync(UpdateGroupRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        int updated;
        try
        {
            updated = await conn.ExecuteAsync(new CommandDefinition(UpdateSql,
                new { req.Id, name = req.Name?.Trim(), description = req.Description?.Trim(), req.PhotoLibraryAllowed }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (GroupStore.ConflictFrom(e) is { } conflict)
        {
            throw conflict;
        }
        if (updated == 0) throw ApiException.NotFound("The group");
        if (req.MemberIds is not null) await GroupStore.ReplaceMembersAsync(conn, tx, req.Id, req.MemberIds, ct);
        var group = await GroupStore.GetAsync(conn, req.Id, ct, tx);
        await tx.CommitAsync(ct);
        await Send.OkAsync(group, ct);
    }
}

[Access(AccessScope.Admin)]
public sealed class DeleteGroupEndpoint(NpgsqlDataSource db) : Endpoint<GroupIdRequest>
{
    private const string DeleteSql = "DELETE FROM groups WHERE id = @id";

    public override void Configure()
    {
        Delete("groups/{id}");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("deleteGroup"));
    }

    public override async Task HandleAsync(GroupIdRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        if (await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { req.Id }, cancellationToken: ct)) == 0)
            throw ApiException.NotFound("The group");
        await Send.NoContentAsync(ct);
    }
}
