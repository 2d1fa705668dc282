using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PhotoApi.Api.Infrastructure.Data;
using PhotoApi.IntegrationTests.Infrastructure;

namespace PhotoApi.IntegrationTests.Features;

/// <summary>
/// Every list page must cost what the page costs, not what the whole library of every user costs. Over a library of
/// ~52,000 assets of 20 users, this calls every list endpoint as the people who use it would (first page, then the next
/// through the returned cursor, with each filter), captures the page queries the endpoints ran through
/// <see cref="ListQueries"/>, and asks PostgreSQL for the plan of exactly that SQL with exactly those parameters: a
/// plan that reads <c>assets</c> or <c>album_assets</c> whole (a sequential scan, or an index scan without an index
/// condition) fails, naming the query and the node. Nothing forces a plan: these are the plans the planner picks for
/// tables of this size.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class QueryPlanTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly IReadOnlySet<string> LargeTables = new HashSet<string> { "assets", "album_assets" };

    /// <summary>One list request as a client makes it; <c>Paged</c>: the seed holds more than one page of it.</summary>
    private sealed record Call(string OperationId, string Who, HttpClient Client, string Url, bool Paged = true);

    /// <summary>A query an endpoint ran while answering page 1 or 2 of a call.</summary>
    private sealed record Captured(Call Call, int Page, ListQuery Query)
    {
        public string Where => $"GET {Call.Url} as {Call.Who}, page {Page}";
    }

    private sealed record Run(IReadOnlyList<Call> Calls, IReadOnlyList<(Call Call, int Page, int Queries)> Pages, IReadOnlyList<Captured> Queries,
        IReadOnlyList<string> Unpaged);

    // Both facts read one seeded library and one round of calls: seeding is the expensive part.
    private static readonly ConditionalWeakTable<ApiFactory, Lazy<Task<Run>>> Runs = new();

    private Task<Run> RunAsync() => Runs.GetValue(api, a => new Lazy<Task<Run>>(() => CallEveryListAsync(a))).Value;

    [Fact]
    public async Task Every_list_endpoint_runs_its_page_queries_through_ListQueries()
    {
        var run = await RunAsync();
        var problems = new List<string>();
        var contractLists = QueryPlans.ContractLists().ToHashSet();
        var called = run.Calls.Select(c => c.OperationId).ToHashSet();
        foreach (var list in contractLists.Where(l => !called.Contains(l)).Order())
            problems.Add($"{list}: a list in openapi.yaml that this test never calls (add it to {nameof(QueryPlanTests)}.Calls)");
        var silent = run.Pages.Where(p => p.Queries == 0 && contractLists.Contains(p.Call.OperationId)).GroupBy(p => p.Call).ToList();
        if (silent.Count > 0)
            problems.Add("ran no ListQuery (the page query bypasses ListQueries): " + string.Join(", ",
                silent.GroupBy(g => g.Key.OperationId).Select(g => $"{g.Key} ({g.Count()} of {run.Calls.Count(c => c.OperationId == g.Key)} calls)")));
        foreach (var call in silent)
            problems.Add($"{call.Key.OperationId}: GET {call.Key.Url} as {call.Key.Who} ran no ListQuery (page {string.Join(", ", call.Select(p => p.Page))})");
        foreach (var q in run.Queries.Where(q => OperationOf(q.Query.Name) != q.Call.OperationId).DistinctBy(q => q.Query.Name))
            problems.Add($"{q.Call.OperationId}: ran ListQuery '{q.Query.Name}', whose name is not '{q.Call.OperationId}' or '{q.Call.OperationId}:variant' ({q.Where})");
        problems.AddRange(run.Unpaged);
        Assert.True(problems.Count == 0, $"List endpoints not observable through ListQueries ({problems.Count}):\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public async Task No_list_query_plan_reads_assets_or_album_assets_whole()
    {
        var run = await RunAsync();
        // A plan check that saw nothing must not pass as if it had checked something.
        Assert.True(run.Queries.Count > 0, "No list endpoint ran a query through ListQueries, so no plan was checked.");
        var db = api.Services.GetRequiredService<NpgsqlDataSource>();
        var scans = new List<(string Finding, Captured Where)>();
        foreach (var captured in run.Queries)
            foreach (var scan in QueryPlans.WholeReads(await QueryPlans.ExplainAsync(db, captured.Query), LargeTables))
                scans.Add(($"{captured.Query.Name}: {scan}", captured));
        var report = scans.GroupBy(s => s.Finding).Select(g =>
            $"{g.Key}\n      from {g.First().Where.Where}{(g.Count() > 1 ? $" and {g.Count() - 1} more" : "")}").ToList();
        Assert.True(report.Count == 0,
            $"List query plans that read assets or album_assets whole ({report.Count} findings; {run.Queries.Count} queries explained, " +
            $"{run.Queries.Select(q => q.Query.Name).Distinct().Count()} distinct names):\n  " + string.Join("\n  ", report));
    }

    [Fact]
    public async Task The_top_of_the_Personal_Space_is_a_range_of_its_own_index()
    {
        // A library sorted into folders has few files at its top: walking the whole timeline to find them would cost the
        // library, not the page. The page query is a range of assets_personal_root_idx that stops at the LIMIT.
        var run = await RunAsync();
        var db = api.Services.GetRequiredService<NpgsqlDataSource>();
        var root = run.Queries.Where(q => q.Query.Name == "listAssets:root" && !q.Call.Url.Contains("tag=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(root);
        foreach (var captured in root)
        {
            var indexes = QueryPlans.IndexesOn(await QueryPlans.ExplainAsync(db, captured.Query), "assets").ToList();
            Assert.True(indexes.SequenceEqual(["assets_personal_root_idx"]),
                $"{captured.Where}: reads assets through [{string.Join(", ", indexes)}], not assets_personal_root_idx alone.");
        }
    }

    [Fact]
    public async Task A_users_exports_are_a_range_of_their_own_index()
    {
        // Expired exports stay listed: a user's page must not cost the history of every user's exports (0024).
        var run = await RunAsync();
        var db = api.Services.GetRequiredService<NpgsqlDataSource>();
        var pages = run.Queries.Where(q => OperationOf(q.Query.Name) == "listExports").ToList();
        Assert.Equal(["listExports", "listExports:next"], pages.Select(q => q.Query.Name));
        foreach (var captured in pages)
        {
            var indexes = QueryPlans.IndexesOn(await QueryPlans.ExplainAsync(db, captured.Query), "exports").ToList();
            Assert.True(indexes.SequenceEqual(["exports_owner_created_idx"]),
                $"{captured.Where}: reads exports through [{string.Join(", ", indexes)}], not exports_owner_created_idx alone.");
        }
    }

    private static string OperationOf(string name) => name.Split(':')[0];

    private static async Task<Run> CallEveryListAsync(ApiFactory api)
    {
        var library = await PlanSeed.SeedAsync(api);
        var calls = Calls(library, api.NewClient());
        var lists = api.Services.GetRequiredService<ListQueries>();
        var captured = new List<ListQuery>();
        void Listen(ListQuery q)
        {
            lock (captured) captured.Add(q);
        }

        var queries = new List<Captured>();
        var pages = new List<(Call, int, int)>();
        var unpaged = new List<string>();
        lists.Ran += Listen;
        try
        {
            foreach (var call in calls)
            {
                string? cursor = null;
                for (var page = 1; page <= 2; page++)
                {
                    var url = cursor is null ? call.Url : $"{call.Url}{(call.Url.Contains('?') ? '&' : '?')}cursor={Uri.EscapeDataString(cursor)}";
                    lock (captured) captured.Clear();
                    var body = await call.Client.GetAsync(url).Json();
                    ListQuery[] ran;
                    lock (captured) ran = captured.ToArray();
                    queries.AddRange(ran.Select(q => new Captured(call, page, q)));
                    pages.Add((call, page, ran.Length));
                    cursor = body.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
                    if (page == 1 && call.Paged && cursor is null)
                        unpaged.Add($"{call.OperationId}: GET {call.Url} as {call.Who} answered one page only, though the seed holds more (the next page's query went unchecked)");
                    if (cursor is null) break;
                }
            }
        }
        finally
        {
            lists.Ran -= Listen;
        }
        return new Run(calls, pages, queries, unpaged);
    }

    /// <summary>Every list, as the principals who use it call it, with each filter and scope.</summary>
    private static List<Call> Calls(PlanSeed.Library l, HttpClient guest)
    {
        var (alice, bob, dave, admin) = (l.Alice.Client, l.Bob.Client, l.Dave.Client, l.Admin.Client);
        var from = Uri.EscapeDataString(DateTime.UtcNow.AddDays(-60).ToString("O"));
        var to = Uri.EscapeDataString(DateTime.UtcNow.AddDays(-30).ToString("O"));
        const string assets = "/api/v1/assets?limit=50";
        return
        [
            // alice's timeline (carol's library in it) and her folder, albums, partner and trash, with each filter alone and some together.
            .. new[]
            {
                "", $"&tag={PlanSeed.Tag}", $"&q={PlanSeed.Words}", "&type=video", "&minRating=4", $"&from={from}&to={to}",
                $"&tag={PlanSeed.Tag}&type=image&minRating=1&from={from}", "&trashed=true",
                $"&folderId={l.TripsFolder}", $"&folderId={l.TripsFolder}&tag={PlanSeed.Tag}",
                "&inFolder=false", $"&inFolder=false&tag={PlanSeed.Tag}", "&inFolder=false&minRating=4",
                $"&albumId={l.BigAlbum}", $"&albumId={l.ConditionalAlbum}", $"&partnerId={l.Carol.UserId}", $"&partnerId={l.Carol.UserId}&minRating=3",
            }.Select(filter => new Call("listAssets", "alice", alice, assets + filter)),
            // bob's timeline has no partner in it; what an album viewer and the Shared Space's users see.
            new("listAssets", "bob", bob, assets),
            new("listAssets", "bob (viewer)", bob, $"{assets}&albumId={l.BigAlbum}"),
            new("listAssets", "admin", admin, $"{assets}&folderId={l.TeamFolder}"),
            new("listAssets", "dave (Custom)", dave, $"{assets}&folderId={l.TeamFolder}"),
            new("listAlbumAssets", "alice", alice, $"/api/v1/albums/{l.BigAlbum}/assets?limit=50"),
            new("listAlbumAssets", "bob (viewer)", bob, $"/api/v1/albums/{l.BigAlbum}/assets?limit=50"),
            new("listAlbumAssets", "alice", alice, $"/api/v1/albums/{l.ConditionalAlbum}/assets?limit=50"),
            new("listPublicShareAssets", "a guest (album link)", guest, $"/api/v1/s/{l.AlbumLinkKey}/assets?limit=50"),
            new("listPublicShareAssets", "a guest (folder link)", guest, $"/api/v1/s/{l.FolderLinkKey}/assets?limit=50"),
            .. new[] { "owned", "shared", "all" }.Select(scope => new Call("listAlbums", "alice", alice, $"/api/v1/albums?scope={scope}&limit=2")),
            new("listAlbums", "bob", bob, "/api/v1/albums?scope=shared&limit=2"),
            new("listSharedWithMe", "bob", bob, "/api/v1/sharing/with-me?limit=2"),
            new("listSharedWithMe", "alice", alice, "/api/v1/sharing/with-me?limit=2"),
            new("listSharedWithOthers", "alice", alice, "/api/v1/sharing/with-others?limit=2"),
            // The admins' shape (Shared Space folder shares too): the admin shares one folder, so one page.
            new("listSharedWithOthers", "admin", admin, "/api/v1/sharing/with-others?limit=2", Paged: false),
            new("listFolders", "alice", alice, "/api/v1/folders?space=personal&limit=5"),
            new("listFolders", "admin", admin, "/api/v1/folders?space=shared&limit=1"),
            new("listFolders", "dave (Custom)", dave, "/api/v1/folders?space=shared&limit=1"),
            new("listPartners", "alice", alice, "/api/v1/partners?direction=shared-by&limit=1"),
            new("listPartners", "alice", alice, "/api/v1/partners?direction=shared-with&limit=1"),
            new("listPhotoRequests", "alice", alice, "/api/v1/photo-requests?limit=2"),
            new("listPhotoRequestUploads", "alice", alice, $"/api/v1/photo-requests/{l.PhotoRequest}/uploads?limit=50"),
            new("listGroups", "admin", admin, "/api/v1/groups?limit=2"),
            new("listUsers", "admin", admin, "/api/v1/admin/users?limit=5"),
            new("listUsers", "admin", admin, "/api/v1/admin/users?q=bulk&status=active&limit=5"),
            new("listApiKeys", "alice", alice, "/api/v1/api-keys?limit=2"),
            new("listExports", "alice", alice, "/api/v1/users/me/exports?limit=1"),
            // Alice's account was created and signed in: two events at least.
            new("listAuditEvents", "admin", admin, "/api/v1/admin/audit?limit=5"),
            new("listAuditEvents", "admin", admin, $"/api/v1/admin/audit?userId={l.Alice.UserId}&limit=1"),
            new("listAuditEvents", "admin", admin, "/api/v1/admin/audit?kind=admin.&limit=1"),
            new("listMyAuditEvents", "alice", alice, "/api/v1/users/me/audit?limit=1"),
            new("listMyAuditEvents", "alice", alice, "/api/v1/users/me/audit?kind=auth.sign-in&limit=1", Paged: false),
            // Not paged (at most `limit` matches), but a list all the same: checked when it runs through ListQueries.
            new("searchPrincipals", "alice", alice, "/api/v1/principals?q=bulk&limit=5", Paged: false),
        ];
    }
}
