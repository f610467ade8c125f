#!/usr/bin/env bash
# Installs the operators' checking tools that ./test.sh needs, quickly and only when missing; fails loudly otherwise.
#   kubectl        renders k8s/overlays (tests/Operations.Tests): any kubectl on PATH (kustomize built in), else
#                  Debian's package kubernetes-client (kubectl 1.20, kustomize v2.0.3: k8s/ sticks to what it reads)
#   dockerfilelint lints the Dockerfiles (scripts/lint-dockerfiles.sh): npm package dockerfilelint@1.8.0 in
#                  .data/tools (Debian has no hadolint); npm from apt when missing
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "[ops-tools] $*" >&2; }
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
APT_UPDATED=0
apt_install() {
  log "installing $* with apt"
  if [ "$APT_UPDATED" -eq 0 ]; then DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v kubectl >/dev/null 2>&1; then
  apt_install kubernetes-client || { echo "[ops-tools] could not install kubectl (apt package kubernetes-client)" >&2; exit 1; }
fi
kubectl kustomize --help >/dev/null 2>&1 || { echo "[ops-tools] this kubectl has no 'kustomize' command" >&2; exit 1; }

LINT="$ROOT/.data/tools/node_modules/.bin/dockerfilelint"
if [ ! -x "$LINT" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    apt_install npm || { echo "[ops-tools] could not install npm (needed for dockerfilelint)" >&2; exit 1; }
  fi
  log "installing dockerfilelint 1.8.0 into .data/tools"
  mkdir -p "$ROOT/.data/tools"
  npm install --prefix "$ROOT/.data/tools" --no-audit --no-fund --loglevel=error dockerfilelint@1.8.0 >&2 \
    || { echo "[ops-tools] could not install dockerfilelint from npm" >&2; exit 1; }
fi
[ -x "$LINT" ] || { echo "[ops-tools] dockerfilelint is missing after install" >&2; exit 1; }
log "kubectl $(kubectl version --client 2>/dev/null | head -1 | sed -E 's/.*(GitVersion:"|Client Version: )([^", ]+).*/\2/'), dockerfilelint $("$LINT" --version 2>/dev/null || echo 1.8.0)"
