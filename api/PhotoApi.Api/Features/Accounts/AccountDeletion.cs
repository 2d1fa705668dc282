using Dapper;
using FastEndpoints;
using FluentValidation;
using Npgsql;
using PhotoApi.Api.Features.Assets;
using PhotoApi.Api.Features.Common;
using PhotoApi.Api.Features.Shares;
using PhotoApi.Api.Infrastructure.Errors;
using PhotoApi.Api.Infrastructure.Jobs;
using PhotoApi.Contracts;
using PhotoApi.Persistence.Writes;

namespace PhotoApi.Api.Features.Accounts;

/// <summary>What deleting an account does with the user's data (the body of <c>deleteMyAccount</c> and <c>deleteUser</c>).</summary>
public abstract class AccountDeletionRequest
{
    /// <summary><c>delete-everything</c>, or <c>hand-over</c> to <see cref="ToUserId"/>.</summary>
    public string Mode { get; set; } = "";
    /// <summary>Hand-over only: the active user who receives the albums and the Shared Space uploads.</summary>
    public Guid? ToUserId { get; set; }
    /// <summary>Only count what would go and what would be handed over; change nothing.</summary>
    [QueryParam] public bool DryRun { get; set; }
}

public static class AccountDeletionModes
{
    public const string DeleteEverything = "delete-everything";
    public const string HandOver = "hand-over";

    public static void Rules<T>(AbstractValidator<T> v) where T : AccountDeletionRequest
    {
        v.RuleFor(x => x.Mode).Must(m => m.IsOneOf(DeleteEverything, HandOver)).WithMessage("One of: delete-everything, hand-over.");
        v.RuleFor(x => x.ToUserId).NotNull().When(x => x.Mode == HandOver).WithMessage("The user who receives the albums and Shared Space uploads.");
        v.RuleFor(x => x.ToUserId).Null().When(x => x.Mode == DeleteEverything).WithMessage("Only with mode hand-over.");
    }
}

/// <summary>What goes with the account.</summary>
/// <param name="Assets">The user's files (trash included), minus those handed over.</param>
/// <param name="Albums">Their albums (manual and conditional), minus those handed over.</param>
/// <param name="Shares">The shares they made (albums, selections, folders), minus those kept with a handed-over album.</param>
/// <param name="Links">Of their shares, the links that were on: every one ends, those of kept shares included.</param>
/// <param name="PhotoRequests">Their photo requests; <paramref name="PendingRequestUploads"/>: guests' files still waiting in them, whose bytes go too.</param>
public sealed record AccountDeletionCounts(int Assets, int Albums, int Shares, int Links, int PhotoRequests, int PendingRequestUploads,
    int ApiKeys, int Sessions, int Partners, int GroupMemberships);

/// <summary>What the recipient of a hand-over receives.</summary>
/// <param name="Assets">Files: those in the handed-over albums and the Shared Space uploads (<paramref name="SharedSpaceAssets"/> of them).</param>
/// <param name="Shares">Shares of the handed-over albums kept for their invitees (their links ended).</param>
public sealed record AccountHandOverCounts(Guid ToUserId, int Albums, int Assets, int SharedSpaceAssets, int Shares);

public sealed record AccountDeletionResponse(bool DryRun, string Mode, AccountDeletionCounts Deleted, AccountHandOverCounts? HandedOver);

/// <summary>
/// Deletes an account, or counts what that would do (dry run), in one transaction for the rows. Everything of the user goes
/// — files (their bytes through the blob collector, as for any purged file), albums, shares and their links, photo
/// requests (with their waiting guests' bytes), API keys, sessions, partners, group memberships — except, with
/// <c>hand-over</c>, what the recipient receives: the user's manual albums with their entries and the user's files in
/// them (so the albums stay whole), and the user's files in Shared Space (which stay in their folders). Files handed over
/// from the Personal Space land at the top of the recipient's. A handed-over album's share stays for its invitees (the
/// recipient, now the owner, leaves them; a share left with no one goes) but its link ends: a link is an address the
/// deleted user gave out, and the new owner decides whether to publish one. Conditional albums are saved filters over the
/// deleted user's library and go with it; selection shares go like every other share.
/// </summary>
public sealed class AccountDeletion(NpgsqlDataSource db, IJobQueue jobs)
{
    private const string LockAdminsSql = "SELECT id, status FROM users WHERE role = 'admin' ORDER BY id FOR NO KEY UPDATE";
    private const string LockUserSql = "SELECT role FROM users WHERE id = @userId FOR UPDATE";
    private const string RecipientSql = "SELECT EXISTS (SELECT 1 FROM users WHERE id = @toUserId AND id <> @userId AND status = 'active' FOR SHARE)";

    private const string PlanSql = """
        WITH handed_albums AS (
            SELECT id FROM albums WHERE owner_id = @userId AND kind = 'manual' AND @toUserId::uuid IS NOT NULL),
        handed_assets AS (
            SELECT a.id, a.in_shared_space FROM assets a
            WHERE a.owner_id = @userId AND a.trashed_at IS NULL AND @toUserId::uuid IS NOT NULL
              AND (a.in_shared_space OR EXISTS (SELECT 1 FROM album_assets e JOIN handed_albums h ON h.id = e.album_id WHERE e.asset_id = a.id))),
        kept_shares AS (
            SELECT s.id FROM shares s JOIN handed_albums h ON h.id = s.album_id
            WHERE EXISTS (SELECT 1 FROM share_invitees i WHERE i.share_id = s.id AND i.user_id IS DISTINCT FROM @toUserId))
        SELECT
            ARRAY(SELECT id FROM handed_albums) AS album_ids,
            ARRAY(SELECT id FROM handed_assets) AS asset_ids,
            ARRAY(SELECT id FROM kept_shares) AS share_ids,
            (SELECT count(*) FROM handed_assets WHERE in_shared_space)::int AS shared_space_assets,
            ((SELECT count(*) FROM assets WHERE owner_id = @userId) - (SELECT count(*) FROM handed_assets))::int AS assets,
            ((SELECT count(*) FROM albums WHERE owner_id = @userId AND kind <> 'selection') - (SELECT count(*) FROM handed_albums))::int AS albums,
            ((SELECT count(*) FROM shares WHERE owner_id = @userId) - (SELECT count(*) FROM kept_shares))::int AS shares,
            (SELECT count(*) FROM shares WHERE owner_id = @userId AND link_enabled)::int AS links,
            (SELECT count(*) FROM photo_requests WHERE owner_id = @userId)::int AS photo_requests,
            (SELECT count(*) FROM photo_request_uploads u JOIN photo_requests r ON r.id = u.request_id
             WHERE r.owner_id = @userId AND u.raw_blob_key IS NOT NULL)::int AS pending_request_uploads,
            (SELECT count(*) FROM api_keys WHERE user_id = @userId AND revoked_at IS NULL)::int AS api_keys,
            (SELECT count(*) FROM sessions WHERE user_id = @userId AND revoked_at IS NULL AND expires_at > now())::int AS sessions,
            (SELECT count(*) FROM partners WHERE owner_id = @userId OR partner_id = @userId)::int AS partners,
            (SELECT count(*) FROM group_members WHERE user_id = @userId)::int AS group_memberships
        """;

    // The album entries of what changes hands are written again (added_by is in the SET list), so their flags and the
    // albums' counters follow the new owners; the recipient's Personal Space count is counted afresh (the counters'
    // trigger follows folders and the trash, not owners).
    private const string HandOverSql = """
        UPDATE albums SET owner_id = @toUserId, updated_at = now() WHERE id = ANY(@albumIds);
        UPDATE shares SET owner_id = @toUserId, updated_at = now() WHERE id = ANY(@shareIds);
        DELETE FROM share_invitees WHERE share_id = ANY(@shareIds) AND user_id = @toUserId;
        UPDATE assets SET owner_id = @toUserId, folder_id = CASE WHEN in_shared_space THEN folder_id END, updated_at = now()
        WHERE id = ANY(@assetIds);
        UPDATE album_assets SET added_by = CASE WHEN added_by = @userId THEN @toUserId ELSE added_by END
        WHERE album_id = ANY(@albumIds) OR asset_id = ANY(@assetIds);
        UPDATE users SET personal_asset_count =
            (SELECT count(*) FROM assets WHERE owner_id = @toUserId AND trashed_at IS NULL AND NOT in_shared_space)
        WHERE id = @toUserId;
        """;

    // The user's row last: its cascades take sessions and their tokens, API keys, group memberships, partners, albums
    // with their entries, shares with their invitees, photo requests with their uploads (a trigger queues the files of
    // those still waiting for the blob collector), folder permissions, the Personal Space's folders. Unfinished resumable uploads have no key to cascade by: the worker's sweep deletes those
    // of a user who is gone, with their bytes.
    private const string DeleteSql = $"""
        {AssetPurge.Prefix} WHERE owner_id = @userId {AssetPurge.Suffix};
        DELETE FROM users WHERE id = @userId;
        """;

    // Settable properties, not a positional record: Dapper matches constructors by field type, and arrays read as System.Array.
    private sealed class Plan
    {
        public Guid[] AlbumIds { get; init; } = [];
        public Guid[] AssetIds { get; init; } = [];
        public Guid[] ShareIds { get; init; } = [];
        public int SharedSpaceAssets { get; init; }
        public int Assets { get; init; }
        public int Albums { get; init; }
        public int Shares { get; init; }
        public int Links { get; init; }
        public int PhotoRequests { get; init; }
        public int PendingRequestUploads { get; init; }
        public int ApiKeys { get; init; }
        public int Sessions { get; init; }
        public int Partners { get; init; }
        public int GroupMemberships { get; init; }
    }

    /// <summary>
    /// Deletes <paramref name="userId"/>'s account (or counts, for a dry run), recording <paramref name="audit"/>'s kind with
    /// the mode and the counts. 404 when there is no such user; 409 <c>user.last_admin</c> for the last active admin; 400
    /// when the recipient is not another active user.
    /// </summary>
    public async Task<AccountDeletionResponse> RunAsync(Guid userId, AccountDeletionRequest req, Func<AccountDeletionResponse, AuditEvent> audit,
        CancellationToken ct)
    {
        var toUserId = req.Mode == AccountDeletionModes.HandOver ? req.ToUserId : null;
        AccountDeletionResponse response;
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await using var tx = await conn.BeginTransactionAsync(ct);
            // Admins first, in one order: two admins deleting each other at once cannot both pass the check.
            var admins = (await conn.QueryAsync<(Guid Id, string Status)>(new CommandDefinition(LockAdminsSql, transaction: tx, cancellationToken: ct))).AsList();
            var role = await conn.ExecuteScalarAsync<string?>(new CommandDefinition(LockUserSql, new { userId }, tx, cancellationToken: ct))
                       ?? throw ApiException.NotFound("The user");
            if (role == "admin" && !admins.Any(a => a.Id != userId && a.Status == "active"))
                throw new ApiException(409, ErrorCodes.LastAdmin, "This is the last active administrator's account: make another user an admin first.");
            if (toUserId is not null &&
                !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(RecipientSql, new { userId, toUserId }, tx, cancellationToken: ct)))
                throw ApiException.Validation("toUserId", "Must be another active user.");

            var plan = await conn.QuerySingleAsync<Plan>(new CommandDefinition(PlanSql, new { userId, toUserId }, tx, cancellationToken: ct));
            response = new AccountDeletionResponse(req.DryRun, req.Mode,
                new AccountDeletionCounts(plan.Assets, plan.Albums, plan.Shares, plan.Links, plan.PhotoRequests, plan.PendingRequestUploads,
                    plan.ApiKeys, plan.Sessions, plan.Partners, plan.GroupMemberships),
                toUserId is { } to ? new AccountHandOverCounts(to, plan.AlbumIds.Length, plan.AssetIds.Length, plan.SharedSpaceAssets, plan.ShareIds.Length) : null);
            if (req.DryRun) return response;

            if (toUserId is not null)
            {
                await conn.ExecuteAsync(new CommandDefinition(HandOverSql, new { userId, toUserId, plan.AlbumIds, plan.ShareIds, plan.AssetIds }, tx, cancellationToken: ct));
                await ShareStore.EndLinksAsync(conn, tx, plan.ShareIds, ct);
            }
            await conn.ExecuteAsync(new CommandDefinition(DeleteSql, new { userId }, tx, cancellationToken: ct));
            await AuditTrail.RecordAsync(conn, tx, audit(response), ct);
            await tx.CommitAsync(ct);
        }
        jobs.Enqueue<IBlobCollectorJob>(Queues.Maintenance, j => j.CollectAsync(CancellationToken.None));
        return response;
    }

    /// <summary>What the audit trail keeps of a deletion: the mode, the recipient and the counts (no secrets).</summary>
    public static object Details(AccountDeletionResponse r) => new { r.Mode, r.Deleted, r.HandedOver };
}
