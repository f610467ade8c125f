#!/usr/bin/env bash
# End-to-end feed simulation (issue 16): starts a FRESH platform (new database, own ports and data folder, the
# recommender batch every 10 s, no demo seeding, no catalogue import), runs tools/FeedSim against its public HTTP API,
# prints the per-round table, and stops everything it started. Arguments after the script go to the simulator
# (--photos, --viewers, --rounds, --page, --pages, --seed …; see tools/FeedSim/README.md).
#
# Environment (all optional):
#   OOTD_API_PORT (8150)  OOTD_SILO_PORT (11150)  OOTD_GATEWAY_PORT (30150)  OOTD_PG_PORT (25499: an existing server)
#   OOTD_FEEDSIM_DB (ootd_feedsim: dropped and created again on every run)  OOTD_DATA_DIR (.data/feedsim: logs, key)
#   OOTD_FEEDSIM_BATCH_SECONDS (10: Recommender:BatchIntervalSeconds of the silo)  OOTD_BUILD (1; 0 skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
API_PORT="${OOTD_API_PORT:-8150}"
SILO_PORT="${OOTD_SILO_PORT:-11150}"
GATEWAY_PORT="${OOTD_GATEWAY_PORT:-30150}"
export OOTD_PG_PORT="${OOTD_PG_PORT:-25499}"
DB="${OOTD_FEEDSIM_DB:-ootd_feedsim}"
DATA_DIR="${OOTD_DATA_DIR:-$ROOT/.data/feedsim}"
BATCH="${OOTD_FEEDSIM_BATCH_SECONDS:-10}"
CONFIG=Release
LOGS="$DATA_DIR/logs"
mkdir -p "$LOGS"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
unset OOTD_PG
source "$ROOT/scripts/env.sh"
PG_CS="Host=127.0.0.1;Port=$OOTD_PG_PORT;Username=ootd;Password=$OOTD_PG_PASSWORD;Database=$DB"
API_URL="http://127.0.0.1:$API_PORT"
log() { echo "[feedsim.sh $(date -u +%H:%M:%S)] $*"; }

PSQL="$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | head -1)"
[ -x "$PSQL" ] || { echo "psql not found" >&2; exit 1; }
admin() { PGPASSWORD="$OOTD_PG_PASSWORD" "$PSQL" -h 127.0.0.1 -p "$OOTD_PG_PORT" -U ootd -d postgres -qAtc "$1"; }
admin "SELECT 1" >/dev/null || { echo "PostgreSQL on 127.0.0.1:$OOTD_PG_PORT does not answer (start it: OOTD_PG_PORT=$OOTD_PG_PORT OOTD_PG_DIR=/work/pg-shared bash scripts/pg.sh start)" >&2; exit 1; }

if [ "${OOTD_BUILD:-1}" != "0" ]; then
  log "building Silo, Api, FeedSim ($CONFIG)"
  for proj in Silo/Silo.csproj Api/Api.csproj tools/FeedSim/FeedSim.csproj; do
    dotnet build "$proj" -c "$CONFIG" -nologo -clp:ErrorsOnly -v q >"$LOGS/build.log" 2>&1 || { cat "$LOGS/build.log" >&2; exit 1; }
  done
fi

log "fresh database $DB on port $OOTD_PG_PORT"
admin "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
admin "CREATE DATABASE \"$DB\""

SILO_PID=""; API_PID=""
stop_all() {
  trap - INT TERM EXIT
  for pid in $API_PID $SILO_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    alive=0; for pid in $API_PID $SILO_PID; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive -eq 0 ] && break; sleep 0.1
  done
  for pid in $API_PID $SILO_PID; do kill -KILL "$pid" 2>/dev/null || true; done
  log "platform stopped (logs in ${LOGS#$ROOT/})"
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

export ConnectionStrings__Postgres="$PG_CS" Orleans__ClusterId="feedsim" Orleans__ServiceId="feedsim" Logging__LogLevel__Polly=Warning
(
  cd Silo/bin/$CONFIG/net10.0
  Orleans__SiloPort="$SILO_PORT" Orleans__GatewayPort="$GATEWAY_PORT" Recommender__BatchIntervalSeconds="$BATCH" exec dotnet Ootd.Silo.dll
) >"$LOGS/silo.log" 2>&1 &
SILO_PID=$!
(
  cd Api/bin/$CONFIG/net10.0
  # the simulated people sign up from this one address: allow them all
  AbuseLimits__SignUp__PermitLimit=10000 Urls="$API_URL" Auth__DevKeyFile="$DATA_DIR/dev-signing.key" exec dotnet Ootd.Api.dll
) >"$LOGS/api.log" 2>&1 &
API_PID=$!
log "silo pid $SILO_PID (ports $SILO_PORT/$GATEWAY_PORT, batch every ${BATCH}s), API pid $API_PID ($API_URL)"

for i in $(seq 1 360); do
  curl -fs -m 3 "$API_URL/readyz" >/dev/null 2>&1 && break
  for pid in $SILO_PID $API_PID; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$LOGS/silo.log" "$LOGS/api.log" >&2; echo "a process exited during start-up" >&2; exit 1; }
  done
  [ "$i" -eq 360 ] && { echo "not ready after 180 s; see ${LOGS#$ROOT/}" >&2; exit 1; }
  sleep 0.5
done
log "ready"

dotnet tools/FeedSim/bin/$CONFIG/net10.0/Ootd.FeedSim.dll --api "$API_URL" --ccp "$ROOT/../shared/datasets/ccp" "$@"
