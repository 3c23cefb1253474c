#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the embedded default
# (platforms/kelle.ini on the bundled trace), writing stats.json and waves.vcd here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
build/kelle-sim --stats-json stats.json --vcd waves.vcd "$@"
