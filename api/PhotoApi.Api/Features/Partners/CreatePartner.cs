using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Contracts;
using PhotoApi.Api.Features.Audit;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Partners;

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
        var userId = HttpContext.Principal().UserId;
        if (req.UserId == userId)
            throw new ApiException(400, ErrorCodes.PartnerIsSelf, "You cannot be your own partner.", new() { ["userId"] = ["That is you."] });
        await using var conn = await db.OpenConnectionAsync(ct);
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            var inserted = await conn.ExecuteAsync(new CommandDefinition(InsertSql, new { userId, partnerId = req.UserId }, tx, cancellationToken: ct));
            if (inserted == 0)
            {
                var existing = await PartnerStore.ListAsync(conn, userId, PartnerDirections.SharedBy, req.UserId, Guid.Empty, 1, ct);
                throw existing.Count > 0
                    ? new ApiException(409, ErrorCodes.PartnerExists, "You already share your library with this user.")
                    : ApiException.NotFound("The user");
            }
            await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("partner.created", userId, "user", req.UserId), ct);
            await tx.CommitAsync(ct);
        }
        await Send.ResponseAsync(await PartnerStore.GetAsync(conn, userId, PartnerDirections.SharedBy, req.UserId, ct), 201, ct);
    }
}
