using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PhotoApi.Persistence;
using PhotoApi.Persistence.Blobs;
using PhotoApi.Workers.Jobs.Sweeper;

// PhotoApi.ClusterDrill --base URL --seconds N --events FILE --fixtures DIR [--concurrency C]
//   environment: DRILL_DB (connection string), DRILL_S3_URL, DRILL_S3_BUCKET, DRILL_S3_ACCESS_KEY, DRILL_S3_SECRET_KEY
// deploy/cluster-drill.sh runs it against the balancer while it kills and restarts processes (writing FILE: one line per
// event, "<unix ms> <kind> [asset ids]"). The load: plain and resumable (tus) uploads, photo-request uploads, timeline and
// link reads, shares created and revoked. Then it waits for the workers to settle and checks what a user must be able to
// rely on — every acknowledged upload is there with its bytes, processed exactly once, nothing in the bucket that no row
// names — prints the figures and exits 1 when any check fails.

var opts = Args.Parse(args);
var stats = new ConcurrentBag<Sample>();
var acknowledged = new ConcurrentBag<(Guid Id, string Sha256, string Op)>();
var requestUploads = new ConcurrentBag<Guid>();
var revokeViolations = 0;

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
{
    BaseAddress = new Uri(opts.Base), Timeout = TimeSpan.FromSeconds(60),
};
var grey = await File.ReadAllBytesAsync(Path.Combine(opts.Fixtures, "grey.jpg"));
var photo = await File.ReadAllBytesAsync(Path.Combine(opts.Fixtures, "exif-orient6.jpg"));

// ---------------------------------------------------------------- setup: an owner, a shared album, a photo request
var password = "Drill-Passw0rd-1";
(await http.PostAsJsonAsync("/api/v1/auth/register", new { username = "drill", password, email = "drill@example.test", displayName = "Drill" })).EnsureSuccessStatusCode();
var login = await (await http.PostAsJsonAsync("/api/v1/auth/login", new { username = "drill", password })).Content.ReadFromJsonAsync<JsonElement>();
var bearer = new AuthenticationHeaderValue("Bearer", login.GetProperty("accessToken").GetString());
var seed = new List<Guid>();
for (var i = 0; i < 3; i++) seed.Add(await Upload(Unique(grey, 0), "seed.jpg", "setup") ?? throw new InvalidOperationException("the setup upload failed"));
var album = await Send(HttpMethod.Post, "/api/v1/albums", JsonContent.Create(new { name = "Drill", assetIds = seed })).Json();
var share = await Send(HttpMethod.Post, "/api/v1/shares", JsonContent.Create(new { target = new { type = "album", id = album.GetProperty("id").GetGuid() }, linkEnabled = true, privacy = "public" })).Json();
var shareKey = share.GetProperty("key").GetString()!;
var request = await Send(HttpMethod.Post, "/api/v1/photo-requests", JsonContent.Create(new { subject = "Drill", maxFileSizeMb = 20 })).Json();
var requestKey = request.GetProperty("key").GetString()!;
Console.WriteLine($"setup: owner, album of 3 shared by link, photo request; load for {opts.Seconds} s with {opts.Concurrency} clients");

// ---------------------------------------------------------------- load
var loadStart = Stopwatch.GetTimestamp();
var loadClock = DateTimeOffset.UtcNow;
var until = DateTime.UtcNow.AddSeconds(opts.Seconds);
await Task.WhenAll(Enumerable.Range(0, opts.Concurrency).Select(async n =>
{
    var rng = new Random(n * 7919 + 1);
    while (DateTime.UtcNow < until)
    {
        var roll = rng.Next(100);
        // Every fourth upload is 4 MiB (streamed to the store for a while: a process killed mid-upload is likely inside one).
        var big = rng.Next(4) == 0 ? 4 << 20 : 0;
        try
        {
            if (roll < 25) await Upload(Unique(rng.Next(2) == 0 ? grey : photo, big), "plain.jpg", "upload");
            else if (roll < 40) await Tus(Unique(grey, big));
            else if (roll < 50) await RequestUpload(Unique(photo, 0));
            else if (roll < 72) await Timed("timeline", () => Send(HttpMethod.Get, "/api/v1/assets?limit=50"), 200);
            else if (roll < 90) await Timed("link read", () => Send(HttpMethod.Get, $"/api/v1/s/{shareKey}/assets", auth: false), 200);
            else await ShareAndRevoke();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            // Recorded by Timed; the client goes on, as a real one would.
        }
        // A client that just saw an error waits a little before the next request, as real ones do (and as fast failures
        // would otherwise turn a 3 s outage into thousands of errors).
        if (stats.LastOrDefault() is { Ok: false }) await Task.Delay(250);
    }
}));
var loadSeconds = Stopwatch.GetElapsedTime(loadStart).TotalSeconds;
Console.WriteLine($"load done after {loadSeconds:F0} s");

// ---------------------------------------------------------------- settle
await using var db = NpgsqlDataSource.Create(opts.Db);
var storage = JobStorageFactory.Create(opts.Db, prepareSchema: false);
var recurring = new RecurringJobManager(storage);
var settleClock = Stopwatch.StartNew();
var lastSweep = TimeSpan.Zero - TimeSpan.FromMinutes(1);
long unsettled;
while (true)
{
    await using (var conn = await db.OpenConnectionAsync())
        unsettled = await conn.ExecuteScalarAsync<long>("""
            SELECT (SELECT count(*) FROM assets WHERE status IN ('pending', 'processing'))
                 + (SELECT count(*) FROM photo_request_uploads WHERE status IN ('pending', 'processing'))
                 + (SELECT count(*) FROM hangfire.jobqueue)
            """);
    if (unsettled == 0 || settleClock.Elapsed > TimeSpan.FromMinutes(4)) break;
    // The sweeper's cron is every 5 minutes; here it is started every 30 s so the drill need not wait for the clock.
    if (settleClock.Elapsed - lastSweep > TimeSpan.FromSeconds(30))
    {
        recurring.Trigger("stuck-asset-sweeper");
        lastSweep = settleClock.Elapsed;
    }
    await Task.Delay(1000);
}
Console.WriteLine($"settled in {settleClock.Elapsed.TotalSeconds:F0} s ({unsettled} still pending)");

// ---------------------------------------------------------------- checks
var failures = new List<string>();
var s3Options = new S3BlobStoreOptions
{
    ServiceUrl = Need("DRILL_S3_URL"), Bucket = Need("DRILL_S3_BUCKET"), AccessKey = Need("DRILL_S3_ACCESS_KEY"),
    SecretKey = Need("DRILL_S3_SECRET_KEY"), ForcePathStyle = true,
};
using var store = new S3BlobStore(s3Options);

// 1. Lost: every upload acknowledged with a 2xx is an asset whose bytes, downloaded, have the checksum sent.
var lost = 0;
var corrupt = 0;
foreach (var (id, sha, _) in acknowledged)
{
    var response = await Send(HttpMethod.Get, $"/api/v1/assets/{id}/original");
    if (response.StatusCode != HttpStatusCode.OK) { lost++; failures.Add($"acknowledged asset {id}: original answers {(int)response.StatusCode}"); continue; }
    var got = Convert.ToHexStringLower(SHA256.HashData(await response.Content.ReadAsByteArrayAsync()));
    if (got != sha) { corrupt++; failures.Add($"acknowledged asset {id}: bytes differ from what was sent"); }
}
await using (var conn = await db.OpenConnectionAsync())
{
    foreach (var uploadId in requestUploads)
    {
        var row = await conn.QuerySingleOrDefaultAsync<(string Status, Guid? AssetId, bool AssetExists)?>(
            "SELECT u.status, u.asset_id, EXISTS (SELECT 1 FROM assets a WHERE a.id = u.asset_id) FROM photo_request_uploads u WHERE u.id = @uploadId", new { uploadId });
        if (row is null) { lost++; failures.Add($"acknowledged photo-request upload {uploadId}: no row"); }
        else if (row.Value.Status == "ready" && !row.Value.AssetExists) { lost++; failures.Add($"photo-request upload {uploadId}: ready without its asset"); }
    }
}

// 2. Every asset reached ready or failed (with a reason), once: no asset twice for one upload, no unfinished one.
await using var check = await db.OpenConnectionAsync();
var byStatus = (await check.QueryAsync<(string Status, long Count)>("SELECT status, count(*) FROM assets GROUP BY status ORDER BY status")).ToList();
var unfinished = byStatus.Where(s => s.Status is not ("ready" or "failed")).Sum(s => s.Count);
var failedWithoutReason = await check.ExecuteScalarAsync<long>("SELECT count(*) FROM assets WHERE status = 'failed' AND coalesce(failure_reason, '') = ''");
var requestByStatus = (await check.QueryAsync<(string Status, long Count)>("SELECT status, count(*) FROM photo_request_uploads GROUP BY status ORDER BY status")).ToList();
var requestUnfinished = requestByStatus.Where(s => s.Status is not ("ready" or "failed")).Sum(s => s.Count);
// Plain and tus uploads carry unique bytes: two assets with one checksum are one upload stored twice (a retried job or
// request). Clean copies of guests' photos may legitimately share bytes, so they are counted per upload instead.
var duplicateAssets = await check.ExecuteScalarAsync<long>("""
    SELECT coalesce(sum(n - 1), 0) FROM (
      SELECT count(*) AS n FROM assets a
      WHERE NOT EXISTS (SELECT 1 FROM photo_request_uploads u WHERE u.asset_id = a.id)
      GROUP BY a.checksum HAVING count(*) > 1) d
    """);
var duplicateRequestAssets = await check.ExecuteScalarAsync<long>(
    "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM photo_request_uploads WHERE asset_id IS NOT NULL GROUP BY asset_id HAVING count(*) > 1) d");
var readyWithoutDerivatives = await check.ExecuteScalarAsync<long>(
    "SELECT count(*) FROM assets WHERE status = 'ready' AND media_type = 'image' AND (thumbnail_key IS NULL OR preview_key IS NULL)");
if (unfinished > 0) failures.Add($"{unfinished} assets neither ready nor failed");
if (requestUnfinished > 0) failures.Add($"{requestUnfinished} photo-request uploads neither ready nor failed");
if (failedWithoutReason > 0) failures.Add($"{failedWithoutReason} failed assets without a reason");
if (duplicateAssets + duplicateRequestAssets > 0) failures.Add($"{duplicateAssets + duplicateRequestAssets} duplicated assets");
if (readyWithoutDerivatives > 0) failures.Add($"{readyWithoutDerivatives} ready photos without thumbnail or preview");

// 3. Orphans: after the collector and the sweeps of stale staging (age 0: the load has stopped), every object in the
// bucket is named by a row, every row's object is there, and no multipart upload is left.
await new BlobCollectorJob(db, store, NullLogger<BlobCollectorJob>.Instance).CollectAsync(CancellationToken.None);
var purged = await store.PurgeStaleUploadsAsync(TimeSpan.Zero, CancellationToken.None);
// Resumable staging no row names (a process killed between making one and inserting its row): swept with age 0 likewise.
await new ResumableUploadSweepJob(db, store, NullLogger<ResumableUploadSweepJob>.Instance).SweepAsync(TimeSpan.Zero, CancellationToken.None);
var referenced = (await check.QueryAsync<string>("""
    SELECT blob_key FROM assets UNION SELECT thumbnail_key FROM assets WHERE thumbnail_key IS NOT NULL
    UNION SELECT preview_key FROM assets WHERE preview_key IS NOT NULL
    UNION SELECT blob_key FROM clean_originals WHERE blob_key IS NOT NULL
    UNION SELECT raw_blob_key FROM photo_request_uploads WHERE raw_blob_key IS NOT NULL
    """)).ToHashSet(StringComparer.Ordinal);
var resumable = (await check.QueryAsync<string>("SELECT staging_key FROM resumable_uploads")).Select(k => $".staging/resumable/{k}/").ToList();
using var s3 = S3BlobStore.CreateClient(s3Options);
var objects = new List<string>();
var listing = new ListObjectsV2Request { BucketName = s3Options.Bucket };
while (true)
{
    var page = await s3.ListObjectsV2Async(listing);
    objects.AddRange((page.S3Objects ?? []).Select(o => o.Key));
    if (page.IsTruncated != true) break;
    listing.ContinuationToken = page.NextContinuationToken;
}
var multipart = (await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = s3Options.Bucket })).MultipartUploads?.Count ?? 0;
var orphans = objects.Where(o => !referenced.Contains(o) && !resumable.Any(r => o.StartsWith(r, StringComparison.Ordinal))).ToList();
var staging = orphans.Count(o => o.StartsWith(".staging/", StringComparison.Ordinal));
var missing = referenced.Where(k => !objects.Contains(k)).ToList();
foreach (var o in orphans.Take(10)) failures.Add($"orphaned object {o}");
foreach (var k in missing.Take(10)) failures.Add($"row names {k}, which is not in the bucket");
if (multipart > 0) failures.Add($"{multipart} multipart uploads left");
if (revokeViolations > 0) failures.Add($"{revokeViolations} revoked links still answered");

// ---------------------------------------------------------------- figures
Console.WriteLine();
Console.WriteLine($"{"operation",-16} {"count",6} {"2xx",6} {"errors",6} {"ops/s",7} {"p50 ms",8} {"p99 ms",8}");
foreach (var group in stats.GroupBy(s => s.Op).OrderBy(g => g.Key))
{
    var ok = group.Where(s => s.Ok).Select(s => s.Ms).Order().ToArray();
    // What the errors were: an HTTP status, or 0 for no answer (connection refused or cut).
    var errors = string.Join(" ", group.Where(s => !s.Ok).GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "cut" : g.Key.ToString(CultureInfo.InvariantCulture))}×{g.Count()}"));
    Console.WriteLine($"{group.Key,-16} {group.Count(),6} {ok.Length,6} {group.Count() - ok.Length,6} {group.Count() / loadSeconds,7:F1} {Pct(ok, 0.50),8:F0} {Pct(ok, 0.99),8:F0}  {errors}");
}
Console.WriteLine();
Console.WriteLine($"acknowledged uploads: {acknowledged.Count} assets (plain and tus), {requestUploads.Count} photo-request files");
Console.WriteLine($"assets by status: {string.Join(", ", byStatus.Select(s => $"{s.Status} {s.Count}"))}; photo-request uploads: {string.Join(", ", requestByStatus.Select(s => $"{s.Status} {s.Count}"))}");
Console.WriteLine($"lost {lost}, corrupt {corrupt}, duplicated {duplicateAssets + duplicateRequestAssets}, unfinished {unfinished + requestUnfinished}, " +
                  $"orphaned objects {orphans.Count} (staging {staging}), multipart left {multipart}, rows without their object {missing.Count}, " +
                  $"revoked links still open {revokeViolations}");
Console.WriteLine($"bucket: {objects.Count} objects after the collector and a sweep that removed {purged} staged leftovers");

// Recovery: per event of the script, the errors clients saw after it and when the last of them was, and for a worker
// killed mid-job, when the assets it was processing were finished by the others.
Console.WriteLine();
var eventLines = File.Exists(opts.Events) ? await File.ReadAllLinesAsync(opts.Events) : [];
var eventTimes = eventLines.Select(l => l.Split(' ')[0]).Where(t => t.Length > 0)
    .Select(t => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(t, CultureInfo.InvariantCulture))).Order().ToList();
foreach (var line in eventLines)
{
    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (parts.Length < 2) continue;
    var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[0], CultureInfo.InvariantCulture));
    var next = eventTimes.FirstOrDefault(t => t > at, at.AddSeconds(90));
    var window = stats.Where(s => s.End >= at && s.End < next && !s.Ok).ToList();
    var lastError = window.Count == 0 ? "none" : $"the last {(window.Max(s => s.End) - at).TotalSeconds:F1} s after it";
    var text = $"{parts[1],-16} at +{(at - loadClock).TotalSeconds,5:F1} s: {window.Count} client errors until the next event ({(next - at).TotalSeconds:F0} s), {lastError}";
    if (parts[1] == "kill-worker")
    {
        var ids = parts.Skip(2).Select(Guid.Parse).ToArray();
        if (ids.Length > 0)
        {
            var done = await check.QuerySingleAsync<(long Count, DateTime? Last)>(
                "SELECT count(*) FILTER (WHERE status IN ('ready', 'failed')), max(updated_at) FROM assets WHERE id = ANY(@ids)", new { ids });
            text += $"; {done.Count}/{ids.Length} assets it was processing finished, the last {(done.Last is { } l ? (new DateTimeOffset(DateTime.SpecifyKind(l, DateTimeKind.Utc)) - at).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s" : "never")} after the kill";
            if (done.Count < ids.Length) failures.Add("assets a killed worker was processing were never finished");
        }
        else text += "; it was processing no asset at that moment";
    }
    Console.WriteLine(text);
}

Console.WriteLine();
if (failures.Count == 0) { Console.WriteLine("DRILL PASSED: 0 lost, 0 duplicated, 0 orphaned"); return 0; }
foreach (var f in failures.Take(40)) Console.WriteLine("FAIL " + f);
Console.WriteLine($"DRILL FAILED: {failures.Count} problems");
return 1;

// ---------------------------------------------------------------- operations
async Task<HttpResponseMessage> Send(HttpMethod method, string url, HttpContent? content = null, bool auth = true, Action<HttpRequestMessage>? headers = null)
{
    using var message = new HttpRequestMessage(method, url) { Content = content };
    if (auth) message.Headers.Authorization = bearer;
    // Guests each from an address of their own (per-address throttles); the balancer's peer is trusted to say so.
    message.Headers.Add("X-Forwarded-For", $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}");
    headers?.Invoke(message);
    var response = await http.SendAsync(message);
    await response.Content.LoadIntoBufferAsync();
    return response;
}

async Task<HttpResponseMessage> Timed(string op, Func<Task<HttpResponseMessage>> call, params int[] expect)
{
    var start = Stopwatch.GetTimestamp();
    try
    {
        var response = await call();
        stats.Add(new Sample(op, Stopwatch.GetElapsedTime(start).TotalMilliseconds, expect.Contains((int)response.StatusCode), DateTimeOffset.UtcNow, (int)response.StatusCode));
        return response;
    }
    catch
    {
        stats.Add(new Sample(op, Stopwatch.GetElapsedTime(start).TotalMilliseconds, false, DateTimeOffset.UtcNow));
        throw;
    }
}

async Task<Guid?> Upload(byte[] bytes, string name, string op)
{
    var form = new MultipartFormDataContent();
    var file = new ByteArrayContent(bytes);
    file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
    form.Add(file, "file", name);
    var response = await Timed(op, () => Send(HttpMethod.Post, "/api/v1/assets", form), 201);
    if (response.StatusCode != HttpStatusCode.Created) return null;
    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    acknowledged.Add((id, Convert.ToHexStringLower(SHA256.HashData(bytes)), op));
    return id;
}

// tus: create, then PATCH 1 MiB chunks; after an error, HEAD for the offset the server holds and go on from there
// (another node may answer), for up to 60 s. Only the last PATCH's Asset-Id acknowledges the upload.
async Task Tus(byte[] bytes)
{
    var start = Stopwatch.GetTimestamp();
    var ok = false;
    var status = 0;
    try
    {
        var created = await Send(HttpMethod.Post, "/api/v1/uploads", null, headers: m =>
        {
            m.Headers.Add("Tus-Resumable", "1.0.0");
            m.Headers.Add("Upload-Length", bytes.Length.ToString(CultureInfo.InvariantCulture));
            m.Headers.Add("Upload-Metadata", "filename " + Convert.ToBase64String(Encoding.UTF8.GetBytes("tus.jpg")));
        });
        if (created.StatusCode != HttpStatusCode.Created) { status = (int)created.StatusCode; return; }
        var location = created.Headers.Location!.ToString();
        long offset = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var length = (int)Math.Min(1 << 20, bytes.Length - offset);
                var chunk = new ByteArrayContent(bytes, (int)offset, length);
                chunk.Headers.ContentType = new MediaTypeHeaderValue("application/offset+octet-stream");
                var patched = await Send(HttpMethod.Patch, location, chunk, headers: m =>
                {
                    m.Headers.Add("Tus-Resumable", "1.0.0");
                    m.Headers.Add("Upload-Offset", offset.ToString(CultureInfo.InvariantCulture));
                });
                if (patched.StatusCode != HttpStatusCode.NoContent) { status = (int)patched.StatusCode; throw new IOException($"PATCH answered {status}"); }
                offset = long.Parse(patched.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
                if (offset == bytes.Length)
                {
                    var id = Guid.Parse(patched.Headers.GetValues("Asset-Id").Single());
                    acknowledged.Add((id, Convert.ToHexStringLower(SHA256.HashData(bytes)), "tus"));
                    ok = true;
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                await Task.Delay(1000);
                try
                {
                    var head = await Send(HttpMethod.Head, location, null, headers: m => m.Headers.Add("Tus-Resumable", "1.0.0"));
                    if (head.StatusCode == HttpStatusCode.OK) offset = long.Parse(head.Headers.GetValues("Upload-Offset").Single(), CultureInfo.InvariantCulture);
                }
                catch (Exception h) when (h is HttpRequestException or TaskCanceledException) { }
            }
        }
    }
    finally
    {
        stats.Add(new Sample("tus upload", Stopwatch.GetElapsedTime(start).TotalMilliseconds, ok, DateTimeOffset.UtcNow, ok ? 204 : status));
    }
}

async Task RequestUpload(byte[] bytes)
{
    var form = new MultipartFormDataContent();
    var file = new ByteArrayContent(bytes);
    file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
    form.Add(file, "files", "guest.jpg");
    var response = await Timed("request upload", () => Send(HttpMethod.Post, $"/api/v1/r/{requestKey}/uploads", form, auth: false), 202);
    if (response.StatusCode != HttpStatusCode.Accepted) return;
    foreach (var u in (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploads").EnumerateArray())
        requestUploads.Add(u.GetProperty("id").GetGuid());
}

// A share created, opened by a guest, revoked — then the link must be dead on whichever node answers.
async Task ShareAndRevoke()
{
    var created = await Timed("share create", () => Send(HttpMethod.Post, "/api/v1/shares",
        JsonContent.Create(new { target = new { type = "selection", assetIds = seed.Take(1) }, linkEnabled = true, privacy = "public" })), 201);
    if (created.StatusCode != HttpStatusCode.Created) return;
    var body = await created.Content.ReadFromJsonAsync<JsonElement>();
    var key = body.GetProperty("key").GetString();
    await Timed("link read", () => Send(HttpMethod.Get, $"/api/v1/s/{key}", auth: false), 200);
    var revoked = await Timed("share revoke", () => Send(HttpMethod.Delete, $"/api/v1/shares/{body.GetProperty("id").GetGuid()}"), 204);
    if (revoked.StatusCode != HttpStatusCode.NoContent) return;
    for (var i = 0; i < 2; i++) // twice: the balancer alternates, so both nodes are asked
    {
        var after = await Send(HttpMethod.Get, $"/api/v1/s/{key}", auth: false);
        if (after.StatusCode == HttpStatusCode.OK) Interlocked.Increment(ref revokeViolations);
    }
}

// A decodable JPEG no other upload has: random bytes after its end (and padding to make it big).
static byte[] Unique(byte[] jpeg, int pad)
{
    var bytes = new byte[jpeg.Length + 16 + pad];
    jpeg.CopyTo(bytes, 0);
    RandomNumberGenerator.Fill(bytes.AsSpan(jpeg.Length));
    return bytes;
}

static double Pct(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string Need(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : throw new InvalidOperationException($"{name} is not set");

internal sealed record Sample(string Op, double Ms, bool Ok, DateTimeOffset End, int Status = 0);

internal sealed record Args(string Base, int Seconds, string Events, string Fixtures, int Concurrency, string Db)
{
    public static Args Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        return new Args(
            Value("--base") ?? throw new ArgumentException("--base URL"),
            int.Parse(Value("--seconds") ?? "120", CultureInfo.InvariantCulture),
            Value("--events") ?? "events.txt",
            Value("--fixtures") ?? throw new ArgumentException("--fixtures DIR"),
            int.Parse(Value("--concurrency") ?? "6", CultureInfo.InvariantCulture),
            Environment.GetEnvironmentVariable("DRILL_DB") ?? throw new ArgumentException("DRILL_DB"));
    }
}

internal static class ResponseJson
{
    public static async Task<JsonElement> Json(this Task<HttpResponseMessage> response)
    {
        var r = await response;
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"{r.RequestMessage?.Method} {r.RequestMessage?.RequestUri} answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }
}
