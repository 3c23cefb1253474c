#!/usr/bin/python3
"""Fuzz test of kelle-sim's input readers (docs/testing.md, "The fuzz test").

Mutates a valid trace and a valid config with a seeded generator (truncation, bit flips, huge
and non-finite numbers, long lines, binary bytes), then generates --classes inputs of issue 28's
kinds (input_classes.py: random recipes, cross-parameter rules, include graphs, odd line
endings, odd output names), and runs kelle-sim on each input under a time and memory limit.
Every input must end with exit status 0, 1 or 2, a failing run must say why in exactly one
stderr line, and an error blaming the command line must exit 2, one blaming a file 1. The last
line printed is "N passed, N failed".
"""
import argparse
import random
import re
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from input_classes import GENERATORS, blame_problem  # noqa: E402

# Numbers no parameter or header field should take, and the text forms a reader must refuse.
EXTREME_NUMBERS = [b"1e300", b"-1e300", b"1e-300", b"1e308", b"-1", b"0", b"nan", b"inf", b"-inf",
                   b"9223372036854775807", b"18446744073709551615", b"18446744073709551616",
                   b"4294967312", b"2147483648", b"0x10", b"1e", b""]
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def truncate(data, rng):
    return data[:rng.randrange(len(data) + 1)]


def flip_bits(data, rng):
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(out))
        out[position] ^= 1 << rng.randrange(8)
    return bytes(out)


def extreme_number(data, rng):
    numbers = list(NUMBER.finditer(data))
    if not numbers:
        return data
    match = rng.choice(numbers)
    return data[:match.start()] + rng.choice(EXTREME_NUMBERS) + data[match.end():]


def long_line(data, rng):
    # Around both readers' limits (4 KiB config lines, 1 MiB trace lines) and past them.
    length = rng.choice([4095, 4097, 70_000, (1 << 20) + 1, 3 << 20])
    lines = data.split(b"\n")
    lines.insert(rng.randrange(len(lines) + 1), b"x" * length)
    return b"\n".join(lines)


def binary_bytes(data, rng):
    position = rng.randrange(len(data) + 1)
    noise = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return data[:position] + noise + data[position:]


MUTATIONS = [truncate, flip_bits, extreme_number, long_line, binary_bytes]


def mutate(data, rng):
    names = []
    for _ in range(rng.randint(1, 3)):
        mutation = rng.choice(MUTATIONS)
        data = mutation(data, rng)
        names.append(mutation.__name__)
    return data, "+".join(names)


def limit_memory(megabytes):
    def apply():
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply if megabytes > 0 else None


def verdict(status, stderr):
    """None when the run ended as the contract says, else what was wrong."""
    if status not in (0, 1, 2):
        return f"exit status {status}"
    lines = stderr.count(b"\n")
    if status != 0 and lines != 1:
        return f"exit {status} with {lines} stderr lines"
    return None


def run_sim(args, arguments):
    try:
        done = subprocess.run([args.sim] + arguments, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=args.timeout_s, preexec_fn=limit_memory(args.memory_mb))
    except subprocess.TimeoutExpired:
        return f"no end within {args.timeout_s} s", b""
    return verdict(done.returncode, done.stderr) or blame_problem(done.returncode, done.stderr), done.stderr


def run_input(args, index, config, trace):
    stats = args.work / f"{index}.json"
    result = run_sim(args, ["--config", str(config), "--trace", str(trace), "--stats-json", str(stats)])
    stats.unlink(missing_ok=True)
    return result


def run_classes(args, base):
    """Issue 28's classes (input_classes.py), each input in a directory of its own."""
    passed = failed = 0
    for index in range(args.classes):
        rng = random.Random(args.seed * 1_000_003 + 500_000 + index)
        generator = GENERATORS[index % len(GENERATORS)]
        work = args.work / f"class-{index}"
        work.mkdir(exist_ok=True)
        arguments = generator(rng, work, base)
        problem, stderr = run_sim(args, arguments)
        if problem is None:
            passed += 1
            continue
        failed += 1
        first_line = stderr.decode(errors="replace").split("\n")[0][:200]
        print(f"class input {index} ({generator.__name__}, in {work}): {problem}: {first_line}\n"
              f"  kelle-sim {' '.join(arguments)}", flush=True)
    return passed, failed


def base_inputs(args):
    trace = args.work / "base.trace"
    subprocess.run([args.tracegen, "--model", "tiny", "--prompt", "2", "--decode", "3", "--topk", "2",
                    "--seed", "7", "--output", str(trace)], check=True)
    return Path(args.config).read_bytes(), trace.read_bytes()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sim", required=True)
    parser.add_argument("--tracegen", required=True)
    parser.add_argument("--config", required=True, help="the valid config the mutations start from")
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--classes", type=int, default=150, help="inputs of issue 28's classes (input_classes.py)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout-s", type=float, default=20)
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per run (0: none)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    config, trace = base_inputs(args)
    passed = failed = 0
    for index in range(args.count):
        rng = random.Random(args.seed * 1_000_003 + index)
        mutated_trace = rng.random() < 0.5
        data, how = mutate(trace if mutated_trace else config, rng)
        config_path, trace_path = args.work / "input.ini", args.work / "input.trace"
        config_path.write_bytes(config if mutated_trace else data)
        trace_path.write_bytes(data if mutated_trace else trace)
        problem, stderr = run_input(args, index, config_path, trace_path)
        if problem is None:
            passed += 1
            continue
        failed += 1
        kept = args.work / f"failed-{index}.{'trace' if mutated_trace else 'ini'}"
        kept.write_bytes(data)
        first_line = stderr.decode(errors="replace").split("\n")[0][:200]
        print(f"input {index} ({how} of the {'trace' if mutated_trace else 'config'}, kept as {kept}): "
              f"{problem}: {first_line}", flush=True)
    base = {"config": args.work / "base.ini", "trace": args.work / "base.trace"}
    base["config"].write_bytes(config)
    class_passed, class_failed = run_classes(args, base)
    passed, failed = passed + class_passed, failed + class_failed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
