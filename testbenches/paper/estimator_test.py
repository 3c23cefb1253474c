#!/usr/bin/env python3
"""reproduce-paper's decode estimator on hand-made samples: the steady steps' mean, plus the
first sample's one-time excess once per decode (the estimator is described in the script)."""
import importlib.machinery
import importlib.util
import os
import sys
from types import SimpleNamespace

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_script():
    path = os.path.join(SOURCE, "scripts", "reproduce-paper")
    loader = importlib.machinery.SourceFileLoader("reproduce_paper", path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("reproduce_paper", loader))
    loader.exec_module(module)
    return module


def sample(first_ms, steady_ms, steps, prefill_pj, first_step_pj, steady_pj):
    """A sample's stats as kelle-sim writes them: 1 + steps decode steps, the first costing
    first_ms / first_step_pj, each later one steady_ms / steady_pj."""
    tokens = 1 + steps
    total_pj = prefill_pj + first_step_pj + steps * steady_pj
    return {"tokens": tokens,
            "latency_per_token_ms": {"mean": (first_ms + steps * steady_ms) / tokens, "first": first_ms},
            "energy_pj": {"total": total_pj}, "energy_pj_prefill": {"total": prefill_pj},
            "energy_pj_first_step": {"total": prefill_pj + first_step_pj}}


def main():
    script = load_script()
    # Task: decode D = 100 steps. Two samples of 1 + 4 steps; the first sample's first step costs
    # 30 ms more than its steady 10 ms (one-time work), the second sample's (wrongly, for a real
    # decode) 50 ms more: only the first sample's excess may count, once per decode.
    runs = script.Runs(SimpleNamespace(samples=2, steps=4), {"task": (500, 100, 64)})
    key = ("model", "task", "kelle", ())
    runs.points[key] = ("model", "task", "kelle", [])
    runs.stats = {(key, 0): sample(40, 10, 4, 1e6, 7e3, 2e3), (key, 1): sample(70, 20, 4, 2e6, 9e3, 4e3)}
    # Hand count: steady (10 + 20) / 2 = 15 ms, plus 30 ms / 100 = 0.3 ms -> 15.3 ms.
    # Energy: steady (2000 + 4000) / 2 = 3000 pJ, plus (7000 - 2000) / 100 = 50 pJ -> 3050 pJ.
    got_ms, got_pj = runs.step_ms(key), runs.step_pj(key)
    if abs(got_ms - 15.3) > 1e-9 or abs(got_pj - 3050) > 1e-6:
        print(f"estimator_test: got {got_ms} ms and {got_pj} pJ per step, expected 15.3 ms and 3050 pJ")
        return 1
    print("estimator_test: 15.3 ms and 3050 pJ per step, as counted by hand")
    return 0


if __name__ == "__main__":
    sys.exit(main())
