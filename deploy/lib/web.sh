# shellcheck shell=bash
# The web app (clients/web): its node_modules, its build, and the browser tests, which run against a real API and
# worker on a database of their own. Sourced by deploy/dev.sh; expects $ROOT, common.sh and pg.sh.

WEB_DIR="$ROOT/clients/web"
# The browser tests drive Debian's Chromium (playwright-core never downloads a browser); DejaVu gives it a font.
WEB_TEST_APT_PACKAGES=(chromium fonts-dejavu-core)

# Node 20.19+ (Vite 7 and the Svelte tooling need it) with npm.
ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    die "node and npm not found: the web app needs Node.js 20.19 or later with npm"
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
    die "Node.js $(node --version) is too old: the web app needs Node.js 20.19 or later (with npm)"
}

# ensure_npm_ci DIR: DIR/node_modules by `npm ci` when missing or when DIR/package-lock.json changed since the last install.
ensure_npm_ci() {
  local dir=$1 stamp="$1/node_modules/.photoapi-lock.sha256" want
  ensure_node
  want="$(sha256sum "$dir/package-lock.json")"; want="${want%% *}"
  [[ -f "$stamp" && "$(<"$stamp")" == "$want" ]] && return 0
  step "npm ci --prefix ${dir#"$ROOT/"}"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  printf '%s\n' "$want" >"$stamp"
}

# clients/web/node_modules.
ensure_web_modules() { ensure_npm_ci "$WEB_DIR"; }

# web_build [OUTDIR]: type-check (svelte-check, warnings fail) and build the static files (default clients/web/dist).
web_build() {
  local out="${1:-$WEB_DIR/dist}"
  ensure_web_modules
  step "web app: svelte-check + vite build → ${out#"$ROOT/"}"
  (cd "$WEB_DIR" && npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings --output human &&
    npx vite build --outDir "$out" --emptyOutDir --logLevel warn)
}

# web_stack_start PG_CONNECTION_BASE PG_PORT PG_PASSWORD DIR: a fresh database on the given cluster, the Release API
# (serving the build in DIR/dist) and worker on it, started in their own sessions; sets API_PID, WORKER_PID and WEB_URL.
web_stack_start() {
  local base=$1 pg_port=$2 pg_password=$3 dir=$4 port db i
  db="photoapi_e2e_$(gen_password | cut -c1-12)"   # one per stack: the tus and browser tests of one run each get theirs
  port="$(pg_free_port)"
  pg_psql "$pg_port" "$pg_password" -d postgres -c "CREATE DATABASE $db" >/dev/null
  mkdir -p "$dir/blobs"
  export ConnectionStrings__Postgres="${base/Database=postgres/Database=$db}"
  export PHOTOAPI_BLOB_ROOT="$dir/blobs" WebApp__Root="$dir/dist" ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production
  # Guests and sign-ins of a whole test run come from one address: lift the per-address limits, keep the per-account ones.
  export Throttling__LoginFailuresPerIp=10000 Throttling__LinkMissesPerIp=10000 Throttling__RegistrationsPerIp=10000 \
    Throttling__ArchiveLinksPerIp=10000
  (cd "$ROOT/workers/PhotoApi.Workers" && exec setsid dotnet "bin/Release/net10.0/PhotoApi.Workers.dll") >"$dir/worker.log" 2>&1 &
  WORKER_PID=$!
  (cd "$ROOT/api/PhotoApi.Api" && ASPNETCORE_URLS="http://127.0.0.1:$port" exec setsid dotnet "bin/Release/net10.0/PhotoApi.Api.dll") >"$dir/api.log" 2>&1 &
  API_PID=$!
  WEB_URL="http://127.0.0.1:$port"
  for ((i = 0; i < 120; i++)); do
    curl -fsS "$WEB_URL/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$API_PID" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 40 "$dir/api.log" >&2 || true
  die "the API did not become ready on $WEB_URL"
}

# run_web_tests PG_CONNECTION_BASE PG_PORT PG_PASSWORD [PLAYWRIGHT ARGS]: build, start the stack, run Playwright, stop
# the stack. Its temporary folder (build, blobs, logs) goes in every case but a Playwright failure, where it is kept for
# the logs (WEB_TMP: dev.sh's EXIT trap removes it when the build or the stack start fails).
run_web_tests() {
  local base=$1 pg_port=$2 pg_password=$3 dir rc=0; shift 3
  ensure_apt_packages "${WEB_TEST_APT_PACKAGES[@]}"
  dir="$(mktemp -d -t photoapi-web.XXXXXX)"
  WEB_TMP="$dir"
  web_build "$dir/dist"                      # a build of its own: runs side by side never share one
  step "web app: API + worker for the browser tests ($dir)"
  web_stack_start "$base" "$pg_port" "$pg_password" "$dir"
  log "API $WEB_URL (logs in $dir)"
  step "web app: playwright test $*"
  (cd "$WEB_DIR" && PHOTOAPI_WEB_URL="$WEB_URL" PHOTOAPI_WEB_LOGS="$dir" npx playwright test "$@") || rc=$?
  web_stack_stop "$dir" "$rc" "playwright test"
}

# web_stack_stop DIR RC WHAT: stop the stack web_stack_start started; when RC says WHAT failed, keep DIR (its logs say
# what happened), show the last lines of the API's and worker's logs and die, else delete DIR.
web_stack_stop() {
  local dir=$1 rc=$2 what=$3
  stop_group "$API_PID" "API"; API_PID=""
  stop_group "$WORKER_PID" "worker"; WORKER_PID=""
  if ((rc != 0)); then
    WEB_TMP=""                               # kept for its logs
    log "$what failed; the last lines of the API's and worker's logs (all in $dir):"
    tail -n 30 "$dir/api.log" "$dir/worker.log" >&2 || true
    die "$what failed (exit $rc)"
  fi
  rm -rf -- "$dir"
  WEB_TMP=""
}
