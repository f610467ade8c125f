#!/usr/bin/env bash
# Starts the whole platform on this machine: PostgreSQL 15 (installed if missing, data under .data/pg), one silo
# and the API gateway as separate processes, then seeds a small demo. It then supervises: a silo or API process that
# dies is restarted (same ports) while the other keeps running. A failed or interrupted demo seeding is logged and
# never stops the platform (the next start resumes it). Ctrl-C / SIGTERM stops everything it started within 10 s.
#
# Environment (all optional):
#   OOTD_API_PORT (8080)  OOTD_SILO_PORT (11111)  OOTD_GATEWAY_PORT (30000)  OOTD_PG_PORT (25432)
#   OOTD_CLUSTER_ID (ootd-dev)  OOTD_SEED (1; 0 skips the demo)  OOTD_PG (a full connection string: use that
#   PostgreSQL instead of starting one)
#   OOTD_SEED_TIMEOUT (600: seconds the demo seeding may take before it is stopped; the platform keeps running)
#   OOTD_BUILD (1; 0 skips the build and runs the existing Release output)  OOTD_DATA_DIR (.data: logs, dev key)
#   OOTD_STOP_GRACE (8: seconds between SIGTERM and SIGKILL when stopping)
#   Catalog: OOTD_CATALOG_ADMIN (catalog) / OOTD_CATALOG_PASSWORD (ootd-catalog-2026): the demo catalog admin;
#   OOTD_CATALOG_IMPORT (1; 0 skips the background import of ../shared/datasets/products)
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$PWD"
START_NS=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - START_NS) / 1000000 ))" | awk '{printf "%.1f", $1/1000}'; }
log() { echo "[run $(elapsed)s] $*"; }

API_PORT="${OOTD_API_PORT:-8080}"
SILO_PORT="${OOTD_SILO_PORT:-11111}"
GATEWAY_PORT="${OOTD_GATEWAY_PORT:-30000}"
OOTD_PG_WAS_SET="${OOTD_PG:+1}"
# OOTD_PG_PORT, OOTD_PG (the connection string) and their defaults: scripts/env.sh
source "$ROOT/scripts/env.sh"
CLUSTER_ID="${OOTD_CLUSTER_ID:-ootd-dev}"
API_URL="http://127.0.0.1:$API_PORT"
PG_CS="$OOTD_PG"
CONFIG=Release
DATA_DIR="${OOTD_DATA_DIR:-$ROOT/.data}"
LOGS="$DATA_DIR/logs"
STOP_GRACE="${OOTD_STOP_GRACE:-8}"
mkdir -p "$LOGS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- tools the script itself needs ------------------------------------------------------------------------------
if ! command -v curl >/dev/null 2>&1; then
  log "curl not found: installing it with apt"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq curl ca-certificates >/dev/null
fi

# --- .NET SDK ---------------------------------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  if [ -x "$HOME/.dotnet/dotnet" ]; then export PATH="$HOME/.dotnet:$PATH"; else
    log ".NET SDK not found: installing the 10.0 SDK into ~/.dotnet (dotnet-install.sh)"
    curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
    bash /tmp/dotnet-install.sh --channel 10.0 --install-dir "$HOME/.dotnet" >/dev/null
    export PATH="$HOME/.dotnet:$PATH"
  fi
fi

# --- PostgreSQL ---------------------------------------------------------------------------------------------------
PG_STARTED_HERE=0
if scripts/pg-ready.sh "$PG_CS" 2>/dev/null; then
  log "PostgreSQL already answering on $(echo "$PG_CS" | tr ';' '\n' | grep -i '^port=' | cut -d= -f2): using it (it stays up afterwards)"
else
  if [ -n "$OOTD_PG_WAS_SET" ]; then echo "OOTD_PG is set but that PostgreSQL does not answer: $OOTD_PG" >&2; exit 1; fi
  log "starting PostgreSQL 15 on 127.0.0.1:$OOTD_PG_PORT (data in .data/pg)"
  scripts/pg.sh start
  PG_STARTED_HERE=1
fi

# --- build --------------------------------------------------------------------------------------------------------
build_all() {
  if [ "${OOTD_BUILD:-1}" = "0" ]; then log "OOTD_BUILD=0: using the existing $CONFIG build"; return 0; fi
  log "building Silo, Api, DemoSeed and CatalogImport ($CONFIG)"
  for proj in Silo/Silo.csproj Api/Api.csproj tools/DemoSeed/DemoSeed.csproj tools/CatalogImport/CatalogImport.csproj; do
    dotnet build "$proj" -c "$CONFIG" -nologo -clp:ErrorsOnly -v q >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; echo "build of $proj failed" >&2; exit 1; }
  done
  log "built"
}

# --- web app (Web/ → Web/dist, served by the API at /) ------------------------------------------------------------
build_web_app() {
  if scripts/web-build.sh >"$LOGS/web-build.log" 2>&1; then log "web app built (Web/dist)"
  else log "web app build failed (see .data/logs/web-build.log): the API runs without it"; fi
}
build_web_app

# --- processes ----------------------------------------------------------------------------------------------------
SILO_PID=""; API_PID=""; IMPORT_PID=""; SEED_PID=""
SILO_STARTS=0; API_STARTS=0

# Sleeps in the background so that a trap (Ctrl-C, SIGTERM) runs at once instead of after the sleep.
pause() { sleep "$1" & wait $! 2>/dev/null || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# Signals a process started here and its descendants (the seeder and the import run under a subshell).
kill_tree() {
  local sig=$1 pid=$2 child
  [ -n "$pid" ] || return 0
  for child in $(pgrep -P "$pid" 2>/dev/null); do kill_tree "$sig" "$child"; done
  kill -"$sig" "$pid" 2>/dev/null || true
}

stop_all() {
  trap - INT TERM EXIT
  echo
  log "stopping"
  # the catalog import resumes on the next start (imported products are skipped); so does the demo seeding
  for pid in $IMPORT_PID $SEED_PID; do kill_tree TERM "$pid"; done
  for pid in $API_PID $SILO_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  # Both hosts bound their own shutdown (silo 7 s, API 5 s); whatever is still there after the grace period is killed.
  local waited=0
  while [ "$waited" -lt $((STOP_GRACE * 10)) ]; do
    local any=0
    for pid in $API_PID $SILO_PID $SEED_PID $IMPORT_PID; do alive "$pid" && any=1; done
    [ $any -eq 0 ] && break
    sleep 0.1; waited=$((waited + 1))
  done
  for pid in $API_PID $SILO_PID $SEED_PID $IMPORT_PID; do
    if alive "$pid"; then log "pid $pid did not stop within ${STOP_GRACE}s: SIGKILL"; kill_tree KILL "$pid"; fi
  done
  if [ "$PG_STARTED_HERE" -eq 1 ]; then scripts/pg.sh stop || true; log "PostgreSQL stopped (data kept in .data/pg)"; fi
  log "stopped"
}

start_silo() {
  SILO_STARTS=$((SILO_STARTS + 1))
  [ "$SILO_STARTS" -eq 1 ] && : >"$LOGS/silo.log"
  (
    cd Silo/bin/$CONFIG/net10.0
    Orleans__SiloPort="$SILO_PORT" Orleans__GatewayPort="$GATEWAY_PORT" exec dotnet Ootd.Silo.dll
  ) >>"$LOGS/silo.log" 2>&1 &
  SILO_PID=$!
  log "silo started (pid $SILO_PID, silo port $SILO_PORT, gateway $GATEWAY_PORT; log ${LOGS#$ROOT/}/silo.log)"
}

start_api() {
  API_STARTS=$((API_STARTS + 1))
  [ "$API_STARTS" -eq 1 ] && : >"$LOGS/api.log"
  (
    cd Api/bin/$CONFIG/net10.0
    # The demo seeder (12 users) and the catalogue admin sign up from this machine's address within a minute: the
    # public limit (10 sign-ups an hour per address) would stop the demo half-way, so this local platform allows 100
    # unless the caller sets AbuseLimits__SignUp__PermitLimit itself.
    AbuseLimits__SignUp__PermitLimit="${AbuseLimits__SignUp__PermitLimit:-100}" \
    Urls="$API_URL" Auth__DevKeyFile="$DATA_DIR/dev-signing.key" Catalog__Admins__0="$CATALOG_ADMIN" Ops__Admins__0="$CATALOG_ADMIN" exec dotnet Ootd.Api.dll
  ) >>"$LOGS/api.log" 2>&1 &
  API_PID=$!
  log "API started (pid $API_PID, $API_URL; log ${LOGS#$ROOT/}/api.log)"
}

# Waits for /readyz after the first start; a process that exits here is a real start-up failure (configuration,
# database): its log is shown and the script exits.
wait_ready() {
  for i in $(seq 1 360); do
    if curl -fs -m 3 "$API_URL/readyz" >/dev/null 2>&1; then return 0; fi
    for pid in $SILO_PID $API_PID; do
      if ! alive "$pid"; then
        echo "--- silo.log (tail)"; tail -30 "$LOGS/silo.log"; echo "--- api.log (tail)"; tail -30 "$LOGS/api.log"
        echo "a process exited during start-up" >&2; exit 1
      fi
    done
    [ "$i" -eq 360 ] && { echo "not ready after 180 s; see ${LOGS#$ROOT/}" >&2; exit 1; }
    pause 0.5
  done
}

# The demo seeding goes through the public API. It is never fatal: an interrupted or failed seeding (a half-seeded
# demo from an earlier Ctrl-C, a conflict, a timeout) is logged and the platform keeps running; the next start
# seeds again and the seeder skips what is already there.
seed_demo() {
  [ "${OOTD_SEED:-1}" = "0" ] && return 0
  local limit="${OOTD_SEED_TIMEOUT:-600}"
  (
    set +e
    timeout --signal=TERM --kill-after=5 "$limit" dotnet tools/DemoSeed/bin/$CONFIG/net10.0/Ootd.DemoSeed.dll --api "$API_URL" 2>&1 \
      | tee "$LOGS/demo-seed.log"
    exit "${PIPESTATUS[0]}"
  ) &
  SEED_PID=$!
  local rc=0
  wait "$SEED_PID" || rc=$?
  SEED_PID=""
  if [ "$rc" -eq 0 ]; then return 0; fi
  if [ "$rc" -eq 124 ]; then
    log "demo seeding did not finish within ${limit}s (OOTD_SEED_TIMEOUT); the platform keeps running; the next start resumes the demo"
  else
    log "demo seeding failed (exit $rc; ${LOGS#$ROOT/}/demo-seed.log); the platform keeps running; the next start resumes the demo"
  fi
}

# --- catalog: demo admin account, then the product catalog import in the background ------------------------------
create_catalog_admin() {
  local code
  code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST "$API_URL/api/v1/users" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$CATALOG_ADMIN\",\"password\":\"$CATALOG_PASSWORD\",\"displayName\":\"Catalog admin\"}" || true)
  case "$code" in
    201) log "catalog admin '$CATALOG_ADMIN' created" ;;
    409) log "catalog admin '$CATALOG_ADMIN' already exists" ;;
    *) log "could not create the catalog admin '$CATALOG_ADMIN' (HTTP $code)" ;;
  esac
}

start_catalog_import() {
  IMPORT_INFO="import a catalog: dotnet tools/CatalogImport/bin/$CONFIG/net10.0/Ootd.CatalogImport.dll import <folder with a CSV + images/> --api $API_URL --username $CATALOG_ADMIN --password $CATALOG_PASSWORD"
  if [ "${OOTD_CATALOG_IMPORT:-1}" != "0" ] && [ -f "$CATALOG_DIR/styles.csv" ]; then
    if [ -f "$CATALOG_DONE" ]; then
      IMPORT_INFO="catalog of $CATALOG_DIR already imported ($(cat "$CATALOG_DONE")); import again: rm $CATALOG_DONE"
    else
      (
        cd "$DATA_DIR"
        dotnet "$ROOT/tools/CatalogImport/bin/$CONFIG/net10.0/Ootd.CatalogImport.dll" import "$CATALOG_DIR" --api "$API_URL" \
          --username "$CATALOG_ADMIN" --password "$CATALOG_PASSWORD" --parallel 4 --currency INR \
          --shop-url-template 'https://shop.example/products/{id}' --report "$LOGS/catalog-import-failures.csv" && rc=0 || rc=$?
        # 0: everything imported; 2: some rows failed (listed in the report) and are retried on the next start
        if [ "$rc" -eq 0 ]; then date -u +"%Y-%m-%dT%H:%M:%SZ" > "$CATALOG_DONE"; fi
        echo "catalog import exited with $rc"
      ) >"$LOGS/catalog-import.log" 2>&1 &
      IMPORT_PID=$!
      IMPORT_INFO="importing $CATALOG_DIR in the background (pid $IMPORT_PID): progress in ${LOGS#$ROOT/}/catalog-import.log, failures in ${LOGS#$ROOT/}/catalog-import-failures.csv; a later start resumes and skips what is imported"
    fi
  elif [ "${OOTD_CATALOG_IMPORT:-1}" != "0" ]; then
    IMPORT_INFO="no catalog at $CATALOG_DIR; $IMPORT_INFO"
  fi
  log "$IMPORT_INFO"
}

print_info() {
  cat <<INFO

  OOTD platform is up (ready after ${READY_S}s, demo done after $(elapsed)s)
    web app       $API_URL/   (phone-sized; installable)
    API           $API_URL/api/v1/...
    OpenAPI       $API_URL/openapi/v1.json
    health        $API_URL/healthz   ready: $API_URL/readyz
    demo users    ava, ben, cleo, dan    password: ootd-demo-2026
    catalog admin $CATALOG_ADMIN    password: $CATALOG_PASSWORD   (POST/DELETE $API_URL/api/v1/products)
    catalog       $IMPORT_INFO
    try           curl -s -X POST $API_URL/api/v1/auth/token -H 'Content-Type: application/json' \\
                       -d '{"username":"ava","password":"ootd-demo-2026"}'
    logs          ${LOGS#$ROOT/}/silo.log, ${LOGS#$ROOT/}/api.log
    metrics       $API_URL/metrics (API)   http://127.0.0.1:$((GATEWAY_PORT - 10000))/metrics (silo; its /healthz, /readyz there)
    dashboard     $API_URL/admin/dashboard/?access_token=<token of $CATALOG_ADMIN> (operators: Ops:Admins)
    traces        Telemetry__Console=true ./run.sh prints every span into the logs; OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317 exports them
    PostgreSQL    $PG_CS
  Ctrl-C stops the silo and the API$( [ "$PG_STARTED_HERE" -eq 1 ] && echo " and this PostgreSQL" ).

INFO
}

# Keeps the platform up until Ctrl-C / SIGTERM: a silo or API process that died is started again on the same ports
# (a silo on its old ports replaces its dead incarnation in the membership at once); the other process keeps
# serving meanwhile. Restarts back off (1, 2, 4 … 30 s) while a process keeps dying within a minute of its start.
supervise() {
  local silo_backoff=1 api_backoff=1 silo_since api_since now
  silo_since=$(date +%s); api_since=$silo_since
  while true; do
    now=$(date +%s)
    if ! alive "$SILO_PID"; then
      local rc=0; wait "$SILO_PID" 2>/dev/null || rc=$?
      if [ $((now - silo_since)) -gt 60 ]; then silo_backoff=1; fi
      log "silo (pid $SILO_PID) exited with $rc: restarting it in ${silo_backoff}s (the API keeps running; see ${LOGS#$ROOT/}/silo.log)"
      pause "$silo_backoff"
      start_silo; silo_since=$(date +%s)
      silo_backoff=$(( silo_backoff * 2 > 30 ? 30 : silo_backoff * 2 ))
    fi
    if ! alive "$API_PID"; then
      local rc=0; wait "$API_PID" 2>/dev/null || rc=$?
      if [ $((now - api_since)) -gt 60 ]; then api_backoff=1; fi
      log "API (pid $API_PID) exited with $rc: restarting it in ${api_backoff}s (see ${LOGS#$ROOT/}/api.log)"
      pause "$api_backoff"
      start_api; api_since=$(date +%s)
      api_backoff=$(( api_backoff * 2 > 30 ? 30 : api_backoff * 2 ))
    fi
    pause 1
  done
}

# --- catalog admin (the API grants role catalog-admin to the usernames in Catalog:Admins) -------------------------
CATALOG_ADMIN="${OOTD_CATALOG_ADMIN:-catalog}"
CATALOG_PASSWORD="${OOTD_CATALOG_PASSWORD:-ootd-catalog-2026}"
CATALOG_DIR="$ROOT/../shared/datasets/products"
# a finished import is remembered per database (a different OOTD_PG imports again)
CATALOG_DONE="$DATA_DIR/catalog-import-$(printf '%s' "$PG_CS" | md5sum | cut -c1-8).done"

export Logging__LogLevel__Polly=Warning
export ConnectionStrings__Postgres="$PG_CS" Orleans__ClusterId="$CLUSTER_ID" Orleans__ServiceId="${OOTD_SERVICE_ID:-ootd}"

# --- main ---------------------------------------------------------------------------------------------------------
build_all
trap 'stop_all; exit 130' INT TERM
trap 'stop_all' EXIT
start_silo
PROCS_NS=$(date +%s%N)
start_api
wait_ready
READY_S=$(elapsed)
PROCS_S=$(echo "$(( ($(date +%s%N) - PROCS_NS) / 1000000 ))" | awk '{printf "%.1f", $1/1000}')
log "ready: /readyz answers 200 after ${READY_S}s (${PROCS_S}s after the silo and API were started)"
echo "ready_s=$READY_S processes_to_ready_s=$PROCS_S" > "$DATA_DIR/last-time-to-ready"
seed_demo
create_catalog_admin
start_catalog_import
print_info
supervise
