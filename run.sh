#!/usr/bin/env bash
# Starts the whole platform on this machine: PostgreSQL 15 (installed if missing, data under .data/pg), one silo
# and the API gateway as separate processes, then seeds a small demo. Ctrl-C stops everything it started.
#
# Environment (all optional):
#   OOTD_API_PORT (8080)  OOTD_SILO_PORT (11111)  OOTD_GATEWAY_PORT (30000)  OOTD_PG_PORT (55432)
#   OOTD_CLUSTER_ID (ootd-dev)  OOTD_SEED (1; 0 skips the demo)  OOTD_PG (a full connection string: use that
#   PostgreSQL instead of starting one)
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
export OOTD_PG_PORT="${OOTD_PG_PORT:-55432}"
CLUSTER_ID="${OOTD_CLUSTER_ID:-ootd-dev}"
API_URL="http://127.0.0.1:$API_PORT"
PG_CS="${OOTD_PG:-Host=127.0.0.1;Port=$OOTD_PG_PORT;Username=ootd;Password=ootd;Database=ootd}"
CONFIG=Release
LOGS="$ROOT/.data/logs"
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
  if [ -n "${OOTD_PG:-}" ]; then echo "OOTD_PG is set but that PostgreSQL does not answer: $OOTD_PG" >&2; exit 1; fi
  log "starting PostgreSQL 15 on 127.0.0.1:$OOTD_PG_PORT (data in .data/pg)"
  scripts/pg.sh start
  PG_STARTED_HERE=1
fi

# --- build --------------------------------------------------------------------------------------------------------
log "building Silo, Api, DemoSeed and CatalogImport ($CONFIG)"
for proj in Silo/Silo.csproj Api/Api.csproj tools/DemoSeed/DemoSeed.csproj tools/CatalogImport/CatalogImport.csproj; do
  dotnet build "$proj" -c "$CONFIG" -nologo -clp:ErrorsOnly -v q >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; echo "build of $proj failed" >&2; exit 1; }
done
log "built"

# --- processes ----------------------------------------------------------------------------------------------------
SILO_PID=""; API_PID=""; IMPORT_PID=""
stop_all() {
  trap - INT TERM EXIT
  echo
  log "stopping"
  # the catalog import resumes on the next start (imported products are skipped)
  if [ -n "$IMPORT_PID" ]; then kill -TERM $(pgrep -P "$IMPORT_PID" 2>/dev/null) "$IMPORT_PID" 2>/dev/null || true; fi
  for pid in $API_PID $SILO_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 60); do
    alive=0; for pid in $API_PID $SILO_PID; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break; sleep 0.5
  done
  for pid in $API_PID $SILO_PID; do kill -KILL "$pid" 2>/dev/null || true; done
  if [ "$PG_STARTED_HERE" -eq 1 ]; then scripts/pg.sh stop || true; log "PostgreSQL stopped (data kept in .data/pg)"; fi
  log "stopped"
}
trap 'stop_all; exit 130' INT TERM
trap 'stop_all' EXIT

# --- catalog admin (the API grants role catalog-admin to the usernames in Catalog:Admins) -------------------------
CATALOG_ADMIN="${OOTD_CATALOG_ADMIN:-catalog}"
CATALOG_PASSWORD="${OOTD_CATALOG_PASSWORD:-ootd-catalog-2026}"
CATALOG_DIR="$ROOT/../shared/datasets/products"
# a finished import is remembered per database (a different OOTD_PG imports again)
CATALOG_DONE="$ROOT/.data/catalog-import-$(printf '%s' "$PG_CS" | md5sum | cut -c1-8).done"

export Logging__LogLevel__Polly=Warning
export ConnectionStrings__Postgres="$PG_CS" Orleans__ClusterId="$CLUSTER_ID" Orleans__ServiceId="${OOTD_SERVICE_ID:-ootd}"
(
  cd Silo/bin/$CONFIG/net10.0
  Orleans__SiloPort="$SILO_PORT" Orleans__GatewayPort="$GATEWAY_PORT" exec dotnet Ootd.Silo.dll
) >"$LOGS/silo.log" 2>&1 &
SILO_PID=$!
PROCS_NS=$(date +%s%N)
log "silo started (pid $SILO_PID, silo port $SILO_PORT, gateway $GATEWAY_PORT; log .data/logs/silo.log)"
(
  cd Api/bin/$CONFIG/net10.0
  Urls="$API_URL" Auth__DevKeyFile="$ROOT/.data/dev-signing.key" Catalog__Admins__0="$CATALOG_ADMIN" Ops__Admins__0="$CATALOG_ADMIN" exec dotnet Ootd.Api.dll
) >"$LOGS/api.log" 2>&1 &
API_PID=$!
log "API started (pid $API_PID, $API_URL; log .data/logs/api.log)"

for i in $(seq 1 360); do
  if curl -fs -m 3 "$API_URL/readyz" >/dev/null 2>&1; then break; fi
  for pid in $SILO_PID $API_PID; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "--- silo.log (tail)"; tail -30 "$LOGS/silo.log"; echo "--- api.log (tail)"; tail -30 "$LOGS/api.log"
      echo "a process exited during start-up" >&2; exit 1
    fi
  done
  [ "$i" -eq 360 ] && { echo "not ready after 180 s; see .data/logs" >&2; exit 1; }
  sleep 0.5
done
READY_S=$(elapsed)
PROCS_S=$(echo "$(( ($(date +%s%N) - PROCS_NS) / 1000000 ))" | awk '{printf "%.1f", $1/1000}')
log "ready: /readyz answers 200 after ${READY_S}s (${PROCS_S}s after the silo and API were started)"

if [ "${OOTD_SEED:-1}" != "0" ]; then
  dotnet tools/DemoSeed/bin/$CONFIG/net10.0/Ootd.DemoSeed.dll --api "$API_URL"
fi
echo "ready_s=$READY_S processes_to_ready_s=$PROCS_S" > "$ROOT/.data/last-time-to-ready"

# --- catalog: demo admin account, then the product catalog import in the background ------------------------------
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API_URL/api/v1/users" -H 'Content-Type: application/json' \
  -d "{\"username\":\"$CATALOG_ADMIN\",\"password\":\"$CATALOG_PASSWORD\",\"displayName\":\"Catalog admin\"}" || true)
case "$code" in
  201) log "catalog admin '$CATALOG_ADMIN' created" ;;
  409) log "catalog admin '$CATALOG_ADMIN' already exists" ;;
  *) log "could not create the catalog admin '$CATALOG_ADMIN' (HTTP $code)" ;;
esac
IMPORT_INFO="import a catalog: dotnet tools/CatalogImport/bin/$CONFIG/net10.0/Ootd.CatalogImport.dll import <folder with a CSV + images/> --api $API_URL --username $CATALOG_ADMIN --password $CATALOG_PASSWORD"
if [ "${OOTD_CATALOG_IMPORT:-1}" != "0" ] && [ -f "$CATALOG_DIR/styles.csv" ]; then
  if [ -f "$CATALOG_DONE" ]; then
    IMPORT_INFO="catalog of $CATALOG_DIR already imported ($(cat "$CATALOG_DONE")); import again: rm $CATALOG_DONE"
  else
    (
      cd "$ROOT/.data"
      dotnet "$ROOT/tools/CatalogImport/bin/$CONFIG/net10.0/Ootd.CatalogImport.dll" import "$CATALOG_DIR" --api "$API_URL" \
        --username "$CATALOG_ADMIN" --password "$CATALOG_PASSWORD" --parallel 4 --currency INR \
        --shop-url-template 'https://shop.example/products/{id}' --report "$LOGS/catalog-import-failures.csv" && rc=0 || rc=$?
      # 0: everything imported; 2: some rows failed (listed in the report) and are retried on the next start
      if [ "$rc" -eq 0 ]; then date -u +"%Y-%m-%dT%H:%M:%SZ" > "$CATALOG_DONE"; fi
      echo "catalog import exited with $rc"
    ) >"$LOGS/catalog-import.log" 2>&1 &
    IMPORT_PID=$!
    IMPORT_INFO="importing $CATALOG_DIR in the background (pid $IMPORT_PID): progress in .data/logs/catalog-import.log, failures in .data/logs/catalog-import-failures.csv; a later start resumes and skips what is imported"
  fi
elif [ "${OOTD_CATALOG_IMPORT:-1}" != "0" ]; then
  IMPORT_INFO="no catalog at $CATALOG_DIR; $IMPORT_INFO"
fi
log "$IMPORT_INFO"

cat <<INFO

  OOTD platform is up (ready after ${READY_S}s, demo done after $(elapsed)s)
    API           $API_URL/api/v1/...
    OpenAPI       $API_URL/openapi/v1.json
    health        $API_URL/healthz   ready: $API_URL/readyz
    demo users    ava, ben, cleo, dan    password: ootd-demo-2026
    catalog admin $CATALOG_ADMIN    password: $CATALOG_PASSWORD   (POST/DELETE $API_URL/api/v1/products)
    catalog       $IMPORT_INFO
    try           curl -s -X POST $API_URL/api/v1/auth/token -H 'Content-Type: application/json' \\
                       -d '{"username":"ava","password":"ootd-demo-2026"}'
    logs          .data/logs/silo.log, .data/logs/api.log
    metrics       $API_URL/metrics (API)   http://127.0.0.1:$((GATEWAY_PORT + 10000))/metrics (silo; its /healthz, /readyz there)
    dashboard     $API_URL/admin/dashboard/?access_token=<token of $CATALOG_ADMIN> (operators: Ops:Admins)
    traces        Telemetry__Console=true ./run.sh prints every span into the logs; OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317 exports them
    PostgreSQL    $PG_CS
  Ctrl-C stops the silo and the API$( [ "$PG_STARTED_HERE" -eq 1 ] && echo " and this PostgreSQL" ).

INFO

# Keep running until Ctrl-C, or until one of the processes dies.
while kill -0 "$SILO_PID" 2>/dev/null && kill -0 "$API_PID" 2>/dev/null; do sleep 1; done
echo "a process exited unexpectedly; see .data/logs" >&2
exit 1
