using PhotoApi.Api.Features.Audit;
using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Access;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Features.Shares;
using PhotoApi.Api.Infrastructure.Auth;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Admin;

public sealed class RemoveDataRequest
{
    /// <summary>Any of <c>links</c>, <c>shares</c>, <c>settings</c>.</summary>
    public string[] Remove { get; set; } = [];
    /// <summary>Only count; change nothing.</summary>
    [QueryParam] public bool DryRun { get; set; }
}

public sealed class RemoveDataValidator : Validator<RemoveDataRequest>
{
    public RemoveDataValidator()
    {
        RuleFor(x => x.Remove).NotEmpty().Must(r => r.Distinct().Count() == r.Length).WithMessage("One to three distinct choices.");
        RuleForEach(x => x.Remove).Must(r => r.IsOneOf(RemoveDataEndpoint.Links, RemoveDataEndpoint.Shares, RemoveDataEndpoint.Settings))
            .WithMessage("One of: links, shares, settings.");
    }
}

/// <param name="Links">Share links that were on and ended (null: not chosen).</param>
/// <param name="Invitees">Users and groups a share was shared with, each removed (null: not chosen).</param>
/// <param name="SharesDeleted">Shares left with neither a link on nor an invitee, which go (a selection's hidden album with it).</param>
/// <param name="SettingsChanged">Whether a setting differed from its default (null: not chosen).</param>
public sealed record RemoveDataResponse(bool DryRun, int? Links, int? Invitees, int SharesDeleted, bool? SettingsChanged);

/// <summary>
/// What an uninstall wizard asks before PhotoApi's data is removed: end <b>all links</b> (every share's link turned off
/// with a new key, so no address handed out opens anything again — guests get the answer of any link turned off), remove
/// <b>all shares</b> with people (the user and group invitees of every album, selection and folder share; a link is a
/// setting of its share here, not a share of its own, so a share whose link is on stays for its guests), or <b>reset the
/// settings</b> to their defaults (registration by approval, Shared Space off). A share left with neither goes. A dry run
/// counts. One transaction, one audit event per choice. Photo requests and partners are not shares and stay.
/// </summary>
[Access(AccessScope.Admin)]
public sealed class RemoveDataEndpoint(NpgsqlDataSource db) : Endpoint<RemoveDataRequest, RemoveDataResponse>
{
    public const string Links = "links";
    public const string Shares = "shares";
    public const string Settings = "settings";

    private const string CountSql = """
        SELECT
            (SELECT count(*) FROM shares WHERE link_enabled)::int AS links,
            (SELECT count(*) FROM share_invitees)::int AS invitees,
            (SELECT count(*) FROM shares s
             WHERE NOT (s.link_enabled AND NOT @links)
               AND NOT (NOT @shares AND EXISTS (SELECT 1 FROM share_invitees i WHERE i.share_id = s.id)))::int AS shares_deleted,
            (SELECT registration_mode <> 'approval' OR shared_space_enabled FROM settings) AS settings_changed
        """;

    private const string AllSharesSql = "SELECT id FROM shares";
    private const string RemoveInviteesSql = "DELETE FROM share_invitees";
    private const string DeleteEmptySql = """
        CREATE TEMP TABLE empty_shares ON COMMIT DROP AS
            SELECT s.id, s.album_id, s.target_type FROM shares s
            WHERE NOT s.link_enabled AND NOT EXISTS (SELECT 1 FROM share_invitees i WHERE i.share_id = s.id);
        DELETE FROM shares WHERE id IN (SELECT id FROM empty_shares);
        DELETE FROM albums WHERE id IN (SELECT album_id FROM empty_shares WHERE target_type = 'selection');
        """;
    private const string ResetSettingsSql = """
        UPDATE settings SET registration_mode = 'approval', shared_space_enabled = false, updated_at = now()
        """;

    private sealed record Counts(int Links, int Invitees, int SharesDeleted, bool SettingsChanged);

    public override void Configure()
    {
        Post("admin/removals");
        Roles(UserRoles.Admin);
        Description(d => d.WithName("removeData"));
    }

    public override async Task HandleAsync(RemoveDataRequest req, CancellationToken ct)
    {
        bool links = req.Remove.Contains(Links), shares = req.Remove.Contains(Shares), settings = req.Remove.Contains(Settings);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Shares and settings are written only here while this runs: what is counted is what goes.
        await conn.ExecuteAsync(new CommandDefinition("LOCK TABLE shares, share_invitees, settings IN SHARE ROW EXCLUSIVE MODE", transaction: tx, cancellationToken: ct));
        var counts = await conn.QuerySingleAsync<Counts>(new CommandDefinition(CountSql, new { links, shares }, tx, cancellationToken: ct));
        var choice = links || shares;
        var response = new RemoveDataResponse(req.DryRun, links ? counts.Links : null, shares ? counts.Invitees : null,
            choice ? counts.SharesDeleted : 0, settings ? counts.SettingsChanged : null);
        if (req.DryRun)
        {
            await Send.OkAsync(response, ct);
            return;
        }

        if (links) await ShareStore.EndLinksAsync(conn, tx, (await conn.QueryAsync<Guid>(new CommandDefinition(AllSharesSql, transaction: tx, cancellationToken: ct))).AsList(), ct);
        if (shares) await conn.ExecuteAsync(new CommandDefinition(RemoveInviteesSql, transaction: tx, cancellationToken: ct));
        if (choice) await conn.ExecuteAsync(new CommandDefinition(DeleteEmptySql, transaction: tx, cancellationToken: ct));
        if (settings) await conn.ExecuteAsync(new CommandDefinition(ResetSettingsSql, transaction: tx, cancellationToken: ct));

        if (links) await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("admin.links-removed", null, details: new { response.Links, response.SharesDeleted }), ct);
        if (shares) await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("admin.shares-removed", null, details: new { response.Invitees, response.SharesDeleted }), ct);
        if (settings) await AuditTrail.RecordAsync(conn, tx, HttpContext.Audit("admin.settings-reset", null, details: new { response.SettingsChanged }), ct);
        await tx.CommitAsync(ct);
        await Send.OkAsync(response, ct);
    }
}
