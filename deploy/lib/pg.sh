# shellcheck shell=bash
# PostgreSQL cluster helpers for deploy/dev.sh (sourced). A cluster here is a
# private data directory run with the distro binaries, not the system service.
# PostgreSQL refuses to run as root, so as root everything runs as `postgres`.

# Highest installed major version's bin dir, e.g. /usr/lib/postgresql/15/bin.
pg_bindir() {
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  [[ -x "$d/pg_ctl" ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
  printf '%s\n' "$d"
}

# Run a server-side command as the cluster owner.
pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Hand a directory tree to the cluster owner (no-op when not root).
pg_own() {
  [[ $EUID -eq 0 ]] || return 0
  chown -R postgres:postgres "$1"
  runuser -u postgres -- test -x "$1" ||
    die "user postgres cannot reach $1 (a parent directory is not traversable); set PHOTOAPI_PG_DIR to a path it can reach"
}

# pg_init DATADIR PWFILE SOCKDIR [extra conf lines...]
# New cluster: superuser `postgres` with the password in PWFILE, scram-sha-256
# for every connection, TCP on 127.0.0.1 only, unix socket in SOCKDIR.
pg_init() {
  local data=$1 pwfile=$2 sock=$3; shift 3
  pg_as_owner "$PGBIN/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null ||
    die "initdb failed for $data"
  {
    printf '\n# --- added by deploy/dev.sh ---\n'
    printf "listen_addresses = '127.0.0.1'\n"
    printf "unix_socket_directories = '%s'\n" "${sock//\'/\'\'}"
    printf '%s\n' "$@"
  } >>"$data/postgresql.conf"
}

# pg_start DATADIR PORT LOGFILE: start and wait until it accepts connections.
pg_start() {
  pg_as_owner "$PGBIN/pg_ctl" -D "$1" -l "$3" -o "-p $2" -w -t 60 -s start >/dev/null 2>&1
}

# pg_stop DATADIR [MODE]: stop if running (fast = clean shutdown).
pg_stop() {
  pg_is_running "$1" || return 0
  pg_as_owner "$PGBIN/pg_ctl" -D "$1" -m "${2:-fast}" -w -t 60 -s stop >/dev/null 2>&1 || true
}

pg_is_running() {
  [[ -f "$1/postmaster.pid" ]] && pg_as_owner "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# Port a running cluster listens on (4th line of postmaster.pid).
pg_running_port() { sed -n 4p "$1/postmaster.pid"; }

# A free TCP port on 127.0.0.1 (the kernel picks one; random fallback).
pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
    2>/dev/null || printf '%s\n' $((20000 + RANDOM % 30000))
}

# pg_psql PORT PASSWORD [psql args...]: client over TCP with password auth.
pg_psql() {
  local port=$1 pw=$2; shift 2
  PGPASSWORD="$pw" PGCONNECT_TIMEOUT=10 "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$port" -U postgres "$@"
}

# pg_throwaway [extra conf lines...]: a new cluster in a temporary directory, started on a free port (benchmarks).
# Sets PG_TMP, PG_PORT and PG_PASSWORD; remove it with pg_discard. Needs $PGBIN.
pg_throwaway() {
  PG_TMP="$(mktemp -d -t photoapi-bench-pg.XXXXXX)"
  PG_PASSWORD="$(gen_password)"; printf '%s\n' "$PG_PASSWORD" >"$PG_TMP/password"
  pg_own "$PG_TMP"
  pg_init "$PG_TMP/data" "$PG_TMP/password" "$PG_TMP" "$@"
  PG_PORT="$(pg_free_port)"
  pg_start "$PG_TMP/data" "$PG_PORT" "$PG_TMP/log" || die "PostgreSQL did not start"
}

# pg_discard: stop and delete the cluster pg_throwaway made (if any).
pg_discard() {
  [[ -n ${PG_TMP:-} ]] || return 0
  pg_stop "$PG_TMP/data" immediate
  rm -rf "$PG_TMP"
}
