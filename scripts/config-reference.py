#!/usr/bin/env python3
"""Regenerates the parameter reference at the end of docs/config.md from `kelle-sim --help`: each
parameter's value in platforms/kelle.ini, the file line that sets it and the source its comment
gives, its range and meaning. The program holds no values of its own: every one comes from a file.

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
                    "| key | type, unit | value in platforms/kelle.ini | set at: source | range | meaning |",
                    "|---|---|---|---|---|---|"]
        m = re.match(r"  (\S+) \(([^)]*)\) = (\S+)(?:   \[(.*)\])?$", line)
        if m:
            origin = re.match(r"      set at .*?(platforms/\S+:\d+)(?:: (.*))?$", lines[i + 1])
            set_at = f"{origin[1]}: {origin[2]}" if origin and origin[2] else (origin[1] if origin else "")
            out.append(f"| `{m[1]}` | {m[2]} | {m[3]} | {set_at.replace('|', '/')} | {m[4] or ''} | {lines[i + 2].strip()} |")
            i += 2
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
