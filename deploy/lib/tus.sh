# shellcheck shell=bash
# The tus client tests (tests/tus-client): tus-js-client, pinned in its own package-lock.json, against the real Release API
# and worker on a database of their own. Sourced by deploy/dev.sh; expects $ROOT, common.sh, pg.sh and web.sh (whose
# web_stack_start starts the stack; no web build is needed, the API then serves only itself).

TUS_DIR="$ROOT/tests/tus-client"

# run_tus_tests PG_CONNECTION_BASE PG_PORT PG_PASSWORD: start the Release API + worker (the completed uploads are
# processed by the worker) on a fresh database, run the Node tests, stop the stack.
run_tus_tests() {
  local base=$1 pg_port=$2 pg_password=$3 dir rc=0
  ensure_npm_ci "$TUS_DIR"
  dir="$(mktemp -d -t photoapi-tus.XXXXXX)"
  WEB_TMP="$dir"                             # dev.sh's EXIT trap removes it if the stack does not start
  step "tus client tests: API + worker ($dir)"
  web_stack_start "$base" "$pg_port" "$pg_password" "$dir"
  log "API $WEB_URL (logs in $dir)"
  step "tus client tests: node --test tests/tus-client"
  (cd "$TUS_DIR" && PHOTOAPI_TUS_URL="$WEB_URL" npm test --silent) || rc=$?
  web_stack_stop "$dir" "$rc" "tus client tests"
}
