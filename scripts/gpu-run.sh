#!/usr/bin/env bash
# Runs the inference benchmark on a GPU machine that has no .NET, no PostgreSQL and no network, from the bundle
# parts that scripts/gpu-bundle.sh wrote into .gpu/p1, .gpu/p2, … (this file travels as .gpu/p1/run-gpu.sh).
#
#   bash .gpu/p1/run-gpu.sh [--check | --smoke] [benchmark options…]
#
#   (no mode)  the benchmark: Benchmarks inference --photos <bundled CCP photos> --require-cuda <your options>
#   --smoke    a short run: --images 64 --concurrency 16 --rounds 1 --no-database (your options come first and win)
#   --check    only extracts what is present, finds the CUDA libraries and prints nvidia-smi / ldd: no benchmark
#              (exit 0 once the runtime runs, even while the model or the provider is still to come)
# Log: $OUT/gpu-bench.log (gpu-smoke.log, gpu-check.log for the other modes).
#
# The device tool removes a part folder from the repo once a later call no longer carries it, so every part folder
# present under .gpu/ is first copied to $OOTD_GPU_DIR/parts (default /tmp/ootd/parts), which stays while the machine
# is warm, and the pieces are read from there. Run the first call as `bash .gpu/p1/run-gpu.sh --check` (carry
# .gpu/p1) and every later one as `bash /tmp/ootd/parts/p1/run-gpu.sh …` (carry .gpu/p2, then .gpu/p3, …), from the
# repo root. Items already extracted (same checksum) are skipped; a missing piece is named with the part that holds
# it. Environment:
#   ORIGINAL=1          use the byte-identical CUDA provider instead of the one stripped to sm_90 cubins
#   ALLOW_CPU=1         do not pass --require-cuda (the benchmark then falls back to the CPU provider)
#   OUT                 folder for the log gpu-bench.log (default /tmp)
#   OOTD_GPU_DIR        where the bundle is extracted (default /tmp/ootd)
#   CUDA_SEARCH         extra folders to search for the CUDA 13 libraries (space separated)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$PWD                                   # the device tool runs commands in the repo root
DEST=${OOTD_GPU_DIR:-/tmp/ootd}
PARTS=$DEST/parts
mkdir -p "$PARTS"
for part in "$REPO"/.gpu/p*; do [ -d "$part" ] && cp -r "$part" "$PARTS/"; done
[ -f "$REPO/Orleans.sln" ] || { echo "run-gpu: run me from the repo root (no Orleans.sln in $REPO)" >&2; exit 2; }
OUT=${OUT:-/tmp}
VARIANT=cuda-sm90
[ "${ORIGINAL:-0}" = 1 ] && VARIANT=cuda-orig

MODE=bench
case "${1:-}" in
  --check) MODE=check; shift ;;
  --smoke) MODE=smoke; shift ;;
esac
LOG=$OUT/gpu-$MODE.log

say() { printf '[run-gpu %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

python_bin() { command -v python3 || command -v python || ls /opt/torch/.venv/bin/python3 2>/dev/null; }

# Decompresses stdin by the piece name's extension, with xz/zstd when installed, else Python.
decompress() {
  case "$1" in
    *.xz)
      if command -v xz >/dev/null; then xz -dc
      else "$(python_bin)" -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.stdin.buffer), sys.stdout.buffer, 1 << 20)'
      fi ;;
    *.zst)
      if command -v zstd >/dev/null; then zstd -dc --long=31
      else "$(python_bin)" -c 'import zstandard,shutil,sys; shutil.copyfileobj(zstandard.ZstdDecompressor().stream_reader(sys.stdin.buffer), sys.stdout.buffer, 1 << 20)'
      fi ;;
    *) echo "unknown compression: $1" >&2; return 1 ;;
  esac
}

# MANIFEST lines: item <name> <sha256 of the whole compressed stream> <bytes> <stream file name>
#                 piece <name> <part> <piece file> <bytes>
extract() {
  local manifest=$HERE/MANIFEST needed=("base" "model" "$VARIANT") missing=() item
  [ -f "$manifest" ] || { say "no MANIFEST next to $0"; return 2; }
  mkdir -p "$DEST/.items"
  while read -r kind name sha bytes stream <&3; do
    [ "$kind" = item ] || continue
    local want=0; for item in "${needed[@]}"; do [ "$item" = "$name" ] && want=1; done
    if [ -f "$DEST/.items/$name" ] && [ "$(cat "$DEST/.items/$name")" = "$sha" ]; then
      say "$name: already extracted in $DEST"; continue
    fi
    local pieces=() lost=()
    while read -r k n part file size; do
      [ "$k" = piece ] && [ "$n" = "$name" ] || continue
      if [ -f "$PARTS/$part/$file" ] && [ "$(stat -c %s "$PARTS/$part/$file")" = "$size" ]; then pieces+=("$PARTS/$part/$file")
      else lost+=("$file (carry .gpu/$part)"); fi
    done < "$manifest"
    if [ ${#lost[@]} -gt 0 ]; then
      [ $want = 1 ] && missing+=("$name: ${lost[*]}") || say "$name: not present (not needed for $VARIANT)"
      continue
    fi
    say "$name: checking ${#pieces[@]} piece(s), $bytes bytes"
    local got; got=$(cat "${pieces[@]}" | sha256sum | cut -d' ' -f1)
    if [ "$got" != "$sha" ]; then missing+=("$name: checksum mismatch ($got, want $sha): carry its part(s) again"); continue; fi
    say "$name: extracting into $DEST"
    if ! cat "${pieces[@]}" | decompress "$stream" | tar -x -C "$DEST"; then missing+=("$name: extraction failed"); continue; fi
    echo "$sha" > "$DEST/.items/$name"
  done 3< "$manifest"
  for item in "${needed[@]}"; do
    [ -f "$DEST/.items/$item" ] || { grep -q "^item $item " "$manifest" || missing+=("$item: not in this bundle (MANIFEST)"); }
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "MISSING (the run needs base, model and $VARIANT):"
    printf '    %s\n' "${missing[@]}"
    return 2
  fi
  return 0
}

# Puts every folder that holds a CUDA 13 library (the venv's pip packages first) on LD_LIBRARY_PATH.
find_cuda() {
  local patterns=(libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 'libcufft.so.*' 'libcufftw.so.*'
                  'libcudnn.so.9*' 'libcudnn_*.so.9*' 'libnvrtc.so.13*' 'libnvrtc-builtins.so.13*' 'libnvJitLink.so.13*')
  local expr=() p
  for p in "${patterns[@]}"; do expr+=(-o -name "$p"); done
  expr=("${expr[@]:1}")
  local roots=(/opt/torch/.venv ${CUDA_SEARCH:-} /usr/local/cuda /usr/local/cuda-13 /usr/local/cuda-13.0 /opt) hits
  hits=$( { for p in "${roots[@]}"; do [ -e "$p" ] && timeout 60 find -L "$p" \( "${expr[@]}" \) 2>/dev/null; done
            timeout 120 find / -xdev \( "${expr[@]}" \) 2>/dev/null; } | grep -v '/stubs/' | awk '!seen[$0]++')
  local dirs13 dirs_other
  dirs13=$(printf '%s\n' "$hits" | grep -E '\.so\.13' | xargs -r -n1 dirname | awk '!seen[$0]++')
  dirs_other=$(printf '%s\n' "$hits" | grep -v '^$' | xargs -r -n1 dirname | awk '!seen[$0]++')
  local dirs; dirs=$(printf '%s\n%s\n' "$dirs13" "$dirs_other" | grep -v '^$' | awk '!seen[$0]++' | paste -sd: -)
  say "CUDA library files found:"; printf '%s\n' "$hits" | grep -v '^$' | sed 's/^/    /' | head -60
  for p in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcudnn.so.9; do
    printf '%s\n' "$hits" | grep -q "/$p\$\|/$p\." || say "WARNING: $p not found anywhere"
  done
  export LD_LIBRARY_PATH="${dirs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  say "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  if ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1 '; then
    local drv; drv=$(timeout 60 find / -xdev -name 'libcuda.so.1' 2>/dev/null | grep -v /stubs/ | head -1)
    if [ -n "$drv" ]; then export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$(dirname "$drv")"; say "driver library $drv (not in the ld cache)"
    else say "WARNING: libcuda.so.1 (the driver library) not found"; fi
  fi
}

main() {
  say "repo $REPO, parts in $PARTS ($(ls "$PARTS" | tr '\n' ' ')), extracting into $DEST, provider $VARIANT, mode $MODE"
  local status=0
  extract || status=$?
  if [ -d "$DEST/app" ]; then
    local native=$DEST/app/runtimes/linux-x64/native
    if [ -f "$DEST/$VARIANT/libonnxruntime_providers_cuda.so" ]; then
      ln -sfn "$DEST/$VARIANT/libonnxruntime_providers_cuda.so" "$native/libonnxruntime_providers_cuda.so"
      say "CUDA provider: $VARIANT ($(stat -L -c %s "$native/libonnxruntime_providers_cuda.so") bytes)"
    fi
  fi
  find_cuda
  say "nvidia-smi -L:"; nvidia-smi -L 2>&1 | sed 's/^/    /' || true
  if [ -f "$DEST/$VARIANT/libonnxruntime_providers_cuda.so" ]; then
    say "ldd of the CUDA provider:"
    ldd "$DEST/$VARIANT/libonnxruntime_providers_cuda.so" 2>&1 | grep -E 'not found|libcu|libnv' | sed 's/^/    /'
  fi
  [ $status = 0 ] || [ $MODE = check ] || return $status
  [ -x "$DEST/dotnet/dotnet" ] || { say "no $DEST/dotnet/dotnet"; return 2; }
  say "dotnet: $("$DEST/dotnet/dotnet" --list-runtimes 2>&1 | tr '\n' ';')"
  [ $MODE = check ] && return 0

  export DOTNET_ROOT=$DEST/dotnet DOTNET_MULTILEVEL_LOOKUP=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  export OOTD_MODEL_CACHE=$DEST/models NUGET_PACKAGES=$DEST/nuget
  local args=("$@")
  [ $MODE = smoke ] && args+=(--images 64 --concurrency 16 --rounds 1 --no-database)
  args+=(--photos "$DEST/photos")
  [ -d "$DEST/products" ] && args+=(--products "$DEST/products")
  [ "${ALLOW_CPU:-0}" = 1 ] || args+=(--require-cuda)
  cd "$REPO" || return 2
  say "running: dotnet Benchmarks.dll inference ${args[*]}"
  "$DEST/dotnet/dotnet" "$DEST/app/Benchmarks.dll" inference "${args[@]}"
  local rc=$?
  say "benchmark exit code $rc"
  return $rc
}

mkdir -p "$OUT"
main "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
echo "[run-gpu] log: $LOG (exit $rc)"
exit "$rc"
