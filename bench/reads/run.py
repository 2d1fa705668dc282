#!/usr/bin/env python3
"""The read-path benchmark's driver, started by bench/reads.sh (which builds the API and starts a throwaway PostgreSQL).

Phases:
  1. small setup on an empty database: every read path timed one request at a time and at 32 connections (wrk);
  2. the large setup and everyone else's rows added: the same paths timed for the small and the large setup, and each
     path's page query (as the endpoint logged it, Diagnostics:ListQueryLog) replayed by pgbench with 32 clients;
  3. the API restarted with JIT on, the JIT-sensitive paths timed again.
Then it prints the tables (markdown) and the EXPLAIN (ANALYZE, BUFFERS) of the timeline query at full size.
Environment (set by reads.sh): BENCH_ROOT, BENCH_WORK, BENCH_API_DLL, PGBIN, PGPORT, PGPASSWORD; optional BENCH_DURATION
(seconds per wrk/pgbench run, default 5) and BENCH_SCALE (multiplies the large setup's row counts, default 1).
"""
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.environ["BENCH_ROOT"]
WORK = os.environ["BENCH_WORK"]
API_DLL = os.environ["BENCH_API_DLL"]
PGBIN = os.environ["PGBIN"]
PGPORT = os.environ["PGPORT"]
PGPASSWORD = os.environ["PGPASSWORD"]
DURATION = int(os.environ.get("BENCH_DURATION", "5"))
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
HERE = os.path.dirname(os.path.abspath(__file__))
LOG = os.path.join(WORK, "list-queries.jsonl")
PASSWORD = "Bench-Passw0rd"
CONNS = 32
STARTED = time.time()


def say(msg):
    print(f"==> [reads {time.time() - STARTED:5.0f}s] {msg}", file=sys.stderr, flush=True)


def n(x):
    return max(1, int(x * SCALE))


# ---- PostgreSQL ---------------------------------------------------------------------------------------------------------
PG_ENV = dict(os.environ, PGPASSWORD=PGPASSWORD, PGCONNECT_TIMEOUT="10")


def psql(sql=None, file=None, variables=None):
    cmd = [f"{PGBIN}/psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", PGPORT, "-U", "postgres", "-d", "postgres"]
    for k, v in (variables or {}).items():
        cmd += ["-v", f"{k}={v}"]
    cmd += ["-f", file] if file else ["-c", sql]
    r = subprocess.run(cmd, env=PG_ENV, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"psql failed: {r.stderr.strip()}\n{(sql or file)[:2000]}")
    return r.stdout.strip()


def quiesce():
    """Waits until no query of an earlier run is still going (a slow page outlives the wrk run that asked for it, and JIT
    compilation does not stop for a cancel): up to 10 s, then cancels what is left, so every run starts on an idle server."""
    busy = "FROM pg_stat_activity WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
    for attempt in range(60):
        if psql(f"SELECT count(*) {busy}") == "0":
            return
        if attempt == 50:
            psql(f"SELECT pg_cancel_backend(pid) {busy}")
        time.sleep(0.2)
    say("  (queries of an earlier run were still active)")


def ids(sql):
    return [line for line in psql(sql).splitlines() if line]


# ---- the API ------------------------------------------------------------------------------------------------------------
class Api:
    def __init__(self):
        self.proc = None
        self.port = None
        self.base = None

    def start(self, log_queries, jit=False):
        self.stop()
        with socket_free_port() as port:
            self.port = port
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, ASPNETCORE_URLS=self.base, Logging__LogLevel__Default="Warning", Database__Jit=str(jit).lower(),
                   Passwords__Iterations="1000", Diagnostics__ListQueryLog=LOG if log_queries else "")
        self.proc = subprocess.Popen(["dotnet", API_DLL], env=env, stdout=open(os.path.join(WORK, "api.log"), "a"), stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{self.base}/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit("the API did not become ready; see " + os.path.join(WORK, "api.log"))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def call(self, method, path, body=None, token=None, key=None, expect=(200, 201, 204)):
        req = urllib.request.Request(f"{self.base}/api/v1/{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode())
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        if key:
            req.add_header("X-Api-Key", key)
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        if status not in expect:
            raise SystemExit(f"{method} {path} → {status}: {text[:500]}")
        return json.loads(text) if text else None


class socket_free_port:
    def __enter__(self):
        import socket
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return self.s.getsockname()[1]

    def __exit__(self, *_):
        self.s.close()


API = Api()


class User:
    def __init__(self, name, uid, key):
        self.name, self.id, self.key = name, uid, key


def make_users(names):
    """The admin (first registration) and the signed-in principals, each with an API key so no token expires mid-run."""
    API.call("POST", "auth/register", {"username": "admin", "password": PASSWORD, "email": "admin@example.test", "displayName": "Admin"})
    admin_token = API.call("POST", "auth/login", {"username": "admin", "password": PASSWORD})["accessToken"]
    users = {}
    for name in ["admin"] + names:
        if name != "admin":
            API.call("POST", "admin/users", {"username": f"bench-{name}", "password": PASSWORD, "email": f"{name}@example.test",
                                             "displayName": name.upper()}, token=admin_token)
        username = name if name == "admin" else f"bench-{name}"
        token = API.call("POST", "auth/login", {"username": username, "password": PASSWORD})["accessToken"]
        me = API.call("GET", "users/me", token=token)
        key = API.call("POST", "api-keys", {"name": "bench"}, token=token)["key"]
        users[name] = User(name, me["id"], key)
    return users


def live_assets(owner, count, offset=0):
    return ids(f"SELECT id FROM assets WHERE owner_id = '{owner}' AND trashed_at IS NULL ORDER BY taken_at DESC, id DESC "
               f"OFFSET {offset} LIMIT {count}")


def album(owner, name, asset_ids, viewers=(), link=False):
    a = API.call("POST", "albums", {"name": name, "assetIds": asset_ids}, key=owner.key)
    body = {"target": {"type": "album", "id": a["id"]}, "invitees": [{"principalType": "user", "principalId": v.id, "role": "viewer"} for v in viewers]}
    if link:
        body.update(linkEnabled=True, privacy="public")
    share = API.call("POST", "shares", body, key=owner.key) if viewers or link else None
    return a["id"], (share or {}).get("key")


def partner(sharer, recipient):
    API.call("POST", "partners", {"userId": recipient.id}, key=sharer.key)
    API.call("PATCH", f"partners/{sharer.id}", {"inTimeline": True}, key=recipient.key)


def shared_folder(admin, name, entries):
    f = API.call("POST", "folders", {"name": name, "space": "shared"}, key=admin.key)
    API.call("PUT", f"folders/{f['id']}/permissions", {"entries": entries}, key=admin.key)
    return f["id"]


def viewer_entry(uid, effect="allow"):
    return {"principalType": "user", "principalId": uid, "effect": effect, "role": "viewer"}


# ---- the paths ----------------------------------------------------------------------------------------------------------
# (key, label, ListQuery name prefix, caller role, url); roles name the setup's principals: owner (its library), viewer (of
# its albums), recipient (of the owner's partner library, in their timeline), custom (Custom Shared Space access), guest.
PATHS = [
    ("timeline", "timeline `GET /assets?limit=100`", "listAssets:timeline", "owner", lambda s: "assets?limit=100"),
    ("tag", "timeline `tag=family`", "listAssets", "owner", lambda s: "assets?limit=100&tag=family"),
    ("withpartner", "timeline with a partner in it", "listAssets", "recipient", lambda s: "assets?limit=100"),
    ("partner", "partner library `?partnerId=`", "listAssets:partner", "recipient", lambda s: f"assets?limit=100&partnerId={s['owner'].id}"),
    ("trash", "trash `?trashed=true`", "listAssets:trash", "owner", lambda s: "assets?limit=100&trashed=true"),
    ("album100owner", "album of 100, owner", "listAlbumAssets", "owner", lambda s: f"albums/{s['album100']}/assets?limit=100"),
    ("album100viewer", "album of 100, viewer", "listAlbumAssets", "viewer", lambda s: f"albums/{s['album100']}/assets?limit=100"),
    ("albumbig", "album of 10,000, viewer", "listAlbumAssets", "viewer", lambda s: f"albums/{s['albumbig']}/assets?limit=100"),
    ("link", "public link `GET /s/{key}/assets`, guest", "listPublicShareAssets", "guest", lambda s: f"s/{s['linkkey']}/assets?limit=100"),
    ("withme", "`GET /sharing/with-me`", "listSharedWithMe", "viewer", lambda s: "sharing/with-me?limit=100"),
    ("withothers", "`GET /sharing/with-others`", "listSharedWithOthers", "owner", lambda s: "sharing/with-others?limit=100"),
    ("albums", "`GET /albums?scope=all`, viewer", "listAlbums", "viewer", lambda s: "albums?scope=all&limit=100"),
    ("folder", "Shared Space folder `?folderId=`, Custom", "listAssets:folder", "custom", lambda s: f"assets?limit=100&folderId={s['folder']}"),
    ("folders", "`GET /folders?space=shared`, Custom", "listFolders", "custom", lambda s: "folders?space=shared&limit=100"),
]
JIT_PATHS = ["timeline", "tag", "withpartner", "albumbig", "withme"]


def capture(setup, label):
    """Each path once with curl, as its caller: checks the answer and collects the list query the endpoint logged."""
    out = {}
    for key, _, qname, role, url in PATHS:
        start = os.path.getsize(LOG) if os.path.exists(LOG) else 0
        cmd = ["curl", "-s", "-o", os.path.join(WORK, "body.json"), "-w", "%{http_code}", f"{API.base}/api/v1/{url(setup)}"]
        if role != "guest":
            cmd += ["-H", f"X-Api-Key: {setup[role].key}"]
        code = subprocess.run(cmd, capture_output=True, text=True).stdout
        if code != "200":
            raise SystemExit(f"{label} {key}: GET {url(setup)} → {code}: {open(os.path.join(WORK, 'body.json')).read()[:400]}")
        body = json.load(open(os.path.join(WORK, "body.json")))
        items = len(body["items"]) if "items" in body else sum(len(g["items"]) for g in body.get("groups", []))
        logged = []
        if os.path.exists(LOG):
            with open(LOG) as f:
                f.seek(start)
                logged = [json.loads(line) for line in f if line.strip()]
        query = next((q for q in logged if q["name"].startswith(qname)), logged[0] if logged else None)
        out[key] = {"items": items, "query": query}
    return out


# ---- SQL literals for pgbench -------------------------------------------------------------------------------------------
SQL_TYPES = {"Guid": "uuid", "DateTime": "timestamptz", "DateTimeOffset": "timestamptz", "Int32": "int", "Int64": "bigint",
             "Int16": "smallint", "Boolean": "boolean", "String": "text", "Double": "float8", "Single": "float4",
             "Decimal": "numeric", "Byte[]": "bytea"}


def quote(s):
    return "'" + str(s).replace("'", "''") + "'"


def literal(value, clr):
    if clr == "Byte[]":
        import base64
        return "NULL::bytea" if value is None else f"'\\x{base64.b64decode(value).hex()}'::bytea"
    element = clr[:-2] if clr and clr.endswith("[]") else None
    sql_type = SQL_TYPES.get(element or clr or "")
    if element:
        sql_type = sql_type or "text"
        if value is None:
            return f"NULL::{sql_type}[]"
        return f"ARRAY[{', '.join('NULL' if v is None else quote(v) for v in value)}]::{sql_type}[]" if value else f"'{{}}'::{sql_type}[]"
    if value is None:
        return f"NULL::{sql_type}" if sql_type else "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and sql_type in (None, "int", "bigint", "smallint", "float8", "float4", "numeric"):
        return f"{value}::{sql_type}" if sql_type else str(value)
    return f"{quote(value)}::{sql_type or 'text'}"


def inline(query):
    """The logged SQL with every logged parameter replaced by a typed literal (only @name of a logged parameter: @> and
    other operators stay)."""
    sql = query["sql"]
    types = query.get("types") or {}
    for name in sorted(query["parameters"], key=len, reverse=True):
        lit = "(" + literal(query["parameters"][name], types.get(name)) + ")"
        sql = re.sub(r"(?<![\w@])@" + re.escape(name) + r"(?!\w)", lambda _: lit, sql, flags=re.IGNORECASE)
    return sql


# ---- load ---------------------------------------------------------------------------------------------------------------
def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    v, unit = float(m.group(1)), m.group(2)
    return v * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url, key, conns):
    threads = 1 if conns == 1 else 2
    quiesce()
    cmd = ["wrk", "--latency", f"-c{conns}", f"-t{threads}", f"-d{DURATION}s", "--timeout", "60s", url]
    if key:
        cmd += ["-H", f"X-Api-Key: {key}"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    with open(os.path.join(WORK, "wrk.log"), "a") as f:
        f.write(" ".join(cmd[:-2] if key else cmd) + "\n" + out + "\n")
    done = re.search(r"(\d+) requests in", out)
    if not done or done.group(1) == "0":  # nothing finished within the run: no latency to report
        return {"p50": None, "p99": None, "rps": 0.0, "requests": 0, "errors": "no request finished"}
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))  # wrk pads "1.07s " but not "107.00ms"
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    return {"p50": ms(lat["50"]) if "50" in lat else None, "p99": ms(lat["99"]) if "99" in lat else None,
            "rps": float(rps.group(1)) if rps else 0.0, "requests": int(done.group(1)) if done else 0,
            "errors": (f"{bad.group(1)} non-2xx " if bad else "") + (errors.group(1) if errors else "")}


def warm_up(url, key):
    """A short unmeasured run first: the API's JIT tiers and each pooled connection's prepared statements settle, as on
    a server that has been up for a while (the API restarts between phases)."""
    cmd = ["wrk", "-c8", "-t1", "-d2s", "--timeout", "60s", url] + (["-H", f"X-Api-Key: {key}"] if key else [])
    subprocess.run(cmd, capture_output=True, text=True)


def pgbench(sql, jit=False, clients=CONNS, seconds=DURATION):
    script = os.path.join(WORK, "pgbench.sql")
    with open(script, "w") as f:
        f.write(sql.strip().rstrip(";") + ";\n")
    env = dict(PG_ENV, PGOPTIONS=f"-c jit={'on' if jit else 'off'}")
    quiesce()
    r = subprocess.run([f"{PGBIN}/pgbench", "-n", "-M", "prepared", f"-c{clients}", f"-j{min(clients, 2)}", f"-T{seconds}", "-f", script, "-h", "127.0.0.1", "-p", PGPORT,
                        "-U", "postgres", "postgres"], env=env, capture_output=True, text=True)
    tps = re.search(r"tps = ([\d.]+)", r.stdout)
    if r.returncode != 0 or not tps:
        return {"tps": None, "avg": None, "error": " ".join((r.stderr or r.stdout).strip().splitlines()[-2:])}
    lat = re.search(r"latency average = ([\d.]+) ms", r.stdout)
    return {"tps": float(tps.group(1)), "avg": float(lat.group(1)) if lat else None}


def measure(setup, keys=None, conns=(1, CONNS)):
    out = {}
    for key, _, _, role, url in PATHS:
        if keys and key not in keys:
            continue
        caller = None if role == "guest" else setup[role].key
        warm_up(f"{API.base}/api/v1/{url(setup)}", caller)
        out[key] = {c: wrk(f"{API.base}/api/v1/{url(setup)}", caller, c) for c in conns}
        say(f"  {key}: " + ", ".join(f"c{c} p50 {fmt(out[key][c]['p50'])} ms {out[key][c]['rps']:.1f} req/s" for c in conns))
    return out


def fmt(v, digits=1):
    if v is None:
        return "—"
    return f"{v:.{digits}f}" if v < 100 else f"{v:.0f}"


# ---- the setups ---------------------------------------------------------------------------------------------------------
def seed_small(users):
    u = users
    API.call("PATCH", "admin/settings", {"sharedSpaceEnabled": True}, key=u["admin"].key)
    API.call("PUT", "shared-space/access", {"entries": [{"principalType": "user", "principalId": u[x].id, "level": "custom"} for x in ("sc", "lc")]},
             key=u["admin"].key)
    folder = shared_folder(u["admin"], "Small team", [viewer_entry(u["sc"].id)])
    psql(file=os.path.join(HERE, "small.sql"), variables={"s": u["s"].id, "sp": u["sp"].id, "admin": u["admin"].id, "folder": folder})
    album100, key = album(u["s"], "Small album", live_assets(u["s"].id, 100), viewers=[u["sv"]], link=True)
    partner(u["s"], u["sp"])
    psql("VACUUM ANALYZE")
    return {"owner": u["s"], "viewer": u["sv"], "recipient": u["sp"], "custom": u["sc"], "album100": album100, "albumbig": album100,
            "linkkey": key, "folder": folder}


def seed_large(users):
    u = users
    others_users, per_user = 100, n(10000)
    say(f"everyone else's rows ({others_users} users × {per_user:,} assets)")
    psql(file=os.path.join(HERE, "others.sql"), variables={"users": others_users, "per_user": per_user})
    say(f"the large setup ({n(200000):,} assets, {n(50000):,} Shared Space files)")
    other_ids = ids("SELECT id FROM users WHERE username LIKE 'other%' ORDER BY username LIMIT 30")
    entries = [viewer_entry(u["lc"].id)] + [viewer_entry(i) for i in other_ids[:25]] + [viewer_entry(i, "deny") for i in other_ids[25:]]
    folder = shared_folder(u["admin"], "Large team", entries)
    psql(file=os.path.join(HERE, "large.sql"), variables={"l": u["l"].id, "lp": u["lp"].id, "admin": u["admin"].id, "folder": folder,
                                                          "assets": n(200000), "shared_files": n(50000)})
    say("albums, shares, the link and the partner through the API")
    albumbig, key = album(u["l"], "Ten thousand", live_assets(u["l"].id, min(10000, n(10000))), viewers=[u["lv"]], link=True)
    album100, _ = album(u["l"], "Hundred", live_assets(u["l"].id, 100, offset=20000 if SCALE >= 0.2 else 0), viewers=[u["lv"]])
    for i in range(200):
        album(u["l"], f"Shared {i + 1}", live_assets(u["l"].id, 10, offset=i * 10), viewers=[u["lv"]])
    partner(u["l"], u["lp"])
    say("VACUUM ANALYZE")
    psql("VACUUM ANALYZE")
    return {"owner": u["l"], "viewer": u["lv"], "recipient": u["lp"], "custom": u["lc"], "album100": album100, "albumbig": albumbig,
            "linkkey": key, "folder": folder}


# ---- report -------------------------------------------------------------------------------------------------------------
def report(empty, big_small, big_large, caps, pg, jit_off, jit_on, pg_jit, explain, facts):
    lines = []
    w = lines.append
    w(f"PostgreSQL {facts['version']}, shared_buffers {facts['shared_buffers']}, jit {facts['jit']} (the API's pool: off unless Database__Jit=true); "
      f"{facts['assets']:,} rows in assets, {facts['album_assets']:,} in album_assets; wrk and pgbench {DURATION} s per run, "
      f"{CONNS} connections / clients (pgbench with prepared statements, as the API's pool prepares its own; each path warmed up for 2 s first); p50/p99 in ms. \"its SQL alone\": pgbench's mean latency running the path's page query with "
      f"one client (large setup). small = the 1,000-photo setup, large = the 200,000-photo one; empty = nothing else in the "
      f"database, 1M = with the large setup and 1,000,000 rows of other users.")
    w("")
    w("| path | small, empty: p50 | small, 1M: p50 | large, 1M: p50 / p99 (1 at a time) | its SQL alone | large, 1M: p50 / p99 (32 conns) | req/s (32) | pgbench tps (32) | wrk / pgbench | ratio | targets |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for key, label, _, _, _ in PATHS:
        e1, s1, l1, l32 = empty[key][1], big_small[key][1], big_large[key][1], big_large[key][CONNS]
        worst = max(v for v in (s1["p50"], l1["p50"]) if v is not None) if (s1["p50"] or l1["p50"]) else None
        ratio = worst / e1["p50"] if worst and e1["p50"] else None
        tps = pg.get(key, {}).get("tps")
        share = l32["rps"] / tps if tps else None
        flags = [("ratio ≤ 1.5", ratio is not None and ratio <= 1.5), ("p50 ≤ 10 ms", worst is not None and worst <= 10),
                 ("≥ 50% of pgbench", share is not None and share >= 0.5)]
        flag = " ".join(("✓ " if ok else "✗ ") + name for name, ok in flags)
        errors = "; ".join(f"{k}: {r['errors']}" for k, r in (("1", l1), ("32", l32)) if r["errors"])
        w(f"| {label} | {fmt(e1['p50'])} | {fmt(s1['p50'])} | {fmt(l1['p50'])} / {fmt(l1['p99'])} | {fmt(pg.get(key, {}).get('alone'))} | "
          f"{fmt(l32['p50'])} / {fmt(l32['p99'])} | "
          f"{fmt(l32['rps'])} | {fmt(tps) if tps else 'not logged' if not caps[key]['query'] else 'failed'} | "
          f"{f'{share * 100:.0f}%' if share is not None else '—'} | {f'{ratio:.2f}' if ratio else '—'} | {flag}{' (' + errors + ')' if errors else ''} |")
    w("")
    w("Every setup, every load (p50 / p99 ms, req/s; items = the first page's length):")
    w("")
    w("| path | setup | items | 1 at a time p50 / p99 | req/s | 32 conns p50 / p99 | req/s | list query |")
    w("|---|---|---|---|---|---|---|---|")
    for key, label, _, _, _ in PATHS:
        for setup_label, m, items in (("small, empty", empty, facts["items_empty"]), ("small, 1M", big_small, facts["items_small"]),
                                      ("large, 1M", big_large, caps)):
            r1, r32 = m[key][1], m[key][CONNS]
            q = items[key]["query"]
            w(f"| {label} | {setup_label} | {items[key]['items']} | {fmt(r1['p50'])} / {fmt(r1['p99'])} | {fmt(r1['rps'])} | "
              f"{fmt(r32['p50'])} / {fmt(r32['p99'])} | {fmt(r32['rps'])} | {q['name'] if q else 'not logged'} |")
    w("")
    w("JIT at 1M rows, large setup (API restarted with Database__Jit=true; pgbench with jit=on / off):")
    w("")
    w("| path | JIT off: p50 (1) | p50 (32) | req/s (32) | pgbench tps | JIT on: p50 (1) | p50 (32) | req/s (32) | pgbench tps |")
    w("|---|---|---|---|---|---|---|---|---|")
    labels = {p[0]: p[1] for p in PATHS}
    for key in JIT_PATHS:
        off, on = jit_off[key], jit_on[key]
        w(f"| {labels[key]} | {fmt(off[1]['p50'])} | {fmt(off[CONNS]['p50'])} | {fmt(off[CONNS]['rps'])} | {fmt(pg.get(key, {}).get('tps'))} | "
          f"{fmt(on[1]['p50'])} | {fmt(on[CONNS]['p50'])} | {fmt(on[CONNS]['rps'])} | {fmt(pg_jit.get(key, {}).get('tps'))} |")
    failures = [f"{labels[k]}{' (jit on)' if jit else ''}: {r['error']}" for jit, runs in ((False, pg), (True, pg_jit))
                for k, r in runs.items() if r.get("error")]
    if failures:
        w("")
        w("pgbench failed on: " + "; ".join(failures))
    w("")
    w("EXPLAIN (ANALYZE, BUFFERS) of the timeline query at 1M rows, large setup, jit off:")
    w("")
    w("```")
    w(explain)
    w("```")
    return "\n".join(lines)


def main():
    for tool in ("wrk", "curl"):
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            raise SystemExit(f"{tool} is missing")
    try:
        say("phase 1: the small setup on an empty database")
        API.start(log_queries=True)
        users = make_users(["s", "sv", "sp", "sc", "l", "lv", "lp", "lc"])
        small = seed_small(users)
        caps_empty = capture(small, "small, empty")
        API.start(log_queries=False)
        capture(small, "warm-up")
        say("timing the small setup, empty database")
        empty = measure(small)

        say("phase 2: the large setup and 1,000,000 rows of other users")
        API.start(log_queries=True)
        large = seed_large(users)
        caps_small = capture(small, "small, 1M")
        caps = capture(large, "large, 1M")
        API.start(log_queries=False)
        capture(small, "warm-up")
        capture(large, "warm-up")
        say("timing the small setup at 1M rows")
        big_small = measure(small)
        say("timing the large setup at 1M rows")
        big_large = measure(large)
        say("pgbench: each path's list query, 32 clients")
        API.stop()  # its pool's connections are not pgbench's to share: max_connections stays the default
        pg = {}
        for key, *_ in PATHS:
            if caps[key]["query"]:
                pg[key] = pgbench(inline(caps[key]["query"]))
                pg[key]["alone"] = pgbench(inline(caps[key]["query"]), clients=1, seconds=max(2, DURATION // 2))["avg"]
                say(f"  {key}: {pg[key]}")
        timeline = caps["timeline"]["query"]
        explain = psql("SET jit = off; EXPLAIN (ANALYZE, BUFFERS) " + inline(timeline)) if timeline else "(the timeline query was not logged)"

        say("phase 3: JIT on")
        API.start(log_queries=False, jit=True)
        capture(large, "warm-up")
        jit_on = measure(large, keys=JIT_PATHS)
        API.stop()
        pg_jit = {k: pgbench(inline(caps[k]["query"]), jit=True) for k in JIT_PATHS if caps[k]["query"]}
        API.stop()

        facts = {"version": psql("SHOW server_version"), "shared_buffers": psql("SHOW shared_buffers"), "jit": psql("SHOW jit"),
                 "assets": int(psql("SELECT count(*) FROM assets")), "album_assets": int(psql("SELECT count(*) FROM album_assets")),
                 "items_empty": caps_empty, "items_small": caps_small}
        text = report(empty, big_small, big_large, caps, pg, big_large, jit_on, pg_jit, explain, facts)
        text += f"\n\nTotal run time: {time.time() - STARTED:.0f} s (after the build and PostgreSQL start).\n"
        with open(os.path.join(WORK, "report.md"), "w") as f:
            f.write(text)
        with open(os.path.join(WORK, "queries.json"), "w") as f:
            json.dump({k: {"query": v["query"], "inlined": inline(v["query"]) if v["query"] else None} for k, v in caps.items()}, f, indent=1)
        print(text)
    finally:
        API.stop()


if __name__ == "__main__":
    main()
