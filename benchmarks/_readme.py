"""Shared by the benchmark scripts: render a result table and (re)write its README section."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

README = Path(__file__).resolve().parent / "README.md"


def markdown_table(table: pd.DataFrame) -> str:
    """The table as Markdown, floats to 4 significant digits."""

    def cell(v: object) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |"
              for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_section(heading: str, body: str) -> None:
    """Replace the README section starting at ``heading`` (up to the next ``## ``) by ``body``.

    ``body`` starts with ``heading``; a section not yet in the README is appended.
    """
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    if heading in text:
        head, _, rest = text.partition(heading)
        tail = rest.split("\n## ", 1)
        text = head + body + (("\n## " + tail[1]) if len(tail) > 1 else "")
    else:
        text = text.rstrip() + "\n\n" + body
    README.write_text(text)


def run_worker(script: str, *args: object) -> dict:
    """Run ``python script --worker *args`` in a fresh process (one BLAS thread).

    Returns the JSON object its last output line holds.
    """
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, script, "--worker", *map(str, args)],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])
