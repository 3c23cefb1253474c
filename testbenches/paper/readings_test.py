#!/usr/bin/env python3
"""The readings' settings (scripts/paper_readings.py, settings()): each reading gives a system's run
a --set only for a switch that differs from the machine's value and applies to that system, and
the capacity assumption only to the systems of its class. Expected lists written out by hand."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from estimator_test import load_script  # noqa: E402

CAPACITY = "kv.onchip_capacity=retained_uncharged"


def main():
    readings = load_script().paper_report.paper_readings
    default = {"recompute_energy": "array_always_on", "size_rule": "per_head_c", "baseline_sram": "total",
               "capacity": "kelle"}
    turned = dict(default, recompute_energy="per_mac", baseline_sram="kv", capacity="evicting")
    cases = [
        # The default reading: only Kelle takes the capacity assumption, nothing else is set.
        (default, "original_sram", []), (default, "aep_sram", []), (default, "kelle", [CAPACITY]),
        # Turned: every system takes the array's rule; only the SRAM systems the SRAM scope; the
        # evicting ones the capacity assumption, first; Original+eDRAM no capacity and no scope.
        (turned, "original_sram", ["pe.recompute_energy=per_mac", "sram.capacity_scope=kv"]),
        (turned, "original_edram", ["pe.recompute_energy=per_mac"]),
        (turned, "aerp_sram", [CAPACITY, "pe.recompute_energy=per_mac", "sram.capacity_scope=kv"]),
        (turned, "kelle", [CAPACITY, "pe.recompute_energy=per_mac"]),
    ]
    for reading, system, expected in cases:
        got = readings.settings(reading, default, system)
        if got != expected:
            print(f"readings_test: {system} under {reading}: got {got}, expected {expected}")
            return 1
    # The machine's own values are base.ini's (the defaults above, which the docs name).
    if readings.machine_defaults() != {k: v for k, v in default.items() if k != "capacity"}:
        print(f"readings_test: platforms/base.ini gives {readings.machine_defaults()}")
        return 1
    print(f"readings_test: {len(cases)} systems' settings as written out by hand")
    return 0


if __name__ == "__main__":
    sys.exit(main())
