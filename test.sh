#!/usr/bin/env bash
# Builds the solution and runs every test project. Starts the project's own PostgreSQL when none is reachable.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
source scripts/env.sh   # OOTD_PG, OOTD_PG_PORT
if ! scripts/pg-ready.sh "$OOTD_PG" 2>/dev/null; then
  scripts/pg.sh start || { echo "could not start PostgreSQL" >&2; exit 1; }
fi
# --- the web app (Web/ → Web/dist) and Debian's Chromium for the browser tests (tests/Web.Tests) ----------------------
prepare_web_app() {
  scripts/web-build.sh --browser || { echo "web app build failed" >&2; exit 1; }
}
prepare_web_app
dotnet build Orleans.sln -c Release -nologo -clp:ErrorsOnly || { echo "build failed" >&2; exit 1; }
passed=0; failed=0; status=0
failures="$(mktemp)"   # each failed test's name and first lines, printed again at the end where a CI tail shows them
# Operators' checks: kubectl (renders k8s/ in tests/Operations.Tests) and dockerfilelint, installed when missing.
echo "=== operations tools and Dockerfile lint"
if scripts/ops-tools.sh; then
  scripts/lint-dockerfiles.sh || { echo "Dockerfile lint failed" >&2; status=1; failed=$((failed + 1)); }
else
  echo "operators' tools could not be installed (see above): Dockerfile lint and k8s checks fail" >&2
  status=1; failed=$((failed + 1))
fi
for proj in tests/*.Tests/*.Tests.csproj; do
  name="$(basename "$proj" .csproj)"
  echo "=== $name"
  out="$(mktemp)"
  # --blame: when the test host dies (a native crash, a fail-fast, the OOM killer), vstest names the test that was
  # running; the abort reason and that name go into the short summary below.
  # A host that dies of a signal (a native fault in ONNX Runtime or USearch, an abort) leaves vstest nothing to print:
  # the runtime's crash report names the crashing thread's frames (scripts/crash-report.sh prints them below).
  crashes=".data/crash/$name"; rm -rf "$crashes"; mkdir -p "$crashes"
  DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1 DOTNET_DbgMiniDumpName="$PWD/$crashes/%e.%p" \
  dotnet test "$proj" -c Release --no-build -nologo --blame --results-directory ".data/test-results/$name" \
    --logger "console;verbosity=normal" 2>&1 | tee "$out" | grep -E "^\s+(Failed|Passed|Skipped) |error|Total tests|Passed!|Failed!|aborted|crash"
  rc=${PIPESTATUS[0]}
  find "$crashes" -type f ! -name "*.crashreport.json" -delete   # the dumps themselves: large, and read by nobody here
  scripts/crash-report.sh "$crashes" | head -60 | tee -a "$out"
  p=$(grep -Eo "Passed: +[0-9]+" "$out" | tail -1 | grep -Eo "[0-9]+" || echo 0)
  f=$(grep -Eo "Failed: +[0-9]+" "$out" | tail -1 | grep -Eo "[0-9]+" || echo 0)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  mkdir -p .data/test-logs && cp "$out" ".data/test-logs/$name.log"
  if [ "$rc" -ne 0 ]; then
    echo "--- $name failures (full log: .data/test-logs/$name.log)"
    grep -E -A 40 "^\s+Failed " "$out" | head -200
    { echo "--- $name (exit $rc)"; grep -E -A 12 "^\s+Failed " "$out" | head -60
      # A crashed host: why (fail-fast message, unhandled exception) and which test was running, in a few lines.
      grep -E -A 2 "test run was aborted|^Unhandled exception|^Stack overflow" "$out" | head -12
      grep -E -A 2 "running when the crash occurred" "$out" | head -8
      scripts/crash-report.sh "$crashes" | head -30; } >> "$failures"
  fi
  if [ "$rc" -ne 0 ]; then status=1; [ "${f:-0}" -eq 0 ] && failed=$((failed + 1)) && echo "$name: test run failed (exit $rc)"; fi
  rm -f "$out"
done
echo
if [ -s "$failures" ]; then echo "=== failures (again, in short)"; cat "$failures"; fi
rm -f "$failures"
echo "tests: $passed passed, $failed failed"
exit $status
