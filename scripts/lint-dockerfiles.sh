#!/usr/bin/env bash
# Lints every Dockerfile of the repository with dockerfilelint (installed by scripts/ops-tools.sh) and checks the
# rules the project sets for its images: multi-stage, .NET 10 images, a non-root USER, a HEALTHCHECK, and a
# .dockerignore that keeps build output, data and node modules out of the context. Exit 1 on any finding.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LINT="$ROOT/.data/tools/node_modules/.bin/dockerfilelint"
[ -x "$LINT" ] || { echo "[lint] dockerfilelint is not installed: run scripts/ops-tools.sh" >&2; exit 1; }
status=0
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*Dockerfile' '*.Dockerfile' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "[lint] no Dockerfile found" >&2; exit 1; }
for f in "${files[@]}"; do
  out="$("$LINT" "$f" 2>&1)" || { echo "$out"; echo "[lint] $f: dockerfilelint found issues" >&2; status=1; }
  [ "$(grep -c '^FROM ' "$f")" -ge 2 ] || { echo "[lint] $f: not multi-stage" >&2; status=1; }
  grep -Eq '^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0' "$f" || { echo "[lint] $f: no .NET 10 SDK build stage" >&2; status=1; }
  grep -Eq '^FROM mcr\.microsoft\.com/dotnet/(aspnet|runtime):10\.0' "$f" || { echo "[lint] $f: no .NET 10 runtime image" >&2; status=1; }
  user="$(grep -E '^USER ' "$f" | tail -1 | awk '{print $2}')"
  case "$user" in ""|0|root) echo "[lint] $f: the final stage does not switch to a non-root USER" >&2; status=1 ;; esac
  grep -Eq '^HEALTHCHECK ' "$f" || { echo "[lint] $f: no HEALTHCHECK (write HEALTHCHECK NONE for batch images)" >&2; status=1; }
  echo "[lint] $f: checked"
done
for pattern in '**/bin/' '**/obj/' '**/node_modules/' '.data/' '.git/'; do
  grep -qxF "$pattern" .dockerignore 2>/dev/null || { echo "[lint] .dockerignore does not exclude $pattern" >&2; status=1; }
done
exit $status
