#!/usr/bin/python3
"""scripts/sweep --slurm --wait on a real single-node Slurm (cluster.py): the 2 x 2 grid of
testbenches/system/test_sweep.cpp goes through sbatch as a job array and its collector, and the
CSV the collector writes must equal the local sweep's (same rows, same stats; the columns that
measure the host aside). A grid with a failing point must end --wait with status 1 naming that
point, its task log, and no job left in the queue. Afterwards no daemon of the cluster runs.
"""
import argparse
import csv
import shutil
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cluster import SingleNodeCluster  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SWEEP = [sys.executable, str(ROOT / "scripts" / "sweep")]
# Columns that measure the host a point ran on (docs/sweeps.md, "The CSV").
HOST_COLUMNS = {"wall_time_s", "decode_wall_time_s", "peak_rss_mb"}


def fail(message):
    sys.exit(f"FAIL: {message}")


def run(command, env=None):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env)
    print(f"$ {' '.join(map(str, command))}\n-> {done.returncode}\n{done.stdout}{done.stderr}", flush=True)
    return done


def write_grid(work, tracegen, name, edram_lines):
    trace = work / "grid.trace"
    if not trace.exists() and run([tracegen, "--model", "tiny", "--prompt", "2", "--decode", "3", "--topk", "2",
                                   "--seed", "7", "--output", trace]).returncode != 0:
        fail("kelle-tracegen failed")
    grid = work / name
    grid.write_text(f"config = {ROOT / 'testbenches/system/tiny.ini'}\ntrace = {trace}\n[edram]\n{edram_lines}")
    return grid


def csv_rows(path):
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return [c for c in reader.fieldnames if c not in HOST_COLUMNS], \
               [{k: v for k, v in row.items() if k not in HOST_COLUMNS} for row in reader]


def check_same_results(local_csv, slurm_csv):
    local_columns, local = csv_rows(local_csv)
    slurm_columns, slurm = csv_rows(slurm_csv)
    if slurm_columns != local_columns:
        fail(f"columns differ: local {local_columns} vs slurm {slurm_columns}")
    if len(local) != 4 or len(slurm) != 4:
        fail(f"expected the grid's 4 rows, got {len(local)} local and {len(slurm)} from Slurm")
    for index, (a, b) in enumerate(zip(local, slurm)):
        differing = [c for c in local_columns if a[c] != b[c]]
        if differing:
            fail(f"row {index}: {differing[0]} is {a[differing[0]]} locally, {b[differing[0]]} on Slurm")


def check_failing_point(cluster, work, grid, sim):
    """Point 1 (interval -1) fails in its array task: the collector is cancelled, --wait says so."""
    out = work / "failing"
    done = run(SWEEP + [grid, "--out", out, "--sim", sim, "--slurm", "--wait", "--poll-s", "0.5"], cluster.env)
    expected = (f"sweep: 1 of 2 points have no result (first: edram.refresh_interval_us=-1, "
                f"log {out}/slurm/task-1.log); run the same command again to retry them")
    if done.returncode != 1 or done.stderr.strip() != expected:
        fail(f"--wait on a failing point: expected status 1 and {expected!r}")
    if "edram.refresh_interval_us: must be >= " not in (out / "slurm" / "task-1.log").read_text():
        fail("the failing task's log lacks kelle-sim's message")
    queue = run(["squeue", "--noheader", "--format=%i %T"], cluster.env)
    if queue.returncode != 0 or queue.stdout.strip():
        fail(f"jobs left in the queue after --wait: {queue.stdout.strip()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", required=True)
    parser.add_argument("--tracegen", required=True)
    parser.add_argument("--work", required=True, type=Path)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("FAIL: terminated"))
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    grid = write_grid(args.work, args.tracegen, "grid.ini",
                      "refresh_interval_us = 0.1, 0.2\nrefresh_policy = periodic, lifetime\n")
    if run(SWEEP + [grid, "--out", args.work / "local", "--sim", args.sim, "--jobs", "2"]).returncode != 0:
        fail("the local sweep failed")

    with SingleNodeCluster() as cluster:
        done = run(SWEEP + [grid, "--out", args.work / "slurm", "--sim", args.sim, "--slurm", "--wait",
                            "--poll-s", "0.5"], cluster.env)
        if done.returncode != 0 or not done.stdout.startswith("sweep: submitted job array "):
            fail("sweep --slurm --wait did not submit and finish")
        check_same_results(args.work / "local" / "results.csv", args.work / "slurm" / "results.csv")
        check_failing_point(cluster, args.work, write_grid(args.work, args.tracegen, "failing.ini",
                                                           "refresh_interval_us = 0.2, -1\n"), args.sim)
    if cluster.running():
        fail(f"still running after the cluster closed: {cluster.running()}")
    print("PASS: the Slurm sweep's CSV equals the local one; a failing point ends --wait with status 1")


if __name__ == "__main__":
    main()
