#!/usr/bin/env bash
# Side-by-side forward-pass timing of NativeCnn and ONNX Runtime on the same ONNX files (see bench/README.md).
# Run from the repository root:   bench/compare-ort.sh
# Needs dotnet (the SDK of global.json), node ≥ 18 and npm; installs onnxruntime-node into bench/node_modules itself.
# Environment:
#   RUNS=N            timed runs per engine per model × threads (default: sized from a probe run to a time budget)
#   BUDGET=SECONDS    time budget per model × threads when RUNS is not set (default 20)
#   ROUNDS=R          interleaved rounds (default 3)
#   THREADS=1,2       thread counts (the last line's geomean is over the 2-thread rows)
#   MODELS_DIR=DIR    where the generated VGG-16 / ResNet-18 files go (default artifacts/bench-models)
#   NATIVECNN_ASSETS  the shared assets folder (default ../shared/assets)
# The last line is geomean_ratio=<x>: NativeCnn / ONNX Runtime (all activations fetched) at 2 threads,
# geometric mean over the four models; the line before is the same against ORT fetching only the logits.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
assets="${NATIVECNN_ASSETS:-$root/../shared/assets}"
models_dir="${MODELS_DIR:-$root/artifacts/bench-models}"
say() { echo "compare-ort: $*" >&2; }

for tool in dotnet node npm; do
  command -v "$tool" >/dev/null || { say "$tool is required but not on PATH"; exit 1; }
done

if [ ! -f bench/node_modules/onnxruntime-node/package.json ]; then
  say "installing onnxruntime-node 1.30.0 into bench/node_modules"
  (cd bench && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >&2)
fi

say "building the CLI and the model zoo (Release)"
dotnet build src/NativeCnn.Cli/NativeCnn.Cli.csproj -c Release -nologo -v quiet >&2
dotnet build bench/NativeCnn.ModelZoo/NativeCnn.ModelZoo.csproj -c Release -nologo -v quiet >&2
nativecnn="$root/src/NativeCnn.Cli/bin/Release/net10.0/nativecnn"
zoo="$root/bench/NativeCnn.ModelZoo/bin/Release/net10.0/nativecnn-modelzoo"

mkdir -p "$models_dir"
for m in vgg16 resnet18; do
  if [ ! -s "$models_dir/$m.onnx" ]; then
    say "writing $m.onnx (random seeded weights) to $models_dir"
    "$zoo" "$models_dir" "$m" >&2
  fi
done

squeezenet="$assets/models/squeezenet1.1/squeezenet1.1.onnx"
darknet="$assets/models/tiny-darknet/tiny_darknet.onnx"
for f in "$squeezenet" "$darknet"; do
  [ -f "$f" ] || { say "missing $f (set NATIVECNN_ASSETS to the shared assets folder)"; exit 1; }
done

extra=()
[ -n "${RUNS:-}" ] && extra+=(--runs "$RUNS")
echo "machine: $(nproc) cpu(s), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); onnxruntime-node 1.30.0; $(dotnet --version | sed 's/^/dotnet /'); node $(node --version)"
node bench/compare-ort.mjs --nativecnn "$nativecnn" \
  --model "vgg16=$models_dir/vgg16.onnx" \
  --model "resnet18=$models_dir/resnet18.onnx" \
  --model "squeezenet1.1=$squeezenet" \
  --model "tiny-darknet=$darknet" \
  --threads "${THREADS:-1,2}" --rounds "${ROUNDS:-3}" --budget "${BUDGET:-20}" "${extra[@]}"
