using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Audit;

public sealed class ListAuditEventsRequest : AuditListRequest
{
    /// <summary>Only the events this user did or that concern them (actor or owner).</summary>
    [QueryParam] public Guid? UserId { get; set; }
}

public sealed class ListAuditEventsValidator : Validator<ListAuditEventsRequest>
{
    public ListAuditEventsValidator() => this.AddAuditListRules();
}

/// <summary>The whole audit trail, newest first, for admins: every kind, failed sign-ins of unknown names included.</summary>
[Access(AccessScope.Admin)]
public sealed class ListAuditEventsEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListAuditEventsRequest, Page<AuditEventResponse>>
{
    public override void Configure()
    {
        Get("admin/audit");
        Roles(Infrastructure.Auth.UserRoles.Admin);
        Description(d => d.WithName("listAuditEvents"));
    }

    public override async Task HandleAsync(ListAuditEventsRequest req, CancellationToken ct) =>
        await Send.OkAsync(await AuditPages.FetchAsync(db, lists, "listAuditEvents", req, req.UserId, ct), ct);
}
