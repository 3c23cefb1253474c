#!/usr/bin/env python3
"""Mutation check of the RTL blocks: every seeded mutant must be caught by kelle-sim's lockstep.

For each block (rtl/refresh_scheduler.sv, rtl/systolic_evictor.sv) the script verilates the
unmutated block and then each mutant (one textual substitution of the .sv, below), links each
into a copy of kelle-sim, and runs it on the bundled trace with `--set cosim.lockstep=<block>`:
  - the unmutated block must run clean (exit 0): the check would mean nothing otherwise;
  - every mutant must stop with exit status 5 and one stderr line naming the block and the first
    differing values (platforms/main.cpp, docs/cosim.md).

Two mutants (FAULTS) also run with their block alone in the loop: the adapter must end the run
with one line and exit status 1 (an RTL error, never an abort).

A mutant kelle-sim is the build's own link line (build/CMakeFiles/kelle-sim.dir/link.txt) with
the mutant's adapter object and verilated model put in front: the linker then takes the block's
symbols from them, and the rest (runtime, the other block, the platform) from the build's
archives. The adapter is compiled once per block, against the unmutated model: a mutant changes
no port, so the generated top-level header is the same.

Usage: mutation_check.py --source SRC --build BUILD --work DIR [--jobs 2]
"""
import argparse
import concurrent.futures
import os
import shlex
import shutil
import subprocess
import sys
import time

# (block, name, what the mutant breaks, text to replace, replacement); each text occurs once.
MUTANTS = [
    ("refresh", "due_compare", "due-time compare off by one (< for <=)",
     "due[g] <= now_ticks;", "due[g] < now_ticks;"),
    ("refresh", "bank_wrap", "bank counter wraps one bank early",
     "32'(bank_of[g]) + 1 == 32'(banks)", "32'(bank_of[g]) + 2 == 32'(banks)"),
    ("refresh", "swapped_groups", "groups 0 and 1 swap their command banks",
     "cmd_bank[g*BANK_BITS +: BANK_BITS] <= bank_of[g];", "cmd_bank[(g ^ 1)*BANK_BITS +: BANK_BITS] <= bank_of[g];"),
    ("refresh", "bank_req_stuck", "bank_req stuck on bank 0",
     "bank_req[bank_of[g]] <= 1'b1;", "bank_req[0] <= 1'b1;"),
    ("refresh", "step_plus_one", "each step one tick long",
     "due[g] <= due[g] + step_ticks[g] + TIME_BITS'(step[ACC_BITS]);",
     "due[g] <= due[g] + step_ticks[g] + TIME_BITS'(step[ACC_BITS]) + 1;"),
    ("refresh", "group1_stuck_off", "cmd_valid of group 1 stuck low",
     "cmd_valid[g] <= due_now[g] && !slot_skip[g];", "cmd_valid[g] <= due_now[g] && !slot_skip[g] && g != 1;"),
    ("evictor", "max_not_min", "row compare operator flipped (> for <)",
     "candidate && sum[r] < min_q[r-1]", "candidate && sum[r] > min_q[r-1]"),
    ("evictor", "row_tie_flip", "rows break ties to the newest (<= for <)",
     "candidate && sum[r] < min_q[r-1]", "candidate && sum[r] <= min_q[r-1]"),
    ("evictor", "wave_tie_flip", "waves break ties to the newest (<= for <)",
     "min_v[ROWS-1] < victim_score", "min_v[ROWS-1] <= victim_score"),
    ("evictor", "wave_counter_wrap", "the wave index counter steps ROWS - 1",
     "next_base <= base[0] + INDEX_BITS'(ROWS);", "next_base <= base[0] + INDEX_BITS'(ROWS - 1);"),
    ("evictor", "swapped_rows", "rows 2k and 2k+1 swap their token indices",
     "(INDEX_BITS + 1)'(r);", "(INDEX_BITS + 1)'(r ^ 1);"),
    ("evictor", "victim_stuck", "victim_index stuck at 0",
     "victim_index <= idx[ROWS-1];", "victim_index <= '0;"),
    ("evictor", "start_keeps_victim", "start does not clear the previous search's victim",
     "victim_valid <= 1'b0;\n                victim_found <= 1'b0;", "victim_valid <= 1'b0;"),
]

# Injected faults: mutants run with the block in the loop alone (no lockstep), where the adapter's
# own check must end the run with one line, "kelle-sim: RTL error: ...", and exit status 1, never
# an abort. The refresh one is issue 14's: its due time falls behind simulated time, which the
# adapter finds in a method process.
FAULTS = {
    "due_compare": "edram.refresh_impl=rtl",
    "wave_counter_wrap": "pe.evictor_impl=rtl",
}

BLOCKS = {
    # block: (sv file, top, verilator mode args, adapter source, mode defines)
    "refresh": ("rtl/refresh_scheduler.sv", "refresh_scheduler", ["--sc"],
                "modules/rtl_refresh/rtl_refresh_scheduler.cpp", ["-DVM_SC=1", "-DVM_TRACE=0"]),
    "evictor": ("rtl/systolic_evictor.sv", "systolic_evictor", ["--cc", "--trace", "-GSCORE_BITS=64", "-GINDEX_BITS=24"],
                "modules/rtl_evictor/rtl_evictor.cpp", ["-DVM_SC=0", "-DVM_TRACE=1"]),
}


def run(command, cwd=None):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def verilate(args, block, sv_text, directory):
    sv_file, top, mode, _, _ = BLOCKS[block]
    os.makedirs(directory, exist_ok=True)
    source = os.path.join(directory, os.path.basename(sv_file))
    with open(source, "w") as out:
        out.write(sv_text)
    run(["verilator", *mode, "-Wall", "-Wno-fatal", "--Mdir", directory, "--build", "-j", "1", source])
    return os.path.join(directory, f"V{top}__ALL.a")


def compile_adapter(args, block, model_directory):
    _, _, _, adapter, defines = BLOCKS[block]
    systemc = shlex.split(run(["pkg-config", "--cflags", "systemc"]).stdout)
    obj = os.path.join(model_directory, "adapter.o")
    run(["c++", "-std=c++17", "-O2", *defines, "-I", os.path.join(args.source, "modules"), "-I", model_directory,
         "-isystem", "/usr/share/verilator/include", "-isystem", "/usr/share/verilator/include/vltstd", *systemc,
         "-c", os.path.join(args.source, adapter), "-o", obj])
    return obj


def link(args, objects, output):
    with open(os.path.join(args.build, "CMakeFiles/kelle-sim.dir/link.txt")) as f:
        words = shlex.split(f.read())
    out = words.index("-o")
    main = [i for i, w in enumerate(words) if w.endswith("main.cpp.o")][0]
    words[out + 1] = output
    words[main + 1:main + 1] = objects
    run(words, cwd=args.build)


def lockstep(args, binary, block):
    return run_sim(binary, f"cosim.lockstep={block}")


def run_sim(binary, assignment):
    result = subprocess.run([binary, "--set", assignment], capture_output=True, text=True)
    return result.returncode, result.stderr.strip()


def check_fault(binary, name):
    status, err = run_sim(binary, FAULTS[name])
    ok = status == 1 and err.count("\n") == 0 and err.startswith("kelle-sim: RTL error: ")
    return ok, f"\n        and with {FAULTS[name]}: exit {status}: {err}"


def check_mutant(args, block, name, what, old, new, adapter):
    sv_file = BLOCKS[block][0]
    with open(os.path.join(args.source, sv_file)) as f:
        text = f.read()
    if text.count(old) != 1:
        return False, f"{block}/{name}: the text to mutate occurs {text.count(old)} times, not once"
    directory = os.path.join(args.work, f"{block}_{name}")
    model = verilate(args, block, text.replace(old, new), directory)
    binary = os.path.join(directory, "kelle-sim")
    link(args, [adapter, model], binary)
    status, err = lockstep(args, binary, block)
    caught = status == 5 and err.count("\n") == 0 and f": {block}: tlm " in err
    line = f"{block}/{name} ({what}): exit {status}: {err}"
    if name in FAULTS:
        faulted, fault_line = check_fault(binary, name)
        caught, line = caught and faulted, line + fault_line
    return caught, line


def baseline(args, block):
    with open(os.path.join(args.source, BLOCKS[block][0])) as f:
        text = f.read()
    directory = os.path.join(args.work, f"{block}_baseline")
    model = verilate(args, block, text, directory)
    adapter = compile_adapter(args, block, directory)
    binary = os.path.join(directory, "kelle-sim")
    link(args, [adapter, model], binary)
    status, err = lockstep(args, binary, block)
    return adapter, status == 0, f"{block}/unmutated: exit {status}{': ' + err if err else ''}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="check only the mutants whose name contains this")
    args = parser.parse_args()
    args.source, args.build, args.work = map(os.path.abspath, (args.source, args.build, args.work))
    shutil.rmtree(args.work, ignore_errors=True)
    start = time.monotonic()
    ok = True
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        adapters = {}
        for block, future in [(b, pool.submit(baseline, args, b)) for b in BLOCKS]:
            adapters[block], clean, line = future.result()
            print(("ok      " if clean else "FAILED  ") + line, flush=True)
            ok &= clean
        mutants = [m for m in MUTANTS if not args.only or args.only in m[1]]
        futures = [pool.submit(check_mutant, args, *m, adapters[m[0]]) for m in mutants]
        for future in futures:
            caught, line = future.result()
            print(("caught  " if caught else "MISSED  ") + line, flush=True)
            ok &= caught
    counts = {b: sum(1 for m in mutants if m[0] == b) for b in BLOCKS}
    print(f"{len(mutants)} mutants ({', '.join(f'{n} {b}' for b, n in counts.items())}) in "
          f"{time.monotonic() - start:.0f} s: {'all caught' if ok else 'SOME MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
