#!/usr/bin/env bash
# Builds the web app (Web/ → Web/dist, which the API serves at /). Used by run.sh and test.sh.
#   scripts/web-build.sh            node/npm from apt when missing, `npm ci` when package-lock.json changed, build when stale
#   scripts/web-build.sh --browser  also Debian's Chromium for the browser tests (tests/Web.Tests), from apt when missing
# Node 18 or newer is enough (Debian 12's nodejs); packages come from the npm registry, cached in ~/.npm.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB="$ROOT/Web"
log() { echo "[web] $*" >&2; }
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
apt_install() {
  log "installing $* with apt"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }
if ! command -v node >/dev/null 2>&1 || [ "$(node_major)" -lt 18 ]; then apt_install nodejs; fi
if ! command -v npm >/dev/null 2>&1; then apt_install npm; fi

cd "$WEB"
# npm ci only when the lock file differs from the one the installed node_modules came from
STAMP=node_modules/.ootd-lock.sha256
LOCK_SUM="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_SUM" ]; then
  log "npm ci (node $(node --version))"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$LOCK_SUM" > "$STAMP"
fi

# build only when a source is newer than the last build
if [ ! -f dist/index.html ] || [ -n "$(find src public index.html vite.config.ts tsconfig.json package-lock.json -newer dist/index.html -print -quit)" ]; then
  log "npm run build"
  npm run build --silent >&2
else
  log "Web/dist is up to date"
fi

if [ "${1:-}" = "--browser" ] && [ -z "${OOTD_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  apt_install chromium
fi
