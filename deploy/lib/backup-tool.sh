# shellcheck shell=bash
# deploy/backup.sh and deploy/restore.sh: build (Release) and run tools/PhotoApi.Backup with the API's configuration.
# Sourced; expects $ROOT. Configuration as the API's: api/PhotoApi.Api/appsettings*.json, then the environment
# (ConnectionStrings__Postgres, Blobs__Provider, Blobs__Root or PHOTOAPI_BLOB_ROOT, Blobs__S3__*; Backup__PgBin).
run_backup_tool() {
  local tool="$ROOT/tools/PhotoApi.Backup"
  local out
  out="$(dotnet build "$tool/PhotoApi.Backup.csproj" -c Release -nologo -v:q 2>&1)" || { printf '%s\nbuilding %s failed\n' "$out" "$tool" >&2; exit 1; }
  PHOTOAPI_SETTINGS_DIR="${PHOTOAPI_SETTINGS_DIR:-$ROOT/api/PhotoApi.Api}" \
    exec dotnet "$tool/bin/Release/net10.0/PhotoApi.Backup.dll" "$@"
}
