using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Groups;

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
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("group.created", null, "group", id, GroupStore.AuditDetails(group, membersSet: true)), ct);
        await tx.CommitAsync(ct);
        await Send.ResponseAsync(group, 201, ct);
    }
}
