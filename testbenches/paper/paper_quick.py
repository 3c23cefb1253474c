#!/usr/bin/env python3
"""`scripts/reproduce-paper --quick` ends in time and writes every table the issue asks for.

    paper_quick.py --sim build/kelle-sim --tracegen build/kelle-tracegen --work DIR

Checks: exit status 0; the run time printed; each table's heading under both capacity rules;
every ratio cell a finite number (no division by a zero cost, no nan; 0.00x is a ratio below 0.005); the ablation
chain's baseline at exactly 1.00x, since it is its own reference; the weight-load section's rows for each
tile reading; Kelle under its energy ceiling on every
workload (it spends at least the weights' energy, which the ceiling divides by); the readings
section with a row per figure of the paper in its headline table. Exit 0 or 1 with the reason.
"""
import argparse
import math
import os
import re
import subprocess
import sys

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADINGS = ["### The ablation chain", "### Table 7", "### Table 8", "### Table 9", "### The 128 GB/s eDRAM",
            "### The evictor's and recomputation's own effect"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", required=True)
    parser.add_argument("--tracegen", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    out = os.path.join(args.work, "paper.md")
    result = subprocess.run([sys.executable, os.path.join(SOURCE, "scripts", "reproduce-paper"), "--quick",
                             "--sim", args.sim, "--tracegen", args.tracegen, "--out", out,
                             "--workdir", os.path.join(args.work, "runs")], capture_output=True, text=True)
    if result.returncode != 0:
        return fail(f"reproduce-paper --quick exited {result.returncode}: {result.stderr.strip()[-400:]}")
    if not re.search(r"\d+ runs in \d+ s", result.stderr):
        return fail("no run time printed")
    report = open(out).read()
    for heading in HEADINGS:
        if report.count(heading) != 3:
            return fail(f"'{heading}' appears {report.count(heading)} times, not once per capacity rule (3)")
    ratios = [float(x) for x in re.findall(r"(-?[0-9.]+|nan|inf)x\b", report)]
    if not ratios or not all(math.isfinite(r) and r >= 0 for r in ratios):
        return fail(f"a ratio is not a finite number: {[r for r in ratios if not math.isfinite(r)]}")
    if "| original_sram | 1.00x | 1.00x | +0% | 1.00x | 1.00x | +0% |" not in report:
        return fail("the baseline is not 1.00x against itself in the ablation chain")
    if "## How much the array's weight load decides" not in report:
        return fail("no section on the array's weight load ('## How much the array's weight load decides')")
    readings = report.split("## How much the array's weight load decides")[-1].split("\n## ")[0]
    for reading in ("double_buffered (default)", "scalesim_ws", "ideal"):
        # One chain row and one Table 9 row per batch (3) for each capacity rule --quick runs (stated).
        if len(re.findall(rf"^\| stated \| {re.escape(reading)} \|", readings, re.M)) != 4:
            return fail(f"the weight-load section lacks the rows of reading '{reading}'")
    ceilings = report.split("## What the bytes allow")[-1].split("\n## ")[0]
    # Per workload: the energy ceiling and Kelle's energy efficiency (columns 6 and 7).
    ceiling_rows = re.findall(r"^\| [^|]+ \| [^|]+ \|(?: [^|]* \|){3} ([0-9.]+)x \| ([0-9.]+)x \|", ceilings, re.M)
    if not ceiling_rows:
        return fail("no ceiling table ('## What the bytes allow')")
    # Kelle spends at least its weights' energy, so it cannot beat the baseline by more than that.
    above = [(ceiling, kelle) for ceiling, kelle in ceiling_rows if float(kelle) > float(ceiling)]
    if above:
        return fail(f"Kelle above its energy ceiling (ceiling, Kelle): {above}")
    readings = report.split("## The paper's readings")[-1]
    headline_rows = re.findall(r"^\| (?:\S+ speed|\S+ energy|T9 b\d+ \S+|T7 \S+) \| [0-9.]+x \|", readings, re.M)
    if "## The paper's readings" not in report or len(headline_rows) < 8:
        return fail(f"no readings table, or its headline table has {len(headline_rows)} of at least 8 figures")
    print(f"reproduce-paper --quick: {len(ratios)} ratios, {result.stderr.strip().splitlines()[-1]}")
    return 0


def fail(reason):
    print(f"paper_quick: {reason}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
