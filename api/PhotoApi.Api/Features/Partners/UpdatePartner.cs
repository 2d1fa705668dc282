using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Infrastructure.Errors;

namespace PhotoApi.Api.Features.Partners;

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
        var userId = HttpContext.Principal().UserId;
        await using var conn = await db.OpenConnectionAsync(ct);
        var updated = await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE partners SET in_timeline = @inTimeline WHERE owner_id = @ownerId AND partner_id = @userId",
            new { ownerId = req.UserId, userId, inTimeline = req.InTimeline }, cancellationToken: ct));
        if (updated == 0) throw ApiException.NotFound("The partner");
        await Send.OkAsync(await PartnerStore.GetAsync(conn, userId, PartnerDirections.SharedWith, req.UserId, ct), ct);
    }
}
