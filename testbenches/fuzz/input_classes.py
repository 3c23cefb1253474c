"""Issue 28's classes of input for the fuzz test (fuzz_inputs.py): random trace recipes,
cross-parameter rules set from files and --set, include graphs, odd line endings and odd output
names. Each generator returns the kelle-sim arguments of one input after writing its files
into `work`; the runs are judged like the mutated inputs, and the error's exit status must
match its blame: 2 when the line names the command line or --set, 1 when it names a file."""
import os

SHAPE_VALUES = ["0", "1", "2", "3", "4", "-1", "4096", "65536", "16777216", "2147483648", "x"]
LENGTH_VALUES = ["0", "1", "2", "3", "17", "-1", "16777217", "2147483648"]
RULE_SETTINGS = {
    "kv.policy": ["full", "window", "streaming", "h2o", "aep", "aerp"],
    "kv.budget_tokens": ["1", "2", "4", "1048576", "16777216"],
    "kv.recent_tokens": ["0", "1", "3", "100"],
    "kv.sink_tokens": ["0", "1", "4", "100"],
    "kv.store": ["edram", "sram"],
    "edram.functional": ["true", "false"],
    "edram.retention_safe_p_fail": ["1e-9", "0.5", "1"],
    "edram.retention_tail_p_fail": ["1e-5", "0.5", "0.9999999", "1"],
    "edram.retention_safe_us": ["45", "700", "1e9"],
    "edram.retention_tail_us": ["45", "700"],
    "edram.banks": ["2", "3", "4"],
    "edram.layout": ["interleaved", "byte_plane"],
    "edram.capacity_mb": ["0.0078125", "0.01", "0x10", "1"],
    "sched.order": ["serial", "overlap"],
    "workload.batch": ["1", "2", "64"],
}


def random_recipe(rng, work, base):
    options = ["--model", "tiny", "--topk", rng.choice(["1", "2", "0", "16777216"])]
    for option in ("--prompt", "--decode"):
        options += [option, rng.choice(LENGTH_VALUES[:5]) if rng.random() < 0.7 else rng.choice(LENGTH_VALUES)]
    for option in rng.sample(["--layers", "--heads", "--kv-heads", "--head-dim", "--hidden", "--ffn", "--dtype-bytes",
                              "--gated-ffn", "--seed"], rng.randint(0, 3)):
        options += [option, rng.choice(SHAPE_VALUES)]
    recipe = work / "input.recipe"
    recipe.write_text(" ".join(options) + "\n")
    return ["--config", str(base["config"]), "--trace", str(recipe)]


def rules(rng, work, base):
    chosen = {key: rng.choice(RULE_SETTINGS[key]) for key in rng.sample(sorted(RULE_SETTINGS), rng.randint(1, 4))}
    in_file = {key: value for key, value in chosen.items() if rng.random() < 0.5}
    overlay = work / "overlay.ini"
    overlay.write_text(f"include = {base['config']}\n" +
                       "".join(f"[{key.split('.')[0]}]\n{key.split('.', 1)[1]} = {value}\n" for key, value in in_file.items()))
    sets = [a for key, value in chosen.items() if key not in in_file for a in ("--set", f"{key}={value}")]
    return ["--config", str(overlay), "--trace", str(base["trace"])] + sets


def include_graph(rng, work, base):
    kind = rng.choice(["chain", "cycle", "directory", "missing", "late"])
    first = work / "inc0.ini"
    if kind == "chain":
        target = base["config"]
        for i in range(rng.choice([1, 5, 62, 63, 64, 65, 200])):
            path = work / f"inc{i}.ini"
            path.write_text(f"include = {target}\n")
            target = path
        first = target
    elif kind == "cycle":
        (work / "inc1.ini").write_text("include = inc0.ini\n")
        first.write_text("include = inc1.ini\n")
    elif kind == "directory":
        (work / "incdir").mkdir(exist_ok=True)
        first.write_text("; a comment\ninclude = incdir\n")
    elif kind == "missing":
        first.write_text("include = no-such.ini\n")
    else:
        first.write_text(f"[kv]\npolicy = full\n[]\ninclude = {base['config']}\n")
    return ["--config", str(first), "--trace", str(base["trace"])]


def line_endings(rng, work, base):
    ending = rng.choice([b"\r", b"\r\n", b"\n\r", b"\r\r\n"])
    if rng.random() < 0.5:
        config = work / "endings.ini"
        config.write_bytes(base["config"].read_bytes().replace(b"\n", ending))
        return ["--config", str(config), "--trace", str(base["trace"])]
    trace = work / "endings.trace"
    trace.write_bytes(base["trace"].read_bytes().replace(b"\n", ending))
    return ["--config", str(base["config"]), "--trace", str(trace)]


def output_names(rng, work, base):
    option = rng.choice(["--stats-json", "--vcd"])
    suffix = ".vcd" if option == "--vcd" else ".json"
    name = rng.choice(["", "x" * 240 + suffix, "x" * 251 + suffix, str(work), str(work / "no-dir" / ("o" + suffix)),
                       "/dev/full", "/dev/null", "a\nb" + suffix, str(work / ("ok" + suffix)), "-"])
    extra = rng.choice([[], ["positional"], ["--vcd-window", "steps:1-3000000000"], ["--vcd-window", "us:0-1e14"]])
    if name and not os.path.isabs(name):  # every relative name inside the input's directory
        name = str(work / name)
    return ["--config", str(base["config"]), "--trace", str(base["trace"]), option, name] + extra


GENERATORS = [random_recipe, rules, include_graph, line_endings, output_names]


def blame_problem(status, stderr):
    """None when the exit status matches what the error line blames, else what is wrong."""
    line = stderr.decode(errors="replace")
    if status not in (1, 2) or not line.startswith("kelle-sim: error: "):
        return None
    where = line[len("kelle-sim: error: "):]
    from_command_line = where.startswith("--set: ") or where.startswith("command line: ")
    if from_command_line != (status == 2):
        return f"exit {status} for an error that blames {'the command line' if from_command_line else 'a file'}"
    return None
