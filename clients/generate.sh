#!/usr/bin/env bash
# Regenerates every client from openapi.yaml. Never edit the outputs by hand:
# ./deploy/dev.sh test runs this and fails when the committed files differ.
#   clients/csharp/PhotoApi.Client/PhotoApiClient.g.cs   NSwag (NSwag.MSBuild), System.Text.Json
#   clients/typescript/photoapi.d.ts                      openapi-typescript, type-checked with tsc
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
BIN="$ROOT/tools/node_modules/.bin"
[[ -x $BIN/openapi-typescript ]] || npm ci --prefix "$ROOT/tools" --no-audit --no-fund >/dev/null

dotnet build "$ROOT/clients/csharp/PhotoApi.Client/PhotoApi.Client.csproj" -t:GenerateClient -v:q -nologo >/dev/null
"$BIN/openapi-typescript" "$ROOT/openapi.yaml" -o "$ROOT/clients/typescript/photoapi.d.ts" >/dev/null
"$BIN/tsc" --noEmit --strict --skipLibCheck false "$ROOT/clients/typescript/photoapi.d.ts"
echo "clients regenerated from openapi.yaml"
