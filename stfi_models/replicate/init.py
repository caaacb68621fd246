"""``stfi init NAME``: scaffold a replication package that checks itself.

The package holds a study file, its data (``data/panel.csv``) with a data dictionary, a
README with the commands and a CI workflow (GitHub Actions) that runs ``stfi replicate
--check`` on every push; ``stfi replicate study.toml --update-expected`` then pins its
numbers.  From nothing to a checked replication::

    stfi init my-study
    stfi replicate my-study/study.toml --update-expected
    stfi replicate my-study/study.toml --check
"""

from __future__ import annotations

import shutil
from datetime import date
from importlib import metadata
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined

from stfi_models.exceptions import SpecificationError

__all__ = ["init_study", "PACKAGE_FILES"]

#: Files written by :func:`init_study`, relative to the package folder.
PACKAGE_FILES = ("study.toml", "README.md", ".github/workflows/replicate.yml",
                 "data/panel.csv", "data/dictionary.csv", "data/SOURCE.md")
#: Columns of the bundled China panel the example study uses.
_COLUMNS = ["province_en", "province_zh", "region3", "year", "rd_exp_total", "rd_intensity",
            "patent_app_invention", "gdp_nbs"]


def init_study(folder: str | Path) -> list[Path]:
    """Create a replication package in ``folder`` (new, or empty).

    Parameters
    ----------
    folder : str or Path
        Where to create it; its name becomes the study's name.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    SpecificationError
        ``folder`` is a file or a non-empty folder (nothing is overwritten).
    """
    from stfi_models.datasets import china_citation, china_variables, load_china_provinces

    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise SpecificationError(f"stfi init {folder}: the folder exists and is not empty; "
                                 "give a new folder name (nothing was written).")
    data = load_china_provinces()[_COLUMNS]
    dictionary = china_variables().set_index("variable")
    keys = {"province_en": ("", "province (English)"), "province_zh": ("", "province (Chinese)"),
            "region3": ("", "east / central / west"), "year": ("", "calendar year")}
    rows = [{"variable": c, "unit": keys[c][0], "description": keys[c][1], "source": "keys"}
            if c in keys else {"variable": c, **dictionary.loc[c, ["unit", "description",
                                                                    "source"]].to_dict()}
            for c in _COLUMNS]
    context = {
        "name": folder.name, "date": date.today().isoformat(),
        "version": metadata.version("stfi-models"), "rows": len(data),
        "first": int(data["year"].min()), "last": int(data["year"].max()),
    }
    env = Environment(loader=PackageLoader("stfi_models.replicate", "templates/init"),
                      autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
    created = not folder.exists()
    written: list[Path] = []
    try:
        (folder / "data").mkdir(parents=True, exist_ok=True)
        (folder / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
        for template, target in (("study.toml", "study.toml"), ("README.md", "README.md"),
                                 ("replicate.yml", ".github/workflows/replicate.yml")):
            path = folder / target
            path.write_text(env.get_template(template).render(**context), encoding="utf-8")
            written.append(path)
        data.to_csv(folder / "data" / "panel.csv", index=False)
        pd.DataFrame(rows).to_csv(folder / "data" / "dictionary.csv", index=False)
        (folder / "data" / "SOURCE.md").write_text(china_citation(), encoding="utf-8")
        written += [folder / "data" / name for name in ("panel.csv", "dictionary.csv",
                                                         "SOURCE.md")]
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return written
