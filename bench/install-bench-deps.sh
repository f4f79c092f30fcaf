#!/usr/bin/env bash
# install-bench-deps.sh — what bench/compare.sh needs besides the build (Debian 12):
# PyTorch for the reference side (python3-torch, which uses libblas.so.3; the pthread
# OpenBLAS makes its Linear layers multi-threaded like ours) and GNU time for peak RSS.
# The build and the test suite need none of this (scripts/install-deps.sh covers them).
set -eu
need=()
/usr/bin/python3 -c 'import torch' 2>/dev/null || need+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -eq 0 ]; then
    echo "bench dependencies: all present"
    exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing: ${need[*]}"
$sudo apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
