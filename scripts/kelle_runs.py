"""Runs kelle-sim over many points in parallel, for the sweep scripts.

A point is a key and the kelle-sim command that runs it. run_commands runs them on the local
cores with progress and an ETA on stderr, and exits with one line naming the point when a run
fails; run_points is the in-memory form for scripts that only want each point's stats.
"""
import concurrent.futures
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIM = str(ROOT / "build" / "kelle-sim")


def add_common_arguments(parser):
    parser.add_argument("--sim", default=DEFAULT_SIM)
    parser.add_argument("--config", help="platform .ini (default: kelle-sim's embedded default)")
    parser.add_argument("--trace", help="trace (default: kelle-sim's bundled trace)")
    parser.add_argument("--set", action="append", default=[], help="extra section.key=value for every point")


def decode_energy_pj(stats, part="total"):
    """Energy per decode step (pJ): the run's, less what the prefill spent."""
    return (stats["energy_pj"][part] - stats["energy_pj_prefill"][part]) / stats["tokens"]


def sim_command(sim, stats_path, options=(), settings=()):
    """kelle-sim's argv for one point. options: (flag, value) pairs such as ("--config", path);
    settings: section.key=value strings, each passed with --set."""
    command = [sim, "--stats-json", str(stats_path)]
    for flag, value in options:
        command += [flag, str(value)]
    for setting in settings:
        command += ["--set", setting]
    return command


class PointFailed(Exception):
    pass


class Terminated(Exception):
    """SIGTERM (a batch system's time limit, kill): raised in the main thread, which waits on the pool."""


# The kelle-sim processes running now, so a terminated sweep stops them instead of waiting.
_running = set()
_running_lock = threading.Lock()


def _on_sigterm(signum, frame):
    raise Terminated()


def _stop_running():
    with _running_lock:
        for process in _running:
            process.terminate()


def run_one(key, command):
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        with _running_lock:
            _running.add(process)
        try:
            _, stderr = process.communicate()
        finally:
            with _running_lock:
                _running.discard(process)
    if process.returncode != 0:
        # kelle-sim reports bad input as one last line; a crash may print nothing.
        lines = stderr.strip().splitlines()
        raise PointFailed(f"{key}: {lines[-1] if lines else f'exit status {process.returncode}'}")


def eta_text(done, total, elapsed_s):
    remaining_s = elapsed_s / done * (total - done)
    return f"{elapsed_s:.0f} s elapsed, ETA {remaining_s:.0f} s"


def report_progress(text):
    # A terminal shows one line rewritten in place; a log file gets one line per point.
    if sys.stderr.isatty():
        print(f"\r{text}\x1b[K", end="", file=sys.stderr, flush=True)
    else:
        print(text, file=sys.stderr, flush=True)


def run_commands(commands, label, jobs):
    """commands: list of (key, argv). After the first failure no further point starts; the
    running ones finish (their results stay) and the process exits naming the failed point."""
    if not commands:
        return
    start = time.monotonic()
    signal.signal(signal.SIGTERM, _on_sigterm)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(run_one, key, command) for key, command in commands]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            future.result()
            report_progress(f"{label}: {done}/{len(commands)} points, "
                            f"{eta_text(done, len(commands), time.monotonic() - start)}")
    except PointFailed as error:
        sys.exit(f"{label}: {error}")
    except KeyboardInterrupt:
        sys.exit(f"{label}: interrupted")
    except Terminated:
        # The shell's convention for a death by SIGTERM, 128 + 15, but with a word and no traceback.
        pool.shutdown(cancel_futures=True, wait=False)
        _stop_running()
        print(f"{label}: terminated by SIGTERM; the running points were stopped", file=sys.stderr)
        sys.exit(128 + signal.SIGTERM)
    finally:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        # Without cancelling, the pool would still start every queued point after a failure or Ctrl-C.
        pool.shutdown(cancel_futures=True)


def run_points(args, points, label, jobs):
    """points: list of (key, [assignment, ...]). Returns {key: stats dict}."""
    options = [(flag, value) for flag, value in (("--config", args.config), ("--trace", args.trace)) if value]
    with tempfile.TemporaryDirectory() as workdir:
        stats = {key: Path(workdir) / f"{index}.json" for index, (key, _) in enumerate(points)}
        run_commands([(key, sim_command(args.sim, stats[key], options, args.set + settings))
                      for key, settings in points], label, jobs)
        return {key: json.loads(path.read_text()) for key, path in stats.items()}
