#!/usr/bin/env python3
"""Regenerates the parameter reference at the end of docs/config.md from `kelle-sim --help`.

Usage: python3 scripts/config-reference.py build/kelle-sim
The reference is everything after the line '## Reference'; the text above it is kept.
"""
import re
import subprocess
import sys
from pathlib import Path


def reference(help_text: str) -> str:
    lines = help_text.split("Parameters (set in the .ini or with --set section.key=value):", 1)[1].splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.startswith("["):
            out += ["", f"### {line}", "", "| key | type, unit | default | range | meaning and source |",
                    "|---|---|---|---|---|"]
        m = re.match(r"  (\S+) \(([^)]*)\) = (\S+)(?:   \[(.*)\])?$", line)
        if m:
            out.append(f"| `{m[1]}` | {m[2]} | {m[3]} | {m[4] or ''} | {lines[i + 1].strip()} |")
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
