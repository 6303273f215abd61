#!/usr/bin/env bash
# Installs what ReasonFlux.Rl needs on Debian beyond the .NET SDK. Idempotent: does nothing when all is there.
# Run as root to install; otherwise it prints the exact command to run and exits 1.
set -euo pipefail

packages=(
  libtorch-dev          # the tensor engine (CPU build); point LIBTORCH at a CUDA libtorch for GPUs
  libopenblas0-pthread  # without it libtorch falls back to reference BLAS (~30x slower GEMM)
  libgloo-dev           # c10d Gloo headers for the distributed primitives
  cmake g++ make        # builds the native shim from dotnet build
)
# Node.js and npm (the reference tokenizer and chat-template renderer that make test data): any install will do,
# so only ask Debian for them when the commands are missing.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  else
    echo "setup: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v dotnet >/dev/null; then
  echo "setup: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
