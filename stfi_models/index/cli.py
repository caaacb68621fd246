"""``stfi index STUDY.toml [--method critic] [--out scores.csv]``: run a study file.

The lead registers :func:`index_command` on the ``stfi`` Typer app; it prints the weights
table and writes the scores (composite and sub-indices, one row per entity and year) as CSV.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from stfi_models._outputs import confined, write_owned
from stfi_models.cli_errors import CliInputError, user_errors
from stfi_models.index.result import IndexResult
from stfi_models.index.study import load_study, run_study

__all__ = ["index_command", "weights_text"]


def weights_text(result: IndexResult) -> str:
    """Render the weights table as aligned text (mean over years when weights vary by year)."""
    table = result.weights
    keys = ["level", "group", "indicator", "direction"]
    numbers = [c for c in ("entropy", "divergence", "weight", "global_weight") if c in table]
    if result.time in table.columns:
        table = table.groupby(keys, sort=False)[numbers].mean().reset_index()
        note = f"(mean over {result.weights[result.time].nunique()} yearly weight vectors)"
    else:
        note = ""
    table = table[keys + numbers].dropna(axis=1, how="all")
    with pd.option_context("display.float_format", "{:.4f}".format, "display.width", 200):
        text = table.to_string(index=False)
    return f"Weights of {result.name} ({result.options['method']}) {note}\n{text}"


def index_command(study: Path, method: str | None = None, out: Path | None = None) -> None:
    """Build the composite index described by a study file.

    Prints the weights table and writes the scores to OUT (default: the study's
    [output] scores file, else <index name>_scores.csv in the working directory).

    Parameters
    ----------
    study : Path
        The study file (TOML), e.g. ``formulas/stfi_index.toml``.
    method : str, optional
        Weighting method overriding the file's: entropy, critic, cv, equal, pca,
        entropy_critic.
    out : Path, optional
        Where to write the scores (CSV).
    """
    with user_errors():
        if out is not None and out.is_dir():
            raise CliInputError(
                f"--out '{out}' is a folder; give the path of the scores file to write, e.g. "
                f"--out {out / 'scores.csv'}."
            )
        spec = load_study(study)
        result = run_study(spec, method=method)
        typer.echo(f"{spec.title}\n{result.summary()}\n")
        typer.echo(weights_text(result))
        data = result.to_frame().to_csv(index=False).encode("utf-8")
        if out is not None:  # the user's choice, on the command line
            target = write_owned(out, data, "--out")
        else:  # the study file's choice: confined to the working folder
            relative = spec.scores_out or Path(f"{result.name}_scores.csv")
            target = write_owned(confined(Path.cwd(), relative, "[output] scores"), data,
                                 "[output] scores")
    typer.echo(f"\nScores ({len(result.scores)} rows) written to {target}")
