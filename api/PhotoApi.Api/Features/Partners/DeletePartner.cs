using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Partners;

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
        var me = HttpContext.Principal().UserId;
        var (ownerId, partnerId) = req.Direction == PartnerDirections.SharedWith ? (req.UserId, me) : (me, req.UserId);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var deleted = await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM partners WHERE owner_id = @ownerId AND partner_id = @partnerId", new { ownerId, partnerId }, tx, cancellationToken: ct));
        if (deleted == 0) throw ApiException.NotFound("The partner");
        // The sharer's event, whichever side ended it (the actor says who).
        await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("partner.deleted", ownerId, "user", partnerId), ct);
        await tx.CommitAsync(ct);
        await Send.NoContentAsync(ct);
    }
}
