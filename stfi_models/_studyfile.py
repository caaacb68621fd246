"""Reading study files, which are untrusted input: shared by both TOML formats.

Index study files (:mod:`stfi_models.index.study`) and replication files
(:mod:`stfi_models.replicate.spec`) travel between strangers and run unattended in CI, so
before anything runs a file is

* bounded: at most :data:`MAX_FILE_BYTES`, strings of at most :data:`MAX_TEXT` characters,
  lists of at most :data:`MAX_ITEMS` items, tables nested at most :data:`MAX_DEPTH` deep;
* checked against its schema: known tables and keys only (with a "did you mean"), each value
  of the declared type and range (:class:`Field`), and whatever key of any table asks for
  work (``draws``, ``permutations``, ``bootstrap``, ...) within :data:`WORK_BOUNDS`;
* confined: every path it names resolves inside the study file's folder
  (:func:`inside`: absolute paths, ``..`` and symlinks leading out are refused); names that
  become file names or HTML ids are plain (:func:`check_name`).

Every error names the file, the table and the key and says the fix; it never echoes the
content of another file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stfi_models.exceptions import FormulaError, SpecificationError, did_you_mean
from stfi_models.formula.safety import parse_expression

__all__ = ["fail", "read_tables", "check_table", "check_derive", "check_fields", "check_name",
           "check_formula", "inside", "Field", "MAX_FILE_BYTES", "WORK_BOUNDS"]

#: Largest study file read (bytes).
MAX_FILE_BYTES = 1_000_000
#: Longest string value (characters); formulas and descriptions fit easily.
MAX_TEXT = 10_000
#: Longest list value.
MAX_ITEMS = 1_000
#: Deepest nesting of tables (``[regressions.fe]`` with ``options = {...}`` is depth 3).
MAX_DEPTH = 4
#: Keys that ask for work, in any table: (smallest, largest) accepted value.
WORK_BOUNDS: dict[str, tuple[int, int]] = {
    "draws": (0, 100_000),
    "permutations": (0, 100_000),
    "bootstrap": (0, 100_000),
    "reps": (0, 100_000),
    "periods": (1, 200),
    "horizon": (0, 200),
    "seed": (0, 2**63 - 1),
    "n_jobs": (-1, 256),
}
_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
#: Characters a column name may not start with: spreadsheets run such cells as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def fail(path: Path, message: str) -> SpecificationError:
    """Build the error for ``message`` about study file ``path`` (for the caller to raise)."""
    return SpecificationError(f"Study file {path.name}: {message}")


@dataclass(frozen=True)
class Field:
    """The type (and range) a study-file key must have.

    Attributes
    ----------
    types : tuple of type
        Accepted Python types of the parsed TOML value (``bool`` is never an ``int`` here).
    low, high : float, optional
        Inclusive bounds for numbers.
    items : tuple of type, optional
        For lists: accepted types of the items.
    length : (int, int), optional
        For lists: smallest and largest length.
    column : bool
        The value names a data column (a plain name, not starting with ``= + - @``).
    """

    types: tuple[type, ...]
    low: float | None = None
    high: float | None = None
    items: tuple[type, ...] | None = None
    length: tuple[int, int] | None = None
    column: bool = False

    def problem(self, value: Any) -> str | None:
        """Return why ``value`` does not fit, or ``None``."""
        if not _is(value, self.types):
            return f"must be {_names(self.types)}, got {_describe(value)}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.low is not None and value < self.low:
                return f"must be >= {self.low:g}, got {value!r}"
            if self.high is not None and value > self.high:
                return f"must be <= {self.high:g}, got {value!r}"
        if isinstance(value, list):
            if self.length is not None and not self.length[0] <= len(value) <= self.length[1]:
                lo, hi = self.length
                return f"must list {lo if lo == hi else f'{lo} to {hi}'} item(s), got {len(value)}"
            if self.items is not None:
                bad = [v for v in value if not _is(v, self.items)]
                if bad:
                    return f"must list {_names(self.items)} items, got {_describe(bad[0])}"
        if self.column:
            for name in value if isinstance(value, list) else [value]:
                if isinstance(name, str) and (not name.strip() or name.startswith(_FORMULA_START)):
                    return (f"names column {name!r}: a column name may not be empty or start "
                            "with = + - @ (spreadsheet formula characters)")
        return None


TEXT = Field((str,))
COLUMN = Field((str,), column=True)
COLUMNS = Field((list,), items=(str,), length=(1, 200), column=True)
COLUMN_OR_COLUMNS = Field((str, list), items=(str,), length=(1, 50), column=True)
INTEGER = Field((int,))
NUMBER = Field((int, float))
FLAG = Field((bool,))
OPTIONS = Field((dict,))
YEARS = Field((list,), items=(int,), length=(2, 2))
ENTITIES = Field((list,), items=(str, int), length=(0, 1_000))


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _names(types: tuple[type, ...]) -> str:
    words = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
             list: "a list", dict: "a table { ... }"}
    return " or ".join(words.get(t, t.__name__) for t in types)


def _describe(value: Any) -> str:
    kind = {str: "text", bool: "true/false", int: "a whole number", float: "a number",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    return kind if isinstance(value, dict | list) else f"{kind} {value!r}"[:80]


def read_tables(path: Path, tables: Collection[str]) -> dict[str, Any]:
    """Parse the TOML file ``path``, bound its size and shape, refuse unknown tables.

    Raises
    ------
    SpecificationError
        A file too large, not UTF-8, invalid TOML, a value too long or too deeply nested, a
        work key out of bounds, or an unknown table (with a "did you mean" hint).
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise fail(path, f"is {size:,} bytes; study files are limited to {MAX_FILE_BYTES:,}.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise fail(path, "is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise fail(path, f"not valid TOML ({exc}).") from None
    for table in raw:
        if table not in tables:
            raise fail(path, f"unknown table [{_shown(table)}].{did_you_mean(table, tables)} "
                       f"Tables: {', '.join(f'[{t}]' for t in tables)}.")
    _check_shape(path, raw, "", 0)
    return raw


def _shown(key: str) -> str:
    """Return ``key`` as shown in messages: <= 40 characters, control characters replaced."""
    text = "".join(c if c.isprintable() else "?" for c in str(key))
    return text if len(text) <= 40 else text[:37] + "..."


def _check_shape(path: Path, value: Any, where: str, depth: int) -> None:
    """Bound nesting, lengths and the work keys of every table, recursively."""
    if isinstance(value, dict):
        if depth > MAX_DEPTH:
            raise fail(path, f"[{where}] nests tables deeper than {MAX_DEPTH} levels.")
        for key, item in value.items():
            inner = f"{where}.{_shown(key)}" if where else _shown(key)
            if len(str(key)) > 200:
                raise fail(path, f"a key in [{where}] is longer than 200 characters.")
            if key in WORK_BOUNDS and not isinstance(item, dict):
                low, high = WORK_BOUNDS[key]
                if isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high:
                    raise fail(path, f"{where or '(top)'}: {key} must be a whole number from "
                               f"{low:,} to {high:,}; got {_describe(item)}. Larger runs are "
                               "for the Python API, not for a study file.")
            _check_shape(path, item, inner, depth + 1)
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise fail(path, f"[{where}] lists {len(value):,} items; at most {MAX_ITEMS:,}.")
        for item in value:
            _check_shape(path, item, where, depth + 1)
    elif isinstance(value, str) and len(value) > MAX_TEXT:
        raise fail(path, f"[{where}] holds a text of {len(value):,} characters; at most "
                   f"{MAX_TEXT:,}.")


def check_table(path: Path, name: str, content: Any, allowed: Collection[str] | None,
                required: Collection[str] = ()) -> dict:
    """Check that table ``[name]`` is a key = value table with known and required keys.

    Parameters
    ----------
    path : Path
        The study file (named in errors).
    name : str
        The table's name as written in the file (``"data"``, ``"regressions.main"``).
    content : object
        The parsed table.
    allowed : collection of str or None
        The keys it may hold; ``None`` for free names.
    required : collection of str
        The keys it must hold.

    Returns
    -------
    dict
        ``content``, unchanged.
    """
    if not isinstance(content, dict):
        raise fail(path, f"[{name}] must be a table of key = value pairs.")
    if allowed is not None:
        for key in content:
            if key not in allowed:
                raise fail(path, f"unknown key '{_shown(key)}' in [{name}]."
                           f"{did_you_mean(key, allowed)} Allowed: {', '.join(sorted(allowed))}.")
    for key in required:
        if key not in content:
            raise fail(path, f"[{name}] needs '{key}'.")
    return content


def check_fields(path: Path, name: str, content: Mapping[str, Any],
                 fields: Mapping[str, Field]) -> None:
    """Check the type and range of every key of ``[name]`` that ``fields`` declares."""
    for key, value in content.items():
        spec = fields.get(key)
        problem = spec.problem(value) if spec is not None else None
        if problem:
            raise fail(path, f"[{name}] {key} {problem}.")


def check_name(path: Path, where: str, name: Any) -> str:
    """Return ``name`` if it is a plain name (letter, then letters, digits, ``_``; <= 64).

    Such names become file names and HTML ids of the report, so nothing else is accepted.
    """
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
        raise fail(path, f"{where}: '{_shown(name)}' is not a plain name; use a letter followed "
                   "by letters, digits or underscores (at most 64).")
    return name


def inside(path: Path, where: str, value: Any) -> Path:
    """Resolve ``value``, a path written in study file ``path``, inside the file's folder.

    Absolute paths, ``..`` and symbolic links that lead out of the folder are refused: a
    study file may only read what travels with it.  Paths given on the command line are not
    checked here (the user chose them).

    Raises
    ------
    SpecificationError
        Naming the key (``where``) and the fix.
    """
    if not isinstance(value, str) or not value.strip():
        raise fail(path, f"{where} must be a relative file name, got {_describe(value)}.")
    candidate = Path(value)
    folder = path.resolve().parent
    if candidate.is_absolute() or candidate.drive or ".." in candidate.parts:
        raise fail(path, f"{where} = '{_shown(value)}' points outside the study's folder; a "
                   "study file may only name files in its own folder or below (give other "
                   "files on the command line).")
    resolved = (folder / candidate).resolve()
    if not resolved.is_relative_to(folder):
        raise fail(path, f"{where} = '{_shown(value)}' leads outside the study's folder "
                   "(through a symbolic link); copy the file into the folder.")
    return resolved


def check_derive(path: Path, derive: Mapping[str, Any]) -> None:
    """Check every ``[derive]`` entry: a plain name = an expression the whitelist accepts.

    The expressions are parsed now (nothing is evaluated), so a refused one stops the study
    before any data is loaded, naming the file and the key.
    """
    for name, expr in derive.items():
        check_name(path, "[derive]", name)
        if not isinstance(expr, str):
            raise fail(path, f"[derive] {name} must be a formula string, got {_describe(expr)}.")
        check_formula(path, f"[derive] {name}", expr, parse_expression)


def check_formula(path: Path, where: str, text: str, parse: Callable[[str], Any]) -> Any:
    """Parse ``text`` with ``parse`` (no evaluation); errors name the file and the key."""
    try:
        return parse(text)
    except FormulaError as exc:
        raise type(exc)(f"Study file {path.name}, {where}: {exc}") from None
