r"""Tests for cross-sectional dependence in panel residuals (R plm's ``pcdtest``).

With :math:`\hat\rho_{ij}` the correlation of the residuals of entities *i* and *j* over the
:math:`T_{ij}` periods both are observed (pairs with :math:`T_{ij} \le 1` are left out, as
plm does), over the :math:`P` remaining pairs :math:`i < j` (all of them, or the neighbours
of a proximity matrix ``w`` for the local CD test):

* ``"cd"``, Pesaran (2004, 2015) CD: :math:`\sqrt{1/P}\sum \sqrt{T_{ij}}\hat\rho_{ij}`,
  two-sided N(0, 1).  The statistic of Pesaran (2004) is also the test of Pesaran (2015),
  whose null is *weak* cross-sectional dependence (the relevant one when N is large
  relative to T); the number is the same, only the null reads differently.
* ``"lm"``, Breusch & Pagan (1980) LM: :math:`\sum T_{ij}\hat\rho_{ij}^2 \sim \chi^2_P`.
* ``"sclm"``, Pesaran's (2004) scaled LM: :math:`\sqrt{1/(2P)}\sum (T_{ij}\hat\rho^2_{ij} - 1)`,
  two-sided N(0, 1).
* ``"bcsclm"``, the bias-corrected scaled LM of Baltagi, Feng & Kao (2012) for fixed-effects
  residuals: the scaled LM minus :math:`N / (2(T - 1))`, with :math:`T = \max T_{ij}` as plm.

References
----------
Breusch, T. S. & Pagan, A. R. (1980). Review of Economic Studies 47(1), 239-253.
Pesaran, M. H. (2004). General diagnostic tests for cross section dependence in panels.
CESifo Working Paper 1229 / IZA DP 1240.
Pesaran, M. H. (2015). Testing weak cross-sectional dependence in large panels.
Econometric Reviews 34(6-10), 1089-1117.
Baltagi, B. H., Feng, Q. & Kao, C. (2012). Journal of Econometrics 170(1), 164-177.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.diagnostics._residuals import panel_resid, wide
from stfi_models.exceptions import (
    EstimationError,
    SpecificationError,
    SpecificationWarning,
    check_choice,
)
from stfi_models.results.result import Result, TestResult
from stfi_models.spatial.weights import SpatialWeights

__all__ = ["CD_TESTS", "cross_section_dependence", "pesaran_cd", "pairwise_correlations"]

CD_TESTS = ("cd", "lm", "sclm", "bcsclm")
_NAMES = {"cd": "Pesaran CD", "lm": "Breusch-Pagan LM", "sclm": "Pesaran scaled LM",
          "bcsclm": "Bias-corrected scaled LM (Baltagi, Feng & Kao)"}


def pairwise_correlations(resid: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Correlations of the rows of a wide residual table over their common periods.

    Returns
    -------
    rho, t_ij : numpy.ndarray
        ``(N, N)`` correlations (NaN where undefined) and counts of common periods.
    """
    values = resid.to_numpy(dtype=float)
    mask = np.isfinite(values).astype(float)
    x = np.where(mask > 0, values, 0.0)
    t_ij = mask @ mask.T
    with np.errstate(invalid="ignore", divide="ignore"):
        s = x @ mask.T  # s[i, j]: sum of i's residuals over the periods j is observed
        q = (x * x) @ mask.T
        cross = x @ x.T
        cov = cross - s * s.T / t_ij
        var_i = q - s ** 2 / t_ij
        rho = cov / np.sqrt(var_i * var_i.T)
    return rho, t_ij


def _selector(rho: np.ndarray, t_ij: np.ndarray, w: object, labels: pd.Index) -> np.ndarray:
    n = len(labels)
    chosen = np.tril(np.ones((n, n), dtype=bool), k=-1)
    if w is not None:
        if isinstance(w, SpatialWeights):
            w = w.to_frame()
        if isinstance(w, pd.DataFrame):
            missing = [e for e in labels if e not in w.index or e not in w.columns]
            if missing:
                raise SpecificationError(
                    f"w has no row/column for entities {missing[:5]}; index w by the entity "
                    "labels of the estimation sample.")
            matrix = w.loc[labels, labels].to_numpy(dtype=float)
        else:
            matrix = np.asarray(w, dtype=float)
            if matrix.shape != (n, n):
                raise SpecificationError(
                    f"w must be {n} x {n} (entities of the sample), got {matrix.shape}; "
                    "or pass a DataFrame indexed by entity labels.")
        link = matrix != 0
        link |= link.T  # neighbours when either entry is non-zero
        if not link[np.tril_indices(n, -1)].any():
            raise SpecificationError("w defines no pair of neighbouring entities.")
        chosen &= link
    few = chosen & (t_ij <= 1)
    if few.any():
        warnings.warn(
            f"{int(few.sum())} pairs of entities share at most one period and are left out "
            "of the cross-sectional dependence test.", SpecificationWarning, stacklevel=4)
    chosen &= t_ij > 1
    bad = chosen & ~np.isfinite(rho)
    if bad.any():
        raise EstimationError(
            f"{int(bad.sum())} pairs of entities have constant residuals over their common "
            "periods, so their correlation is undefined; drop those entities.")
    if not chosen.any():
        raise EstimationError(
            "No pair of entities shares two or more periods: the panel is too short for a "
            "cross-sectional dependence test.")
    return chosen


def cross_section_dependence(res: Result, test: str = "cd", *, w: object = None
                             ) -> TestResult:
    """Test a panel Result's residuals for cross-sectional dependence.

    Parameters
    ----------
    res : Result
        A panel model (FE for ``"bcsclm"``, which corrects the bias of within residuals).
    test : {"cd", "lm", "sclm", "bcsclm"}
        See the module documentation.
    w : SpatialWeights, DataFrame or array, optional
        Proximity (non-zero = neighbours, in either direction) for the local CD test: a
        :class:`~stfi_models.spatial.SpatialWeights` (e.g. ``sm.china_weights(key=...)``) or a
        DataFrame indexed by entity labels, or an array in sorted entity order.

    Returns
    -------
    TestResult

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("inv ~ value + capital | firm", sm.load_grunfeld(),
    ...              entity="firm", time="year")
    >>> round(sm.cross_section_dependence(res, "cd").stat, 4)
    4.6612
    """
    test = check_choice("test", test, CD_TESTS)
    if test == "bcsclm" and (res.model != "fe" or "entity" not in res.info.get("effects", ())):
        raise SpecificationError(
            "test='bcsclm' corrects the bias of fixed-effects residuals; pass a Result of "
            "model='fe' with entity effects (or use test='sclm').")
    table = wide(panel_resid(res, "cross_section_dependence"))
    if table.shape[0] < 2:
        raise EstimationError("A cross-sectional dependence test needs at least 2 entities.")
    rho, t_ij = pairwise_correlations(table)
    chosen = _selector(rho, t_ij, w, table.index)
    pairs = int(chosen.sum())
    r, t = rho[chosen], t_ij[chosen]
    local = "local " if w is not None else ""
    null = "no cross-sectional dependence" + (" (weak dependence, Pesaran 2015)"
                                              if test == "cd" else "")
    if test == "lm":
        stat = float(np.sum(t * r ** 2))
        return TestResult(stat=stat, pvalue=float(stats.chi2.sf(stat, pairs)),
                          df=float(pairs), name=f"{local}{_NAMES[test]}", dist="chi2",
                          null=null)
    if test == "cd":
        stat = float(np.sum(np.sqrt(t) * r) / np.sqrt(pairs))
    else:
        stat = float(np.sum(t * r ** 2 - 1) / np.sqrt(2 * pairs))
        if test == "bcsclm":
            stat -= table.shape[0] / (2 * (float(t_ij.max()) - 1))
    return TestResult(stat=stat, pvalue=float(2 * stats.norm.sf(abs(stat))),
                      name=f"{local}{_NAMES[test]}", dist="normal", null=null)


def pesaran_cd(res: Result, *, w: object = None) -> TestResult:
    """Pesaran (2004, 2015) CD test; :func:`cross_section_dependence` with ``test="cd"``."""
    return cross_section_dependence(res, "cd", w=w)
