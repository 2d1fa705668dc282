using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;

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

public sealed class ListPartnersRequest : IPagedRequest
{
    /// <summary><c>shared-by</c> (default: whom I share my library with) or <c>shared-with</c> (who shares theirs with me).</summary>
    [QueryParam] public string? Direction { get; set; }
    [QueryParam] public int? Limit { get; set; }
    [QueryParam] public string? Cursor { get; set; }
}

public sealed class ListPartnersValidator : Validator<ListPartnersRequest>
{
    public ListPartnersValidator()
    {
        RuleFor(x => x.Direction).Must(d => d.IsOneOf(PartnerDirections.SharedBy, PartnerDirections.SharedWith)).When(x => x.Direction is not null)
            .WithMessage("One of: shared-by, shared-with.");
        this.AddPagingRules();
    }
}

[Access(AccessScope.Caller)]
public sealed class ListPartnersEndpoint(NpgsqlDataSource db) : Endpoint<ListPartnersRequest, Page<PartnerResponse>>
{
    public override void Configure()
    {
        Get("partners");
        Description(d => d.WithName("listPartners"));
    }

    public override async Task HandleAsync(ListPartnersRequest req, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await PartnerStore.ListAsync(conn, Principal.Of(User).UserId, req.Direction ?? PartnerDirections.SharedBy, null, req.After(), req.Limit() + 1, ct);
        await Send.OkAsync(rows.ToPage(req.Limit(), p => p.UserId), ct);
    }
}

public sealed class CreatePartnerRequest
{
    /// <summary>The user to share the caller's whole Personal Space with (they see and download it; never the trash).</summary>
    public Guid UserId { get; set; }
}

public sealed class CreatePartnerValidator : Validator<CreatePartnerRequest>
{
    public CreatePartnerValidator() => RuleFor(x => x.UserId).NotEmpty();
}

/// <summary>Starts sharing the caller's Personal Space with another active user, one way.</summary>
[Access(AccessScope.Caller)]
public sealed class CreatePartnerEndpoint(NpgsqlDataSource db) : Endpoint<CreatePartnerRequest, PartnerResponse>
{
    private const string InsertSql = """
        INSERT INTO partners (owner_id, partner_id)
        SELECT @userId, id FROM users WHERE id = @partnerId AND status = 'active'
        ON CONFLICT DO NOTHING
        """;

    public override void Configure()
    {
        Post("partners");
        Description(d => d.WithName("createPartner").ClearDefaultProduces(200).Produces<PartnerResponse>(201));
    }

    public override async Task HandleAsync(CreatePartnerRequest req, CancellationToken ct)
    {
        var userId = Principal.Of(User).UserId;
        if (req.UserId == userId)
            throw new ApiException(400, ErrorCodes.PartnerIsSelf, "You cannot be your own partner.", new() { ["userId"] = ["That is you."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        var inserted = await conn.ExecuteAsync(new CommandDefinition(InsertSql, new { userId, partnerId = req.UserId }, cancellationToken: ct));
        if (inserted == 0)
        {
            var existing = await PartnerStore.ListAsync(conn, userId, PartnerDirections.SharedBy, req.UserId, Guid.Empty, 1, ct);
            throw existing.Count > 0
                ? new ApiException(409, ErrorCodes.PartnerExists, "You already share your library with this user.")
                : ApiException.NotFound("The user");
        }
        await Send.ResponseAsync(await PartnerStore.GetAsync(conn, userId, PartnerDirections.SharedBy, req.UserId, ct), 201, ct);
    }
}

public sealed class UpdatePartnerRequest
{
    /// <summary>The partner who shares their library with the caller.</summary>
    public Guid UserId { get; set; }
    /// <summary>Show that partner's photos in the caller's own timeline. Required.</summary>
    public bool? InTimeline { get; set; }
}

public sealed class UpdatePartnerValidator : Validator<UpdatePartnerRequest>
{
    public UpdatePartnerValidator() => RuleFor(x => x.InTimeline).NotNull().WithMessage("Say whether to show this partner's photos in your timeline.");
}

/// <summary>The recipient's choice: show a partner's library in their own timeline or not.</summary>
[Access(AccessScope.Caller)]
public sealed class UpdatePartnerEndpoint(NpgsqlDataSource db) : Endpoint<UpdatePartnerRequest, PartnerResponse>
{
    public override void Configure()
    {
        Patch("partners/{userId}");
        Description(d => d.WithName("updatePartner"));
    }

    public override async Task HandleAsync(UpdatePartnerRequest req, CancellationToken ct)
    {
        var userId = Principal.Of(User).UserId;
        await using var conn = await db.OpenConnectionAsync(ct);
        var updated = await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE partners SET in_timeline = @inTimeline WHERE owner_id = @ownerId AND partner_id = @userId",
            new { ownerId = req.UserId, userId, inTimeline = req.InTimeline }, cancellationToken: ct));
        if (updated == 0) throw ApiException.NotFound("The partner");
        await Send.OkAsync(await PartnerStore.GetAsync(conn, userId, PartnerDirections.SharedWith, req.UserId, ct), ct);
    }
}

public sealed class DeletePartnerRequest
{
    public Guid UserId { get; set; }
    /// <summary><c>shared-by</c> (default): stop sharing my library with this user; <c>shared-with</c>: stop receiving theirs.</summary>
    [QueryParam] public string? Direction { get; set; }
}

public sealed class DeletePartnerValidator : Validator<DeletePartnerRequest>
{
    public DeletePartnerValidator() =>
        RuleFor(x => x.Direction).Must(d => d.IsOneOf(PartnerDirections.SharedBy, PartnerDirections.SharedWith)).When(x => x.Direction is not null)
            .WithMessage("One of: shared-by, shared-with.");
}

/// <summary>Ends a partnership from either side: the sharer stops sharing, or the recipient leaves.</summary>
[Access(AccessScope.Caller)]
public sealed class DeletePartnerEndpoint(NpgsqlDataSource db) : Endpoint<DeletePartnerRequest>
{
    public override void Configure()
    {
        Delete("partners/{userId}");
        Description(d => d.WithName("deletePartner").ClearDefaultProduces(200).Produces(204));
    }

    public override async Task HandleAsync(DeletePartnerRequest req, CancellationToken ct)
    {
        var me = Principal.Of(User).UserId;
        var (ownerId, partnerId) = req.Direction == PartnerDirections.SharedWith ? (req.UserId, me) : (me, req.UserId);
        await using var conn = await db.OpenConnectionAsync(ct);
        var deleted = await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM partners WHERE owner_id = @ownerId AND partner_id = @partnerId", new { ownerId, partnerId }, cancellationToken: ct));
        if (deleted == 0) throw ApiException.NotFound("The partner");
        await Send.NoContentAsync(ct);
    }
}
