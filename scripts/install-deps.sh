#!/usr/bin/env bash
# Installs the system packages nnlc needs to build, test and train, from Debian only.
# Safe to run repeatedly: it installs only what is missing. Used by `make demo`,
# `make check` and CI alike.
set -euo pipefail

packages=(
    cmake make gcc
    flex bison
    llvm-19-dev libzstd-dev     # libzstd-dev: LLVM's static libraries call zstd
    zlib1g-dev
    dataset-fashion-mnist
    python3
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
