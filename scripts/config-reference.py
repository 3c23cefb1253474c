#!/usr/bin/env python3
"""Regenerates the parameter reference at the end of docs/config.md from `kelle-sim --help`: each
parameter's value in platforms/kelle.ini (and the line that sets it, whose comment gives the source),
its built-in default, range and meaning.

Usage: python3 scripts/config-reference.py build/kelle-sim
The reference is everything after the line '## Reference'; the text above it is kept.
"""
import re
import subprocess
import sys
from pathlib import Path


def reference(help_text: str) -> str:
    lines = re.split(r"Parameters \(set in the \.ini or with --set section\.key=value\), as \S+ set them:",
                     help_text, maxsplit=1)[1].splitlines()
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("["):
            out += ["", f"### {line}", "",
                    "| key | type, unit | platforms/kelle.ini (set at) | built-in | range | meaning (source of the built-in) |",
                    "|---|---|---|---|---|---|"]
        m = re.match(r"  (\S+) \(([^)]*)\) = (\S+)(?:   \[(.*)\])?$", line)
        if m:
            value, built_in = m[3], m[3]
            origin = re.match(r"      set at .*?(platforms/\S+:\d+) \(.*\); built-in: (\S+)$", lines[i + 1])
            if origin:
                value, built_in = f"{m[3]} ({origin[1]})", origin[2]
                i += 1
            out.append(f"| `{m[1]}` | {m[2]} | {value} | {built_in} | {m[4] or ''} | {lines[i + 1].strip()} |")
            i += 1
        i += 1
    return "\n".join(out) + "\n"


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: config-reference.py PATH/TO/kelle-sim")
    help_text = subprocess.run([sys.argv[1], "--help"], check=True, capture_output=True, text=True).stdout
    doc = Path(__file__).resolve().parent.parent / "docs" / "config.md"
    head = doc.read_text().split("## Reference", 1)[0]
    doc.write_text(head + "## Reference\n" + reference(help_text))


if __name__ == "__main__":
    main()
