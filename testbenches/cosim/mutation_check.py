#!/usr/bin/env python3
"""Mutation check of the RTL blocks: every seeded mutant must be caught by kelle-sim's lockstep.

For each block (rtl/refresh_scheduler.sv, rtl/systolic_evictor.sv, and the evictor's 4-bit build
that pe.score_bits = 4 puts in the loop) the script verilates the unmutated block and then each mutant (one textual substitution of the .sv, below), links each
into a copy of kelle-sim, and runs it on the bundled trace with `--set cosim.lockstep=<block>`:
  - the unmutated block must run clean (exit 0): the check would mean nothing otherwise;
  - every mutant must stop with exit status 5 and one stderr line naming the block and the first
    differing values (platforms/main.cpp, docs/cosim.md), at the right time: a refresh line at
    the earliest due picosecond it names;
  - a mutant with settings (a remainder path the default plan never takes) runs with them, and the
    unmutated block runs clean under each such setting too.

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
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

# Settings under which a mutant of the remainder arithmetic shows: the default plan's intervals
# are whole picoseconds per bank, so these give the HST-high group a fractional step (issue 27):
# 360.000001 us / 16 banks = 22500000.0625 ps, remainder 1; 360.000009 us, remainder 9, carries
# in the very first slot (the accumulator is primed with 16 / 2 = 8).
ODD_STEP = ("edram.2drp.important_msb_us=360.000001",)
ODD_FIRST_STEP = ("edram.2drp.important_msb_us=360.000009",)

# (block, name, what the mutant breaks, text to replace, replacement[, settings]); each text
# occurs once; the settings (--set) are added to the lockstep run.
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
    ("refresh", "carry_late", "the remainder carries one step late (> for >=)",
     "return sum >= modulus ?", "return sum > modulus ?", ODD_STEP),
    ("refresh", "acc_unprimed", "the accumulator starts at 0, not banks / 2 (rounds down, not half up)",
     "step = advance(banks >> 1, step_rem[g], banks);", "step = advance('0, step_rem[g], banks);", ODD_STEP),
    ("refresh", "rem_dropped", "STEP_REM writes are lost (every step truncated)",
     "step_rem[g] <= cfg_wdata[ACC_BITS-1:0];", "step_rem[g] <= '0;", ODD_STEP),
    ("refresh", "first_carry_lost", "the first slot drops its carry",
     "due[g] <= step_ticks[g] + TIME_BITS'(step[ACC_BITS]);", "due[g] <= step_ticks[g];", ODD_FIRST_STEP),
    ("refresh", "next_due_group0", "next_due_ticks looks at group 0 only",
     "if (in_use[g] && due[g] < next_due_ticks)", "if (in_use[g] && g == 0 && due[g] < next_due_ticks)", ODD_STEP),
    ("refresh", "last_group_unused", "the last configured group is never in use",
     "in_use[g] = running && g < 32'(groups);", "in_use[g] = running && g + 1 < 32'(groups);"),
    ("refresh", "cmd_bank_next", "cmd_bank names the group's next bank",
     "cmd_bank[g*BANK_BITS +: BANK_BITS] <= bank_of[g];", "cmd_bank[g*BANK_BITS +: BANK_BITS] <= bank_of[g] + BANK_BITS'(1);"),
    ("refresh", "bank_req_sticky", "bank_req is never cleared between slots",
     "bank_req <= '0;\n            for (int g", "for (int g"),
    ("evictor", "max_not_min", "row compare operator flipped (> for <)",
     "candidate && sum < min_q[r-1]", "candidate && sum > min_q[r-1]"),
    ("evictor", "row_tie_flip", "rows break ties to the newest (<= for <)",
     "candidate && sum < min_q[r-1]", "candidate && sum <= min_q[r-1]"),
    ("evictor", "wave_tie_flip", "waves break ties to the newest (<= for <)",
     "min_v < victim_score", "min_v <= victim_score"),
    ("evictor", "wave_counter_wrap", "the wave index counter steps ROWS - 1",
     "next_base <= base_row0 + INDEX_BITS'(ROWS);", "next_base <= base_row0 + INDEX_BITS'(ROWS - 1);"),
    ("evictor", "swapped_rows", "rows 2k and 2k+1 swap their token indices",
     "(INDEX_BITS + 1)'(r);", "(INDEX_BITS + 1)'(r ^ 1);"),
    ("evictor", "victim_stuck", "victim_index stuck at 0",
     "victim_index <= idx;", "victim_index <= '0;"),
    ("evictor", "start_keeps_victim", "start does not clear the previous search's victim",
     "victim_valid <= 1'b0;\n                victim_found <= 1'b0;", "victim_valid <= 1'b0;"),
    # Issue 27's four kinds the platform's searches missed, and four more; the lockstep's start-up
    # corner cases (modules/cosim/evictor_lanes.h) reach them.
    ("evictor", "recent_off_by_one", "the recent window protects one token too few (<= for <)",
     "index + {1'b0, recent} < held", "index + {1'b0, recent} <= held"),
    ("evictor", "wrap_not_saturate", "scores wrap instead of saturating",
     "return wrapped < a ? SCORE_MAX : wrapped;", "return wrapped;"),
    ("evictor", "protected_row_drops_found", "a protected row below the minimum drops `found`",
     "found = 1'b1;\n                    min_v = min_q[r-1];", "found = candidate;\n                    min_v = min_q[r-1];"),
    ("evictor", "sinks_reset_1", "SINKS resets to 1",
     "sinks <= '0;", "sinks <= INDEX_BITS'(1);"),
    ("evictor", "sinks_off_by_one", "the sinks protect one token too many (> for >=)",
     "index >= {1'b0, sinks}", "index > {1'b0, sinks}"),
    ("evictor", "logit_ignored", "the logit lane is not added",
     "row_logit[r*SCORE_BITS +: SCORE_BITS]);", "SCORE_BITS'(0));"),
    ("evictor", "stale_writeback", "the written-back register is the old score",
     "row_score_out[r*SCORE_BITS +: SCORE_BITS] <= sum;", "row_score_out[r*SCORE_BITS +: SCORE_BITS] <= row_score[r*SCORE_BITS +: SCORE_BITS];"),
    ("evictor", "protected_found", "a protected token counts as found",
     "found = candidate;\n                    min_v = sum;", "found = live;\n                    min_v = sum;"),
]

# The paper's 4-bit build of the evictor (pe.score_bits = 4, its own verilated model in kelle-sim)
# gets the mutants that touch its adder, saturation and write-back, and one of its compare.
PAPER_EVICTOR_MUTANTS = ("wrap_not_saturate", "logit_ignored", "stale_writeback", "max_not_min")
MUTANTS += [("evictor4",) + m[1:] for m in MUTANTS if m[0] == "evictor" and m[1] in PAPER_EVICTOR_MUTANTS]

# Injected faults: mutants run with the block in the loop alone (no lockstep), where the adapter's
# own check must end the run with one line, "kelle-sim: RTL error: ...", and exit status 1, never
# an abort. The refresh one is issue 14's: its due time falls behind simulated time, which the
# adapter finds in a method process.
FAULTS = {
    "due_compare": "edram.refresh_impl=rtl",
    "wave_counter_wrap": "pe.evictor_impl=rtl",
}

BLOCKS = {
    # block: (sv file, model prefix, verilator mode args, adapter source, mode defines)
    "refresh": ("rtl/refresh_scheduler.sv", "Vrefresh_scheduler", ["--sc"],
                "modules/rtl_refresh/rtl_refresh_scheduler.cpp", ["-DVM_SC=1", "-DVM_TRACE=0"]),
    "evictor": ("rtl/systolic_evictor.sv", "Vsystolic_evictor", ["--cc", "-GSCORE_BITS=64", "-GINDEX_BITS=24"],
                "modules/rtl_evictor/rtl_evictor.cpp", ["-DVM_SC=0", "-DVM_TRACE=0"]),
    "evictor4": ("rtl/systolic_evictor.sv", "Vsystolic_evictor_paper",
                 ["--cc", "-GSCORE_BITS=4", "-GINDEX_BITS=24"],
                 "modules/rtl_evictor/rtl_evictor.cpp", ["-DVM_SC=0", "-DVM_TRACE=0"]),
}
# What a block's mutants run under: the lockstep that names it, and the settings that select it.
LOCKSTEP = {"refresh": ("refresh", ()), "evictor": ("evictor", ()), "evictor4": ("evictor", ("pe.score_bits=4",))}


def run(command, cwd=None):
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def verilate(args, block, sv_text, directory):
    sv_file, prefix, mode, _, _ = BLOCKS[block]
    os.makedirs(directory, exist_ok=True)
    source = os.path.join(directory, os.path.basename(sv_file))
    with open(source, "w") as out:
        out.write(sv_text)
    run(["verilator", *mode, "--prefix", prefix, "-Wall", "-Wno-fatal", "--Mdir", directory, "--build", "-j", "1",
         source])
    return os.path.join(directory, f"{prefix}__ALL.a")


def compile_adapter(args, block, model_directory):
    _, _, _, adapter, defines = BLOCKS[block]
    systemc = shlex.split(run(["pkg-config", "--cflags", "systemc"]).stdout)
    obj = os.path.join(model_directory, "adapter.o")
    # The adapter may hold other builds of its block (the evictor's 4-bit one): their headers are the build's.
    others = [arg for d in sorted(glob.glob(os.path.join(args.build, "CMakeFiles", "kelle_rtl_*.dir", "V*.dir")))
              for arg in ("-I", d)]
    run(["c++", "-std=c++17", "-O2", *defines, "-I", os.path.join(args.source, "modules"), "-I", model_directory, *others,
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


def lockstep(args, binary, block, settings=()):
    name, block_settings = LOCKSTEP[block]
    return run_sim(binary, f"cosim.lockstep={name}", *block_settings, *settings)


def run_sim(binary, *assignments):
    command = [binary]
    for assignment in assignments:
        command += ["--set", assignment]
    result = subprocess.run(command, capture_output=True, text=True)
    return result.returncode, result.stderr.strip()


def at_right_time(err):
    """A refresh line names due times in ps; it must come at the earliest of them (the adapter's
    own faults one tick before the slot). A line without any (the evictor's) passes."""
    t = re.search(r"t=(\d+)\.(\d{3}) ns", err)
    dues = [int(d) for d in re.findall(r"(\d+) ps", err)]
    if not t or not dues:
        return True
    t_ps = int(t.group(1)) * 1000 + int(t.group(2))
    return min(dues) - 1 <= t_ps <= min(dues)


def check_fault(binary, name):
    status, err = run_sim(binary, FAULTS[name])
    ok = status == 1 and err.count("\n") == 0 and err.startswith("kelle-sim: RTL error: ")
    return ok, f"\n        and with {FAULTS[name]}: exit {status}: {err}"


def check_mutant(args, block, name, what, old, new, settings, adapter):
    sv_file = BLOCKS[block][0]
    with open(os.path.join(args.source, sv_file)) as f:
        text = f.read()
    if text.count(old) != 1:
        return False, f"{block}/{name}: the text to mutate occurs {text.count(old)} times, not once"
    directory = os.path.join(args.work, f"{block}_{name}")
    model = verilate(args, block, text.replace(old, new), directory)
    binary = os.path.join(directory, "kelle-sim")
    link(args, [adapter, model], binary)
    status, err = lockstep(args, binary, block, settings)
    # The refresh line names its scheduler, the evictor's a start-up corner case when one caught it.
    named = re.search(rf": {LOCKSTEP[block][0]}( \([^)]*\))?: tlm ", err) is not None
    caught = status == 5 and err.count("\n") == 0 and named and at_right_time(err)
    settings = LOCKSTEP[block][1] + tuple(settings)
    line = f"{block}/{name} ({what}{', ' + ' '.join(settings) if settings else ''}): exit {status}: {err}"
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
    # Clean under every setting a mutant of the block runs with, or a catch there would mean nothing.
    lines, clean = [], True
    for settings in sorted({tuple(m[5]) if len(m) > 5 else () for m in MUTANTS if m[0] == block}):
        status, err = lockstep(args, binary, block, settings)
        clean &= status == 0
        lines.append(f"{block}/unmutated{' with ' + ' '.join(settings) if settings else ''}: exit {status}"
                     f"{': ' + err if err else ''}")
    return adapter, clean, "\n        ".join(lines)


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
        futures = [pool.submit(check_mutant, args, *m[:5], m[5] if len(m) > 5 else (), adapters[m[0]])
                   for m in mutants]
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
