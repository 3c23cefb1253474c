#!/usr/bin/env bash
# Installs the Debian bookworm packages the build and the tests need, and nothing else.
# Runs as root (or through sudo); does nothing when every package is already there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config        # toolchain
  libsystemc-dev                          # SystemC 2.3.4 with TLM-2.0
  libboost-program-options-dev            # command line
  nlohmann-json3-dev                      # stats JSON
  zlib1g-dev                              # gzip-compressed traces
  catch2                                  # unit tests (v2)
  gtkwave                                 # vcd2fst: the tests check the VCD loads
  python3 python3-matplotlib              # scripts/sweep-refresh: CSV and PNG plots
  verilator                               # RTL co-simulation (optional: the build skips it without)
  slurm-wlm munge                         # the Slurm sweep test starts a single-node cluster
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
