#!/usr/bin/env bash
# Builds the bundle that runs the inference benchmark on a GPU machine with no .NET, no PostgreSQL and no network
# (the device machine of the run tool: each call carries at most 64 MiB, working tree included).
#
#   dotnet build tests/Benchmarks -c Release          # first: the bundle takes that build's output as is
#   scripts/gpu-bundle.sh [OUTDIR]                    # OUTDIR default: <repo>/.gpu (must be git-ignored: /.gpu/)
#
# Items, each a tar stream compressed with xz -9e (COMPRESS=zstd: zstd -19 --long=27), split into parts
# OUTDIR/p1, p2, … of at most PART_MIB MiB (default 56):
#   base       the framework-dependent Benchmarks build (without the CUDA provider and non-Linux natives), a copy of
#              this machine's .NET runtime (dotnet host + Microsoft.NETCore.App + Microsoft.AspNetCore.App), the first
#              64 CCP photos and 64 product photos in ordinal order (what the benchmark takes) and ResNetPreprocess.onnx
#              (its mean image)
#   model      .data/models/resnet18-dynamic-batch.onnx (the converted backbone; MODEL=… to take another copy)
#   cuda-sm90  libonnxruntime_providers_cuda.so with every non-sm_90 cubin payload zeroed (same size and headers)
#   cuda-orig  the byte-identical provider (starts a new part; only needed with ORIGINAL=1 on the GPU machine)
# The items fill the parts in this order and are split at part boundaries, so a run needs every part up to the one
# where cuda-sm90 ends (the MANIFEST says which pieces are where).
# p1 also holds run-gpu.sh (scripts/gpu-run.sh: extracts, finds CUDA, runs the benchmark) and the MANIFEST.
# LEVEL=… overrides the compression level (e.g. LEVEL=-1 for a quick trial bundle). Needs python3, tar, xz (or
# zstd), sha256sum. Heavy CPU for a few minutes: run it under flock /tmp/ootd-bench.lock.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=${1:-$REPO/.gpu}
PART_MIB=${PART_MIB:-56}
COMPRESS=${COMPRESS:-xz}
BUILD=$REPO/tests/Benchmarks/bin/Release/net10.0
MODEL=${MODEL:-$REPO/.data/models/resnet18-dynamic-batch.onnx}
PHOTOS=${PHOTOS:-$REPO/../shared/datasets/ccp/photos}
PRODUCTS=${PRODUCTS:-$REPO/../shared/datasets/products/images}
NUGET=${NUGET_PACKAGES:-$HOME/.nuget/packages}
ORT_NATIVE=$NUGET/microsoft.ml.onnxruntime.gpu.linux/1.31.0/runtimes/linux-x64/native
PREP=microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx
DOTNET_HOME=$(dirname "$(readlink -f "$(command -v dotnet)")")

fail() { echo "gpu-bundle: $*" >&2; exit 1; }
[ -f "$BUILD/Benchmarks.dll" ] || fail "no Release build at $BUILD (dotnet build tests/Benchmarks -c Release)"
strings -el "$BUILD/Benchmarks.dll" | grep -c -- '--no-database' >/dev/null || fail "$BUILD/Benchmarks.dll has no --no-database option: rebuild"
[ -f "$MODEL" ] || fail "no backbone at $MODEL"
[ -f "$ORT_NATIVE/libonnxruntime_providers_cuda.so" ] || fail "no CUDA provider in $ORT_NATIVE"
[ -f "$NUGET/$PREP" ] || fail "no $NUGET/$PREP"
[ -d "$PHOTOS" ] || fail "no photos at $PHOTOS"

STAGE=$(mktemp -d /tmp/gpu-bundle.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
echo "staging in $STAGE"

# base: app, runtime, photos, preprocessing model
mkdir -p "$STAGE/base/app" "$STAGE/base/dotnet/host/fxr" "$STAGE/base/dotnet/shared" "$STAGE/base/photos" "$STAGE/base/nuget/$(dirname "$PREP")"
cp -a "$BUILD/." "$STAGE/base/app/"
find "$STAGE/base/app/runtimes" -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} +
rm -f "$STAGE/base/app/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so" \
      "$STAGE/base/app/runtimes/linux-x64/native/libonnxruntime_providers_tensorrt.so"
cp -a "$DOTNET_HOME/dotnet" "$STAGE/base/dotnet/"
fxr=$(ls "$DOTNET_HOME/host/fxr" | sort -V | tail -1)
cp -a "$DOTNET_HOME/host/fxr/$fxr" "$STAGE/base/dotnet/host/fxr/"
for fw in Microsoft.NETCore.App Microsoft.AspNetCore.App; do
  v=$(ls "$DOTNET_HOME/shared/$fw" | grep '^10\.' | sort -V | tail -1)
  [ -n "$v" ] || fail "no .NET 10 $fw in $DOTNET_HOME"
  mkdir -p "$STAGE/base/dotnet/shared/$fw"
  cp -a "$DOTNET_HOME/shared/$fw/$v" "$STAGE/base/dotnet/shared/$fw/"
done
# Debugger and crash-dump helpers: never loaded by a plain run.
rm -f "$STAGE"/base/dotnet/shared/Microsoft.NETCore.App/*/{createdump,libmscordbi.so,libmscordaccore.so}
mapfile -t photos < <(find "$PHOTOS" -maxdepth 1 -name '*.jpg' -printf '%f\n' | LC_ALL=C sort)
[ ${#photos[@]} -gt 0 ] || fail "no *.jpg in $PHOTOS"
for f in "${photos[@]:0:64}"; do cp "$PHOTOS/$f" "$STAGE/base/photos/"; done
# The catalog workload's 64 product photos (224×224, a few KB each), when the data set is here.
if [ -d "$PRODUCTS" ]; then
  mkdir -p "$STAGE/base/products"
  mapfile -t products < <(find "$PRODUCTS" -maxdepth 1 -name '*.jpg' -printf '%f\n' | LC_ALL=C sort)
  for f in "${products[@]:0:64}"; do cp "$PRODUCTS/$f" "$STAGE/base/products/"; done
fi
cp "$NUGET/$PREP" "$STAGE/base/nuget/$PREP"

# model
mkdir -p "$STAGE/model/models"
cp "$MODEL" "$STAGE/model/models/resnet18-dynamic-batch.onnx"

# the CUDA provider: original, and a copy keeping only the sm_90 (H100/H200) cubins
mkdir -p "$STAGE/cuda-orig/cuda-orig" "$STAGE/cuda-sm90/cuda-sm90"
cp "$ORT_NATIVE/libonnxruntime_providers_cuda.so" "$STAGE/cuda-orig/cuda-orig/"
python3 - "$ORT_NATIVE/libonnxruntime_providers_cuda.so" "$STAGE/cuda-sm90/cuda-sm90/libonnxruntime_providers_cuda.so" 90 <<'EOF'
# Zeroes the payload of every fatbin entry (cubin/PTX) whose SM arch is not the one kept; headers and size unchanged.
import collections, struct, sys
src, dst, keep = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = bytearray(open(src, 'rb').read())
shoff, = struct.unpack_from('<Q', data, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3A)
section = lambda i: struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize)
names = section(shstrndx)[4]
fatbin = [(h[4], h[5]) for h in map(section, range(shnum))
          if data[names + h[0]:data.index(b'\0', names + h[0])] == b'.nv_fatbin']
if not fatbin: sys.exit('no .nv_fatbin section')
start, size = fatbin[0]
pos, end, containers, sizes, zeroed = start, start + size, 0, collections.Counter(), 0
while pos + 16 <= end:
    magic, _, header, body = struct.unpack_from('<IHHQ', data, pos)
    if magic != 0xBA55ED50:
        pos += 8
        continue
    containers += 1
    entry, stop = pos + header, pos + header + body
    while entry < stop:
        kind, _, entry_header, payload = struct.unpack_from('<HHIQ', data, entry)
        arch, = struct.unpack_from('<I', data, entry + 28)
        sizes[f'kind {kind} sm_{arch}'] += payload
        if arch != keep:
            data[entry + entry_header:entry + entry_header + payload] = bytes(payload)
            zeroed += payload
        entry += entry_header + payload
    if entry != stop: sys.exit(f'fatbin container at {pos:#x} does not end where its header says')
    pos = stop
print(f'.nv_fatbin at {start:#x} ({size / 1e6:.1f} MB): {containers} containers; ' +
      ', '.join(f'{k} {v / 1e6:.1f} MB' for k, v in sorted(sizes.items())))
print(f'zeroed {zeroed / 1e6:.1f} MB of non-sm_{keep} payload')
open(dst, 'wb').write(data)
EOF

compress_item() { # item → $STAGE/<item>.tar.<ext>
  local item=$1
  case $COMPRESS in
    xz)   tar -C "$STAGE/$item" --owner=0 --group=0 -cf - . | xz ${LEVEL:--9e} -T1 -c > "$STAGE/$item.tar.xz"; echo "$item.tar.xz" ;;
    zstd) tar -C "$STAGE/$item" --owner=0 --group=0 -cf - . | zstd -q ${LEVEL:--19} --long=27 -T1 -c > "$STAGE/$item.tar.zst"; echo "$item.tar.zst" ;;
    *) fail "COMPRESS must be xz or zstd" ;;
  esac
}

rm -rf "$OUTDIR"
mkdir -p "$OUTDIR/p1"
LIMIT=$((PART_MIB * 1024 * 1024))
MANIFEST=$STAGE/MANIFEST
: > "$MANIFEST"
part=1; used=0; room=$((LIMIT - 256 * 1024))   # p1 keeps room for run-gpu.sh and the MANIFEST
for item in base model cuda-sm90 cuda-orig; do
  stream=$(compress_item "$item")
  file=$STAGE/$stream
  size=$(stat -c %s "$file")
  echo "$item: $(du -sb "$STAGE/$item" | cut -f1) bytes → $stream $size bytes"
  echo "item $item $(sha256sum "$file" | cut -d' ' -f1) $size $stream" >> "$MANIFEST"
  # Items fill the parts in order, split wherever a part is full (fewest parts, so fewest device calls); the optional
  # original provider starts a part of its own, so the parts a run needs do not grow by it.
  if [ "$item" = cuda-orig ] && [ "$used" -gt 0 ]; then part=$((part + 1)); room=$LIMIT; used=0; fi
  offset=0; n=0
  while [ "$offset" -lt "$size" ]; do
    take=$(( size - offset < room ? size - offset : room ))
    piece=$(printf '%s.%02d' "$stream" "$n")
    mkdir -p "$OUTDIR/p$part"
    dd if="$file" of="$OUTDIR/p$part/$piece" bs=1M iflag=skip_bytes,count_bytes skip="$offset" count="$take" status=none
    echo "piece $item p$part $piece $take" >> "$MANIFEST"
    offset=$((offset + take)); room=$((room - take)); used=$((used + take)); n=$((n + 1))
    if [ "$room" -le 0 ]; then part=$((part + 1)); room=$LIMIT; used=0; fi
  done
  rm -f "$file"
done
cp "$REPO/scripts/gpu-run.sh" "$OUTDIR/p1/run-gpu.sh"
chmod +x "$OUTDIR/p1/run-gpu.sh"
cp "$MANIFEST" "$OUTDIR/p1/MANIFEST"
echo
cat "$MANIFEST"
echo
for p in "$OUTDIR"/p*; do echo "$(basename "$p"): $(du -sb "$p" | cut -f1) bytes ($(ls "$p" | tr '\n' ' '))"; done
