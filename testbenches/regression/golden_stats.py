#!/usr/bin/env python3
"""Stats regression: every shipped platform, under each refresh and KV policy, on two traces.

This is the one test whose expected values come from the program's own output, on purpose: it
pins the behaviour of the model across a redesign (issue 12) so that moving code cannot move a
number. The expected stats in golden/ were written by `--update` from the commit that preceded
the redesign; any change of the model's behaviour must regenerate them deliberately, in a
commit that says why.

    golden_stats.py --sim build/kelle-sim --tracegen build/kelle-tracegen --work DIR [--update]

Compared: the whole stats JSON except the three values that are not deterministic
(wall_time_s, decode_wall_time_s, peak_rss_mb) and the trace's path (which depends on where
the test runs). With --allow-new-keys, keys the golden stats lack are accepted (a change that
only adds parameters or stats shows by it that no recorded value moved). Exit 0 when every case matches, 1 with one line per differing case otherwise.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
GOLDEN = os.path.join(HERE, "golden")

PLATFORMS = ["kelle", "original_sram", "original_edram", "aep_sram", "aerp_sram", "aerp_edram"]
EDRAM_PLATFORMS = {"kelle", "original_edram", "aerp_edram"}
REFRESH_POLICIES = ["periodic", "lifetime", "2drp"]
KV_POLICIES = ["full", "window", "streaming", "h2o", "aep", "aerp"]
# kelle-tracegen arguments of each trace; "default" is the bundled recipe, llama2 a small
# LLaMA-2-7B shape (all 32 layers, so the per-layer weight stream is the real one).
TRACES = {
    "default": open(os.path.join(SOURCE, "traces", "default.recipe")).read().split(),
    "llama2": "--model llama-2-7b --prompt 96 --decode 8 --topk 16 --seed 3".split(),
}
NOT_DETERMINISTIC = ("wall_time_s", "decode_wall_time_s", "peak_rss_mb")


def cases():
    """(name, platform, trace, extra --set assignments, extra flags)."""
    for trace in TRACES:
        for platform in PLATFORMS:
            yield f"{trace}-{platform}", platform, trace, [], []
            if platform in EDRAM_PLATFORMS:
                for refresh in REFRESH_POLICIES:
                    yield f"{trace}-{platform}-refresh-{refresh}", platform, trace, [f"edram.refresh_policy={refresh}"], []
            for kv in KV_POLICIES:
                yield f"{trace}-{platform}-kv-{kv}", platform, trace, [f"kv.policy={kv}"], []
        # Paths off the main grid: functional bit flips, batch, decoupling, granularity, and
        # the per-burst refresh path a waveform forces.
        yield f"{trace}-kelle-functional", "kelle", trace, ["kv.policy=h2o", "edram.functional=true", "sched.order=serial",
                                                              "kv.size_rule=model"], ["--seed", "7"]
        yield f"{trace}-kelle-batch4", "kelle", trace, ["workload.batch=4"], []
        yield f"{trace}-kelle-quantum", "kelle", trace, ["sim.quantum_ns=1000"], []
        yield f"{trace}-original_sram-transactions", "original_sram", trace, ["sim.transaction_bytes=4096"], []
        yield f"{trace}-kelle-vcd", "kelle", trace, [], ["--vcd", "VCD"]
        yield f"{trace}-aerp_edram-idle-compute", "aerp_edram", trace, ["kv.recompute_sizing=idle_compute"], []


def comparable(stats):
    stats = dict(stats)
    for key in NOT_DETERMINISTIC:
        stats.pop(key, None)
    stats["trace"] = os.path.basename(stats.get("trace", ""))
    return stats


def run_case(args, name, platform, trace, assignments, flags):
    trace_path = os.path.join(args.work, trace + ".trace")
    out = os.path.join(args.work, name + ".json")
    command = [args.sim, "--config", os.path.join(SOURCE, "platforms", platform + ".ini"),
               "--trace", trace_path, "--stats-json", out]
    for assignment in assignments:
        command += ["--set", assignment]
    command += [os.path.join(args.work, name + ".vcd") if f == "VCD" else f for f in flags]
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    vcd = os.path.join(args.work, name + ".vcd")
    if os.path.exists(vcd):
        os.remove(vcd)  # a waveform is only the means to force the per-burst refresh path here
    if result.returncode != 0:
        return None, f"{name}: kelle-sim exited {result.returncode}: {result.stderr.strip()}"
    with open(out) as f:
        return comparable(json.load(f)), None


def first_difference(expected, actual, path="", allow_new_keys=False):
    if type(expected) != type(actual):
        return f"{path}: {expected!r} became {actual!r}"
    if isinstance(expected, dict):
        for key in list(expected) + [k for k in actual if k not in expected]:
            if key not in actual:
                return f"{path}.{key}: missing"
            if key not in expected:
                if allow_new_keys:
                    continue
                return f"{path}.{key}: new"
            found = first_difference(expected[key], actual[key], f"{path}.{key}", allow_new_keys)
            if found:
                return found
        if allow_new_keys:
            return None if [k for k in actual if k in expected] == list(expected) else f"{path}: key order changed"
        if list(expected) != list(actual):
            return f"{path}: key order changed"
        return None
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return f"{path}: {len(expected)} items became {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            found = first_difference(e, a, f"{path}[{i}]", allow_new_keys)
            if found:
                return found
        return None
    return None if expected == actual else f"{path}: {expected!r} became {actual!r}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim", required=True)
    parser.add_argument("--tracegen", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--update", action="store_true", help="rewrite golden/ from this build")
    parser.add_argument("--allow-new-keys", action="store_true",
                        help="accept keys the golden stats lack (new parameters and stats) while every recorded value "
                             "must still match: how a change that only adds an option shows it moved nothing")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    for trace, recipe in TRACES.items():
        subprocess.run([args.tracegen, *recipe, "--output", os.path.join(args.work, trace + ".trace")], check=True,
                       stdout=subprocess.DEVNULL)
    if args.update:
        os.makedirs(GOLDEN, exist_ok=True)
    failures, count = [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda case: (case[0], run_case(args, *case)), cases()))
    for name, (stats, error) in results:
        count += 1
        golden_path = os.path.join(GOLDEN, name + ".json")
        if error:
            failures.append(error)
        elif args.update:
            with open(golden_path, "w") as f:
                json.dump(stats, f, indent=1)
                f.write("\n")
        elif not os.path.exists(golden_path):
            failures.append(f"{name}: no golden stats (run with --update once, on the reference commit)")
        else:
            with open(golden_path) as f:
                difference = first_difference(json.load(f), stats, allow_new_keys=args.allow_new_keys)
            if difference:
                failures.append(f"{name}: {difference}")
    for failure in failures:
        print(failure)
    print(f"{count - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
