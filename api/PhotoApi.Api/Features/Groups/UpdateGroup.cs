using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Groups;

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
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("group.updated", null, "group", req.Id, GroupStore.AuditDetails(group, req.MemberIds is not null)), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(group, ct);
    }
}
