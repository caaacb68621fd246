"""The catalogue of bundled datasets: names, panel keys, descriptions and sources."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from stfi_models.datasets._files import source_text
from stfi_models.datasets.loaders import (
    load_abdata,
    load_dahlberg,
    load_grunfeld,
    load_hansen1999,
)
from stfi_models.datasets.provinces import (
    load_china_capital,
    load_china_gdp,
    load_china_population,
    load_china_provinces,
    load_nqp,
)
from stfi_models.exceptions import check_choice

__all__ = ["Dataset", "DATASETS", "load_dataset", "list_datasets", "dataset_citation"]


@dataclass(frozen=True, slots=True)
class Dataset:
    """One bundled dataset.

    Attributes
    ----------
    loader : callable
        Returns the data as a DataFrame.
    entity, time : str
        Its panel key columns.
    description, source : str
        One line each: what it holds, and where it came from.
    folder : str
        Its folder under ``stfi_models/datasets/`` (holding ``SOURCE.md``).
    """

    loader: Callable[[], pd.DataFrame]
    entity: str
    time: str
    description: str
    source: str
    folder: str


#: Bundled datasets by name (the names ``stfi fit --data`` accepts).
DATASETS: dict[str, Dataset] = {
    "abdata": Dataset(
        load_abdata, "id", "year",
        "Arellano-Bond UK firms: employment, wages, capital, 140 firms 1976-1984",
        "Stata abdata.dta via dazhwu/pydynpd; Arellano & Bond (1991)",
        "abdata",
    ),
    "grunfeld": Dataset(
        load_grunfeld, "firm", "year",
        "Grunfeld investment: 10 US firms 1935-1954",
        "R plm 2.6.2 Grunfeld = Baltagi (2001) online complements",
        "grunfeld",
    ),
    "dahlberg": Dataset(
        load_dahlberg, "id", "year",
        "Swedish municipalities: expenditures, revenues, grants, 265 units 1979-1987",
        "R panelvar Dahlberg; Dahlberg & Johansson (2000)",
        "dahlberg",
    ),
    "hansen1999": Dataset(
        load_hansen1999, "id", "year",
        "Hansen (1999) investment panel: 565 US firms 1973-1987 (I, Q, cash flow, debt)",
        "Hansen's invest.dat (Hall & Hall 1993) via atecon/Threshold_Panel",
        "hansen1999",
    ),
    "china": Dataset(
        load_china_provinces, "prov_code", "year",
        "China 31 provinces 2010-2023: R&D, patents, tech market, budget, GDP, capital",
        "NBS/MOST yearbooks via huhuaping/techme and others (see china_citation())",
        "china",
    ),
    "china_gdp": Dataset(
        load_china_gdp, "prov_code", "year",
        "China provincial GDP (100m yuan, current prices), 2004-2023",
        "NBS via jialingzhang0730/Local_GDP_Estimates_Around_the_World",
        "china",
    ),
    "china_population": Dataset(
        load_china_population, "prov_code", "year",
        "China provincial year-end population (10k persons), 2005-2024",
        "NBS E0103 via pik-piam/PyPSA-China-PIK",
        "china",
    ),
    "china_capital": Dataset(
        load_china_capital, "prov_code", "year",
        "China provincial capital formation and capital stock, 1952-2022",
        "common2016/CapitalStock (CRAN CHNCapitalStock); Zhang, Wu & Zhang (2004)",
        "china",
    ),
    "nqp_raw": Dataset(
        lambda: load_nqp().raw, "省份", "年份",
        "New-quality-productivity raw indicators, 31 provinces 2011-2023 (Chinese headers)",
        "127ww/nqp-spatial-development",
        "nqp",
    ),
    "nqp_scores": Dataset(
        lambda: load_nqp().scores, "省份", "年份",
        "New-quality-productivity indicators and published composite scores, 2011-2023",
        "127ww/nqp-spatial-development",
        "nqp",
    ),
}


def load_dataset(name: str) -> pd.DataFrame:
    """Load a bundled dataset by name (see :func:`list_datasets`).

    Raises
    ------
    SpecificationError
        For an unknown name, with the closest name and the full list.
    """
    check_choice("dataset", name, DATASETS)
    return DATASETS[name].loader()


def list_datasets() -> pd.DataFrame:
    """List the bundled datasets: name, rows, cols, entity, time, description, source.

    Rows and columns are counted from the data themselves.

    Examples
    --------
    >>> from stfi_models.datasets import list_datasets
    >>> list_datasets()["name"].tolist()[:3]
    ['abdata', 'grunfeld', 'dahlberg']
    """
    rows = []
    for name, entry in DATASETS.items():
        frame = entry.loader()
        rows.append(
            {
                "name": name,
                "rows": frame.shape[0],
                "cols": frame.shape[1],
                "entity": entry.entity,
                "time": entry.time,
                "description": entry.description,
                "source": entry.source,
            }
        )
    return pd.DataFrame(rows)


def dataset_citation(name: str) -> str:
    """Return the ``SOURCE.md`` text (origin, licence, caveats) of a bundled dataset."""
    check_choice("dataset", name, DATASETS)
    return source_text(DATASETS[name].folder)
