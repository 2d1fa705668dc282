# shellcheck shell=bash
# A throwaway OpenStack Swift with its S3 API (the s3api middleware), for the S3 blob store's tests (`dev.sh test`).
# Sourced by deploy/dev.sh; expects common.sh (log, die, step, ensure_apt_packages, gen_password) and pg.sh (pg_free_port).
#
# Why Swift: it is a real S3 server that checks signatures and enforces S3's rules (5 MiB minimum part size, multipart
# uploads, UploadPartCopy, DeleteObjects with Content-MD5), it is packaged by Debian, and it needs no container runtime.
# One proxy (s3api + tempauth) and one account, container and object server, each a process on a free loopback port,
# storing on a plain directory of a temporary folder (mount_check = false), one replica, rings built here. Everything
# runs as the unprivileged `swift` user the packages create (as root) or as the caller.

# memcached: tempauth keeps its tokens there, and the proxy caches account and container lookups in it.
SWIFT_APT_PACKAGES=(swift-proxy swift-account swift-container swift-object memcached curl)

# State swift_stop cleans up (the caller's EXIT trap calls it).
SWIFT_TMP="" SWIFT_PIDS=()

# swift_free_port: a free TCP port on 127.0.0.1 (pg.sh's helper).
swift_free_port() { pg_free_port; }

# swift_write_conf DIR PROXY ACCOUNT CONTAINER OBJECT MEMCACHED SECRET: the whole configuration under DIR.
swift_write_conf() {
  local dir=$1 proxy=$2 account=$3 container=$4 object=$5 memcached=$6 secret=$7 kind port
  mkdir -p "$dir/srv/d1" "$dir/run" "$dir/cache"
  cat >"$dir/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = $(gen_password)
swift_hash_path_prefix = $(gen_password)
[storage-policy:0]
name = Policy-0
default = yes
[swift-constraints]
EOF
  for kind in account container object; do
    case $kind in account) port=$account ;; container) port=$container ;; object) port=$object ;; esac
    cat >"$dir/$kind-server.conf" <<EOF
[DEFAULT]
swift_dir = $dir
devices = $dir/srv
mount_check = false
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
log_name = $kind-server
log_level = WARNING
log_address = $dir/run/nolog
[pipeline:main]
pipeline = $kind-server
[app:$kind-server]
use = egg:swift#$kind
EOF
    # The object server tells the container server of every new object (which S3 listings read) within 1 s by default,
    # else leaves it to an object updater we do not run: under load on a small machine the listing then misses objects
    # for good (a resumable upload's segments are found by listing). Wait for the container server instead.
    [[ $kind != object ]] || printf 'container_update_timeout = 30\n' >>"$dir/$kind-server.conf"
    # One device, one replica, 2^6 partitions: plenty for a test.
    swift-ring-builder "$dir/$kind.builder" create 6 1 1 >/dev/null
    swift-ring-builder "$dir/$kind.builder" add "r1z1-127.0.0.1:$port/d1" 100 >/dev/null
    swift-ring-builder "$dir/$kind.builder" rebalance >/dev/null || true
    [[ -f "$dir/$kind.ring.gz" ]] || die "swift-ring-builder did not write $dir/$kind.ring.gz"
  done
  # The user "photoapi:blobs" is the S3 access key; its tempauth key is the secret. max_upload_part_num as AWS (10,000):
  # with the store's 16 MiB parts a streamed upload can reach 156 GiB.
  cat >"$dir/proxy-server.conf" <<EOF
[DEFAULT]
swift_dir = $dir
bind_ip = 127.0.0.1
bind_port = $proxy
workers = 0
log_name = proxy-server
log_level = WARNING
log_address = $dir/run/nolog
[pipeline:main]
pipeline = catch-errors gatekeeper healthcheck proxy-logging cache listing-formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
# Longer than the object servers' container_update_timeout: a write that succeeded is not answered 503 while the
# container server is slow (a loaded test machine), which a retried CompleteMultipartUpload would then fail.
node_timeout = 60
account_autocreate = true
allow_account_management = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
max_upload_part_num = 10000
[filter:tempauth]
use = egg:swift#tempauth
user_photoapi_blobs = $secret .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$memcached
EOF
  # The rest of the pipeline with their defaults: one section each, named as the middleware.
  for kind in catch_errors gatekeeper healthcheck proxy_logging listing_formats copy slo dlo; do
    printf '[filter:%s]\nuse = egg:swift#%s\n' "${kind//_/-}" "$kind"
  done >>"$dir/proxy-server.conf"
}

# swift_start: install, configure and start a Swift in a temporary folder, create the bucket, and export
#   PHOTOAPI_TEST_S3_URL, PHOTOAPI_TEST_S3_BUCKET, PHOTOAPI_TEST_S3_ACCESS_KEY, PHOTOAPI_TEST_S3_SECRET_KEY
# Stop it with swift_stop (put it in the EXIT trap).
swift_start() {
  ensure_apt_packages "${SWIFT_APT_PACKAGES[@]}"
  local proxy account container object memcached secret access="photoapi:blobs" bucket="photoapi" kind i token storage
  SWIFT_TMP="$(mktemp -d -t photoapi-swift.XXXXXX)"
  secret="$(gen_password)"
  proxy="$(swift_free_port)" account="$(swift_free_port)" container="$(swift_free_port)" object="$(swift_free_port)"
  memcached="$(swift_free_port)"
  swift_write_conf "$SWIFT_TMP" "$proxy" "$account" "$container" "$object" "$memcached" "$secret"
  [[ $EUID -ne 0 ]] || chown -R swift: "$SWIFT_TMP"
  chmod 700 "$SWIFT_TMP"
  setsid memcached -l 127.0.0.1 -p "$memcached" -U 0 -m 64 -u swift >"$SWIFT_TMP/run/memcached.log" 2>&1 &
  SWIFT_PIDS+=("$!")
  for kind in account container object proxy; do
    if [[ $EUID -eq 0 ]]; then
      setsid runuser -u swift -- "swift-$kind-server" "$SWIFT_TMP/$kind-server.conf" >"$SWIFT_TMP/run/$kind.log" 2>&1 &
    else
      setsid "swift-$kind-server" "$SWIFT_TMP/$kind-server.conf" >"$SWIFT_TMP/run/$kind.log" 2>&1 &
    fi
    SWIFT_PIDS+=("$!")
  done
  for ((i = 0; i < 150; i++)); do
    curl -fsS "http://127.0.0.1:$proxy/healthcheck" >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! curl -fsS "http://127.0.0.1:$proxy/healthcheck" >/dev/null 2>&1; then
    tail -n 20 "$SWIFT_TMP"/run/*.log >&2 || true
    die "Swift did not start (logs above)"
  fi
  # The bucket is a Swift container of the account: made through Swift's own API with a tempauth token.
  local headers
  headers="$(curl -fsS -D - -o /dev/null -H "X-Auth-User: $access" -H "X-Auth-Key: $secret" "http://127.0.0.1:$proxy/auth/v1.0")" ||
    die "Swift's tempauth refused the test user"
  token="$(sed -n 's/^[Xx]-[Aa]uth-[Tt]oken: *\([^[:space:]]*\).*/\1/p' <<<"$headers")"
  storage="$(sed -n 's/^[Xx]-[Ss]torage-[Uu]rl: *\([^[:space:]]*\).*/\1/p' <<<"$headers")"
  for ((i = 0; i < 25; i++)); do              # the account server may still be opening its database
    curl -fsS -X PUT -H "X-Auth-Token: $token" "$storage/$bucket" -o /dev/null && break
    sleep 0.2
  done
  curl -fsS -H "X-Auth-Token: $token" "$storage/$bucket" -o /dev/null || die "could not create the Swift container $bucket"
  export PHOTOAPI_TEST_S3_URL="http://127.0.0.1:$proxy" PHOTOAPI_TEST_S3_BUCKET="$bucket"
  export PHOTOAPI_TEST_S3_ACCESS_KEY="$access" PHOTOAPI_TEST_S3_SECRET_KEY="$secret"
  log "Swift (S3 API) on http://127.0.0.1:$proxy, bucket $bucket ($SWIFT_TMP)"
}

# swift_stop: stop the servers swift_start started and delete their folder.
swift_stop() {
  local pid i
  for pid in "${SWIFT_PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${SWIFT_PIDS[@]}"; do
    for ((i = 0; i < 50; i++)); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SWIFT_PIDS=()
  [[ -z $SWIFT_TMP ]] || rm -rf -- "$SWIFT_TMP"
  SWIFT_TMP=""
}
