#!/usr/bin/env bash
# Starts N silos (default 2) of one cluster on this machine, silo ports 11111.. and gateway ports 30000..,
# waits until each logs "Silo ready", then keeps them running until Ctrl-C / SIGTERM (which stops them cleanly).
#   Silo/run-local-cluster.sh [N] [extra silo options, e.g. --Orleans:ClusterId=demo]
# Database: $OOTD_PG (or ConnectionStrings__Postgres), default the project's PostgreSQL on 127.0.0.1:25432.
# Logs: .data/logs/silo-<i>.log
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2}"; shift || true
if [ -n "${OOTD_PG:-}" ]; then export ConnectionStrings__Postgres="$OOTD_PG"; fi
dotnet build Silo/Silo.csproj -c Release -nologo -clp:ErrorsOnly >&2
BIN="$PWD/Silo/bin/Release/net10.0"
LOGS="$PWD/.data/logs"; mkdir -p "$LOGS"
pids=()
stop() { [ ${#pids[@]} -gt 0 ] && kill -TERM "${pids[@]}" 2>/dev/null; wait; }
trap stop INT TERM EXIT
for i in $(seq 0 $((N - 1))); do
  dotnet "$BIN/Ootd.Silo.dll" --Orleans:SiloPort=$((11111 + i)) --Orleans:GatewayPort=$((30000 + i)) "$@" \
    > "$LOGS/silo-$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 0 $((N - 1))); do
  for _ in $(seq 1 120); do
    grep -q "Silo ready" "$LOGS/silo-$i.log" && break
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "silo $i exited; see $LOGS/silo-$i.log" >&2; exit 1; }
    sleep 1
  done
  grep -h "Silo ready" "$LOGS/silo-$i.log" || { echo "silo $i not ready after 120 s; see $LOGS/silo-$i.log" >&2; exit 1; }
done
echo "cluster of $N silos is up (Ctrl-C stops it)"
wait
