#!/usr/bin/env bash
# deploy/restore.sh BACKUP_DIR — restores one backup (TARGET_DIR/<time>, made by deploy/backup.sh) into the configured
# database and blob store, which must be empty (the database is created when it does not exist). Refuses a backup whose
# schema is newer than this code's migrations. Checks every blob's size and SHA-256 as it is written back.
# Reads the API's configuration (ConnectionStrings__Postgres, Blobs__*). Exit 0: restored; 1: refused or failed (says
# why). Start the API and the workers afterwards. See README "Operating PhotoApi".
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
(($# == 1)) || { sed -n '2,7s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
# shellcheck source=deploy/lib/backup-tool.sh
. "$ROOT/deploy/lib/backup-tool.sh"
run_backup_tool restore "$1"
