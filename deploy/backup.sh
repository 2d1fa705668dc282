#!/usr/bin/env bash
# deploy/backup.sh TARGET_DIR — a consistent backup of this PhotoApi instance while it runs: the database (pg_dump of
# one snapshot) in TARGET_DIR/<time>/ with its manifest.json, and the blobs that snapshot references in
# TARGET_DIR/blobs/, shared by every backup of TARGET_DIR (a second backup copies only new blobs).
# Reads the API's configuration (ConnectionStrings__Postgres, Blobs__*). Exit 0: done; 1: failed (says why);
# 3: made, but blobs the snapshot references had vanished from the store (listed). See README "Operating PhotoApi".
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
(($# == 1)) || { sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
# shellcheck source=deploy/lib/backup-tool.sh
. "$ROOT/deploy/lib/backup-tool.sh"
run_backup_tool backup "$1"
