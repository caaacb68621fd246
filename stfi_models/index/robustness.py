"""Rank agreement of a composite index with the same index built other ways.

:func:`rank_robustness` rebuilds the index under alternative options (other weighting
methods by default) and reports Spearman's rho and Kendall's tau-b between the composite
scores; :meth:`IndexResult.rank_robustness <stfi_models.index.result.IndexResult.rank_robustness>`
calls it.  For the full uncertainty and sensitivity analysis see
:mod:`stfi_models.index.sensitivity`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from scipy import stats

from stfi_models._lending import lends
from stfi_models.exceptions import SpecificationError, check_choice, did_you_mean
from stfi_models.index.composite import build_index
from stfi_models.index.result import IndexResult
from stfi_models.index.weights import WEIGHT_METHODS

__all__ = ["rank_robustness"]


@lends("IndexResult.rank_robustness")
def rank_robustness(
    index: IndexResult,
    alternatives: Iterable[str] | Mapping[str, Mapping[str, Any]] | None = None,
    *,
    by: str | None = None,
) -> pd.DataFrame:
    """Rank agreement of the composite with the same index built other ways.

    Parameters
    ----------
    index : IndexResult
        The index to compare.
    alternatives : iterable of str, or mapping of label -> options, optional
        Weighting methods to compare (default: every other method), or labelled option
        sets such as ``{"flat": {"hierarchy": "flat"}, "topsis": {"scoring": "topsis"}}``.
        Unlisted options keep the index's values.
    by : {None, "year"}
        ``None``: correlations over all (entity, time) rows; ``"year"``: one per year.

    Returns
    -------
    pandas.DataFrame
        Columns ``spearman`` and ``kendall`` (tau-b); rows are the alternatives (and years).
    """
    check_choice("by", by, [None, "year"])
    if alternatives is None:
        alternatives = [m for m in WEIGHT_METHODS if m != index.options["method"]]
    if not isinstance(alternatives, Mapping):
        alternatives = {str(m): {"method": m} for m in alternatives}
    base = index.composite
    rows = []
    for label, changes in alternatives.items():
        unknown = set(changes) - set(index.options)
        if unknown:
            key = sorted(unknown)[0]
            raise SpecificationError(
                f"rank_robustness(): unknown option '{key}' for alternative '{label}'."
                f"{did_you_mean(key, index.options)} Options: {', '.join(index.options)}."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # already reported when this index was built
            other = build_index(
                index.spec, index._data, entity=index.entity, time=index.time,
                **{**index.options, **changes},
            ).composite
        joined = pd.concat([base, other], axis=1, join="inner", keys=["a", "b"])
        groups = [(None, joined)] if by is None else joined.groupby(level=1)
        for year, part in groups:
            rho = stats.spearmanr(part["a"], part["b"]).statistic
            tau = stats.kendalltau(part["a"], part["b"]).statistic
            rows.append(
                {"alternative": label, index.time: year, "spearman": rho, "kendall": tau}
            )
    table = pd.DataFrame(rows)
    names = ["alternative"] if by is None else ["alternative", index.time]
    if by is None:
        table = table.drop(columns=index.time)
    return table.set_index(names)
