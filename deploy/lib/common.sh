# shellcheck shell=bash
# Shared helpers for deploy/dev.sh: logging, root/sudo, and the "ensure" step
# (system packages + node tools). Sourced, never executed; expects $ROOT.

# Runtime packages the API/worker shell out to, plus PostgreSQL for the DB.
# libheif1 + libde265-0: HEIC decoding by the system libvips (the worker checks at start); the rest for tests and benchmarks.
APT_PACKAGES=(postgresql libvips42 libheif1 libde265-0 ffmpeg libvips-tools libheif-examples libimage-exiftool-perl imagemagick time curl)

log()  { printf '[dev.sh] %s\n' "$*" >&2; }
die()  { printf '[dev.sh] ERROR: %s\n' "$*" >&2; exit 1; }
# A visible header per step, with the time the script has run so far.
step() { printf '\n==> [dev.sh %4ss] %s\n' "$SECONDS" "$*" >&2; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

# 16 random bytes as hex: safe inside a connection string (no ; = ' "),
# and no SIGPIPE under pipefail (od reads exactly 16 bytes).
gen_password() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }

# Load generator of bench/reads.sh (its pgbench comes with the PostgreSQL server package above). Not needed to run or
# test the API, so only the benchmark installs it.
BENCH_APT_PACKAGES=(wrk)

# apt packages: dpkg-query first, so a second run is fast and works offline;
# `apt-get update` only when something is actually missing.
ensure_apt() { ensure_apt_packages "${APT_PACKAGES[@]}"; }

# ensure_apt_packages PKG...: install those of PKG that are missing.
ensure_apt_packages() {
  local p missing=()
  for p in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  step "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"
}

# tools/node_modules (redocly, openapi-typescript, typescript): `npm ci` when
# node_modules is missing or package-lock.json changed since the last install.
ensure_node_tools() {
  local dir="$ROOT/tools" stamp="$ROOT/tools/node_modules/.photoapi-lock.sha256" want
  command -v npm >/dev/null 2>&1 || die "npm not found (Node 20+ with npm is required)"
  want="$(sha256sum "$dir/package-lock.json")"; want="${want%% *}"
  if [[ -x "$dir/node_modules/.bin/redocly" && -f "$stamp" && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  step "npm ci --prefix tools"
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  printf '%s\n' "$want" >"$stamp"
}

# The solution file (PhotoApi.sln; PhotoApi.slnx accepted too).
solution_file() {
  local f
  for f in "$ROOT/PhotoApi.sln" "$ROOT/PhotoApi.slnx"; do
    [[ -f "$f" ]] && { printf '%s\n' "$f"; return 0; }
  done
  die "no PhotoApi.sln in $ROOT"
}

ensure() {
  ensure_apt
  ensure_node_tools
  command -v dotnet >/dev/null 2>&1 || die "dotnet SDK not found on PATH"
  # Quiet, non-interactive dotnet; no dev-cert generation on first run.
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
         DOTNET_GENERATE_ASPNET_CERTIFICATE=false
  # Redocly: no telemetry / update checks (CI has no general internet).
  export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
}
