using FastEndpoints;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Api.Infrastructure.Data;

namespace PhotoApi.Api.Features.Audit;

public sealed class ListMyAuditEventsRequest : AuditListRequest;

public sealed class ListMyAuditEventsValidator : Validator<ListMyAuditEventsRequest>
{
    public ListMyAuditEventsValidator() => this.AddAuditListRules();
}

/// <summary>
/// The caller's own audit trail, newest first: the events they did (actor) or that concern their account, keys, shares
/// and requests (owner) — never another user's. An invitee does not see the share made to them here (it is the
/// sharer's event); they see the share itself on their Sharing page.
/// </summary>
[Access(AccessScope.SignedIn)]
public sealed class ListMyAuditEventsEndpoint(NpgsqlDataSource db, ListQueries lists) : Endpoint<ListMyAuditEventsRequest, Page<AuditEventResponse>>
{
    public override void Configure()
    {
        Get("users/me/audit");
        Description(d => d.WithName("listMyAuditEvents"));
    }

    public override async Task HandleAsync(ListMyAuditEventsRequest req, CancellationToken ct) =>
        await Send.OkAsync(await AuditPages.FetchAsync(db, lists, "listMyAuditEvents", req, User.UserId(), ct), ct);
}
