"""The ``stfi`` command.

``stfi fit FORMULA --data NAME_OR_PATH`` estimates a model on a bundled dataset or on a CSV,
Excel or Stata file and prints its summary; ``stfi datasets`` lists the bundled data;
``stfi replicate`` runs the replication studies and writes an HTML report; ``stfi validate``
compares every reference number in ``validation/`` with ours.  Bad
input ends with a one-line ``error: ...`` on stderr (followed by the offending rows when the
message shows them) and exit status 2, never a traceback (:mod:`stfi_models.cli_errors`).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from stfi_models._outputs import write_owned
from stfi_models.api import fit
from stfi_models.cli_errors import CliInputError, StfiGroup
from stfi_models.cli_errors import user_errors as _user_errors
from stfi_models.datasets.registry import DATASETS, dataset_citation, list_datasets
from stfi_models.exceptions import check_choice, did_you_mean
from stfi_models.index.cli import index_command

__all__ = ["app", "read_data", "parse_options", "CliInputError"]

app = typer.Typer(
    cls=StfiGroup,
    name="stfi",
    help="stfi-models: panel econometrics for science-and-technology-finance research.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Readers by file suffix.
_READERS: dict[str, Callable[[Path], pd.DataFrame]] = {
    ".csv": pd.read_csv,
    ".xlsx": pd.read_excel,
    ".xls": pd.read_excel,
    ".dta": pd.read_stata,
}

def read_data(source: str) -> tuple[pd.DataFrame, str | None, str | None]:
    """Load ``source``: a bundled dataset name or a .csv / .xlsx / .xls / .dta path.

    Returns
    -------
    data, entity, time
        The DataFrame and, for bundled datasets, its panel keys (``None`` for files).

    Raises
    ------
    CliInputError
        Unknown name, missing file, unsupported suffix or unreadable file.
    """
    if source in DATASETS:
        entry = DATASETS[source]
        return entry.loader(), entry.entity, entry.time
    path = Path(source)
    if not path.is_file():
        if path.suffix or "/" in source or "\\" in source:
            raise CliInputError(f"File not found: {source}")
        raise CliInputError(
            f"'{source}' is neither a bundled dataset nor an existing file."
            f"{did_you_mean(source, DATASETS)} Bundled datasets: {', '.join(DATASETS)} "
            "(see `stfi datasets`)."
        )
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise CliInputError(
            f"Cannot read '{path.name}': unsupported file type '{path.suffix}'. "
            f"Give a {', '.join(_READERS)} file."
        )
    try:
        return reader(path), None, None
    except (ValueError, OSError, ImportError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CliInputError(f"Cannot read '{source}' as a {path.suffix} file: {first}") from error


def parse_options(items: list[str], reserved: tuple[str, ...] = ()) -> dict[str, Any]:
    """Turn ``["steps=2", "cluster=province"]`` into ``{"steps": 2, "cluster": "province"}``.

    Values are read as Python literals (numbers, ``True``, tuples, quoted strings) when they
    parse as one, else kept as text.  Keys in ``reserved`` (the command's own options, such
    as ``entity``) and keys given twice are refused.
    """
    options: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise CliInputError(f"--option expects KEY=VALUE (e.g. -o steps=2), got '{item}'.")
        if key in reserved:
            raise CliInputError(
                f"-o {item}: '{key}' is an option of the command itself; give it as "
                f"--{key} {text or 'VALUE'} instead of through -o."
            )
        if key in options:
            raise CliInputError(f"-o {key}=... is given twice; keep one.")
        try:
            options[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            options[key] = text
    return options


#: Options of ``stfi fit`` itself, which ``-o`` must not repeat.
_FIT_OWN_OPTIONS = ("formula", "data", "entity", "time", "model", "vcov", "output")


@app.command("fit")
def fit_command(
    formula: Annotated[str, typer.Argument(help='Model formula, e.g. "n ~ w + k + C(id)".')],
    data: Annotated[
        str, typer.Option("--data", "-d", help="Bundled dataset name or .csv/.xlsx/.dta path.")
    ],
    entity: Annotated[
        str | None, typer.Option(help="Entity key column (default: the dataset's).")
    ] = None,
    time: Annotated[
        str | None, typer.Option(help="Time key column (default: the dataset's).")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="pooled, fe, re, fd, between, ... (default: fe with "
                                      "absorbed effects, else pooled).")
    ] = None,
    vcov: Annotated[
        str | None, typer.Option(help="Covariance: unadjusted, robust, cluster, ...")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="Further model option KEY=VALUE (repeatable)."),
    ] = None,
    output: Annotated[
        str, typer.Option("--output", help="Summary format: text, latex or html.")
    ] = "text",
) -> None:
    """Estimate a panel model and print its summary."""
    with _user_errors():
        check_choice("--output", output, ("text", "latex", "html"))
        frame, default_entity, default_time = read_data(data)
        options = parse_options(option or [], reserved=_FIT_OWN_OPTIONS)
        if vcov is not None:
            options["vcov"] = vcov
        res = fit(
            formula, frame, model=model, entity=entity or default_entity,
            time=time or default_time, **options,
        )
        summary = res.summary()
        text = {"text": summary.as_text, "latex": summary.as_latex, "html": summary.as_html}
        typer.echo(text[output]())


@app.command("datasets")
def datasets_command(
    name: Annotated[
        str | None, typer.Argument(help="Show where this dataset came from.")
    ] = None,
) -> None:
    """List the bundled datasets, or print the source notes of one."""
    with _user_errors():
        if name is not None:
            typer.echo(dataset_citation(name))
            return
        table = list_datasets().drop(columns="source")
        typer.echo(table.to_string(index=False))


app.command("index")(index_command)


@app.command("replicate")
def replicate_command(
    studies: Annotated[
        list[str] | None,
        typer.Argument(help="Studies to run (default: all): stfi_regional, tech_finance_nqp, "
                            "or a replication .toml file."),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option("--data", "-d", help="Your own .csv/.xlsx/.dta with the columns of the "
                                          "bundled panel (default: the bundled data)."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Report folder (written atomically).")
    ] = Path("report"),
    update_expected: Annotated[
        bool, typer.Option("--update-expected", help="Write each study's expected results "
                                                     "(<study>.expected.json beside it).")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Compare with the expected results; exit 1 when a "
                                           "number moved.")
    ] = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="With --check: write JUnit XML here.")
    ] = None,
    n_jobs: Annotated[
        int, typer.Option("--n-jobs", help="Workers for resampling steps (same numbers for "
                                           "any value).")
    ] = 1,
) -> None:
    """Run the replication studies and write OUT/index.html, OUT/tables, OUT/figures."""
    from stfi_models.replicate import load_replication, replicate
    from stfi_models.replicate.expect import to_junit

    with _user_errors():
        if update_expected and check:
            raise CliInputError("Give --update-expected or --check, not both.")
        if junit is not None and not check:
            raise CliInputError("--junit needs --check.")
        for study in studies or []:
            load_replication(study)  # a typo'd study fails before any work
        frame = read_data(data)[0] if data is not None else None
        reports, page = replicate(
            studies or [], data=frame, out=out,
            progress=lambda line: typer.echo(line, err=True), n_jobs=n_jobs,
            expected="check" if check else "update" if update_expected else None,
        )
        for report in reports:
            typer.echo(report.title)
            for line in report.headline:
                typer.echo(f"  {line}")
        typer.echo(f"Report written to {page}")
        if update_expected:
            typer.echo("Expected results written beside each study file.")
        drifts = [r.check for r in reports if r.check is not None]
        for drift in drifts:
            typer.echo("\n".join(drift.lines()))
        if junit is not None:
            write_owned(junit, to_junit(drifts).encode("utf-8"), "--junit")
    if check and not all(d.passed for d in drifts):
        raise typer.Exit(code=1)


@app.command("init")
def init_command(
    folder: Annotated[Path, typer.Argument(help="New folder for the replication package.")],
) -> None:
    """Create a replication package: study file, data and dictionary, README, CI workflow."""
    from stfi_models.replicate.init import init_study

    with _user_errors():
        written = init_study(folder)
    for path in written:
        typer.echo(f"  {path}")
    study = folder / "study.toml"
    typer.echo(f"Created {folder}. Next:\n  stfi replicate {study} --update-expected\n"
               f"  stfi replicate {study} --check")


@app.command("validate")
def validate_command(
    topics: Annotated[
        list[str] | None,
        typer.Argument(help="Topics to check (default: every validation/<topic> wired)."),
    ] = None,
    misses_only: Annotated[
        bool, typer.Option("--misses", help="Print only the rows that miss.")
    ] = False,
) -> None:
    """Compare every reference number in validation/ with ours; exit 1 on any miss."""
    from stfi_models.validation import run_validation

    with _user_errors():
        report = run_validation(topics or None)
    typer.echo(report.to_text(misses_only=misses_only))
    if not report.passed:
        raise typer.Exit(code=1)


def main() -> None:
    """Entry point of ``stfi`` and ``python -m stfi_models``."""
    app()
