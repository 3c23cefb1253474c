"""Runs kelle-sim over many points in parallel, for the sweep scripts.

A point is a key and the `--set` assignments that make it; run_points returns each key's stats
JSON, shows progress on stderr, and exits with one line naming the point when a run fails.
"""
import concurrent.futures
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIM = str(ROOT / "build" / "kelle-sim")


def add_common_arguments(parser):
    parser.add_argument("--sim", default=DEFAULT_SIM)
    parser.add_argument("--config", help="platform .ini (default: kelle-sim's embedded default)")
    parser.add_argument("--trace", help="trace (default: kelle-sim's bundled trace)")
    parser.add_argument("--set", action="append", default=[], help="extra section.key=value for every point")


def run_points(args, points, label, jobs):
    """points: list of (key, [assignment, ...]). Returns {key: stats dict}."""
    def run(index, key, settings, workdir):
        stats = Path(workdir) / f"{index}.json"
        command = [args.sim, "--stats-json", str(stats)]
        if args.config:
            command += ["--config", args.config]
        if args.trace:
            command += ["--trace", args.trace]
        for setting in args.set + settings:
            command += ["--set", setting]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{key}: {done.stderr.strip()}")
        return key, json.loads(stats.read_text())

    results = {}
    with tempfile.TemporaryDirectory() as workdir, concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(run, i, key, settings, workdir) for i, (key, settings) in enumerate(points)]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            try:
                key, stats = future.result()
            except RuntimeError as error:
                sys.exit(f"{label}: {error}")
            results[key] = stats
            print(f"\r{label}: {done}/{len(points)} points", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return results
