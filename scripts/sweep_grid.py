"""Reads a sweep grid file (INI or JSON) for scripts/sweep; docs/sweeps.md describes the format.

Every key is a kelle-sim parameter (section.key) or one of OPTION_KEYS, which become kelle-sim's
--config, --trace and --seed. A list of values is swept; a single value is fixed for every
point. Errors are GridError: one line naming the file, the line where it is known, and the key.
"""
import itertools
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

OPTION_KEYS = {"config": "--config", "trace": "--trace", "seed": "--seed"}
PATH_KEYS = ("config", "trace")


class GridError(Exception):
    def __init__(self, path, line, key, message):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


@dataclass
class Grid:
    path: Path
    swept: dict = field(default_factory=dict)   # key -> [value, ...] as kelle-sim reads them
    fixed: dict = field(default_factory=dict)   # key -> value
    lines: dict = field(default_factory=dict)   # key -> line in the file, 0 when unknown

    def add(self, key, values, line):
        if key in self.lines:
            raise GridError(self.path, line, key, f"given twice (first on line {self.lines[key]})")
        if not values:
            raise GridError(self.path, line, key, "empty list of values")
        if len(set(values)) != len(values):
            raise GridError(self.path, line, key, "a value is listed twice")
        self.lines[key] = line
        if len(values) == 1:
            self.fixed[key] = values[0]
        else:
            self.swept[key] = values

    def points(self):
        """Every combination of the swept values, the first key varying slowest."""
        return [dict(zip(self.swept, values)) for values in itertools.product(*self.swept.values())]


def strip_comment(text):
    # As in the platform .ini files: ';' or '#' starts a comment, at the line start or after a space.
    return re.split(r"(?:^|\s)[;#]", text, maxsplit=1)[0].strip()


def read_ini(path, text):
    grid, section = Grid(path), ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = strip_comment(raw)
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        key, equals, value = line.partition("=")
        key = key.strip()
        if not equals or not key:
            raise GridError(path, number, "", f"expected key = value[, value ...], got '{line}'")
        values = [v.strip() for v in value.split(",")]
        if "" in values:
            raise GridError(path, number, key, f"empty value in '{value.strip()}'")
        grid.add(f"{section}.{key}" if section else key, values, number)
    return grid


def json_value(value):
    """The text kelle-sim reads for a JSON scalar (true, not Python's True)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def line_of(text, key):
    needle = json.dumps(key)
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return 0


def read_json(path, text):
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise GridError(path, error.lineno, "", f"invalid JSON: {error.msg}") from None
    if not isinstance(document, dict):
        raise GridError(path, 1, "", "expected an object of parameter -> value or list of values")
    grid = Grid(path)
    for key, value in document.items():
        values = [json_value(v) for v in (value if isinstance(value, list) else [value])]
        if None in values:
            raise GridError(path, line_of(text, key), key, "values must be numbers, strings or booleans")
        grid.add(key, values, line_of(text, key))
    return grid


def simulator_parameters(sim):
    """Parameter names from `kelle-sim --help`, which lists each as '  name (type) = default'."""
    try:
        done = subprocess.run([sim, "--help"], capture_output=True, text=True)
    except OSError as error:
        raise GridError(sim, 0, "", f"cannot run the simulator: {error.strerror}") from None
    names = set(re.findall(r"^  (\S+) \(", done.stdout, flags=re.MULTILINE))
    if not names:
        raise GridError(sim, 0, "", "--help listed no parameters; is --sim kelle-sim?")
    return names


def check_keys(grid, sim):
    known = simulator_parameters(sim)
    for key, line in grid.lines.items():
        if key not in known and key not in OPTION_KEYS:
            raise GridError(grid.path, line, key, "unknown parameter (see kelle-sim --help)")


def resolve_paths(grid):
    """config and trace are relative to the grid file, so a sweep runs the same from any directory."""
    for key in PATH_KEYS:
        if key in grid.fixed:
            grid.fixed[key] = resolved_path(grid, key, grid.fixed[key])
        if key in grid.swept:
            grid.swept[key] = [resolved_path(grid, key, value) for value in grid.swept[key]]


def resolved_path(grid, key, value):
    path = (grid.path.parent / value).resolve()
    if not path.is_file():
        raise GridError(grid.path, grid.lines[key], key, f"no such file: {path}")
    return str(path)


def read_grid(path, sim):
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise GridError(path, 0, "", error.strerror) from None
    grid = read_json(path, text) if path.suffix == ".json" else read_ini(path, text)
    check_keys(grid, sim)
    resolve_paths(grid)
    return grid
