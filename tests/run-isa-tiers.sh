#!/usr/bin/env bash
# Runs the kernel tests (Category=Kernels) once per ISA tier: AVX-512, AVX2 (AVX-512 off), scalar
# (hardware intrinsics off). NATIVECNN_EXPECT_ISA makes KernelTierTests check that the forced tier is the one
# the kernels choose. Usage: tests/run-isa-tiers.sh [extra dotnet test args]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/NativeCnn.Runtime.Tests -c Release -v quiet
run() {
  echo "=== tier $1 ($2) ==="
  local out rc=0
  out=$(env $2 NATIVECNN_EXPECT_ISA="$1" dotnet test tests/NativeCnn.Runtime.Tests -c Release --no-build \
    --filter Category=Kernels "${@:3}" 2>&1) || rc=$?
  echo "$out" | grep -E "Passed!|Failed|error" || echo "$out"
  return $rc
}
status=0
if grep -q avx512f /proc/cpuinfo; then run Vector512 "DOTNET_EnableAVX512=1" "$@" || status=1; fi
run Vector256 "DOTNET_EnableAVX512=0" "$@" || status=1
run Scalar "DOTNET_EnableHWIntrinsic=0" "$@" || status=1
exit $status
