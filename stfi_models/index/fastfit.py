r"""A fast re-fit of a fixed-effects formula when only the index columns change between draws.

In a sensitivity analysis the same FE regression is re-estimated on every index draw; only the
index columns change.  The sample rows, the absorbed effects and hence the within projection

.. math::

    M = I - Q Q^\prime, \qquad Q = \operatorname{orth}\,[D_{\text{entity}}, D_{\text{time}}],

stay fixed, so :math:`M` is built once (an orthonormal basis of the dummy columns) and each
draw costs one projection of the few model columns, a least-squares solve and the sandwich

.. math::

    \hat V = c\, (X^{*\prime} X^*)^{-1} \Bigl(\sum_g X_g^{*\prime} e^*_g e_g^{*\prime} X^*_g
    \Bigr) (X^{*\prime} X^*)^{-1}

(clusters :math:`g` = entities; :math:`g` = rows for ``"robust"``; :math:`\hat V = c\,
e^{*\prime}e^* (X^{*\prime}X^*)^{-1}` for ``"unadjusted"``).  The scalar :math:`c` (degrees
of freedom and :math:`G/(G-1)` corrections) depends only on :math:`n`, :math:`k` and
:math:`G`, all fixed, so it is read once from the full :func:`stfi_models.fit` of the nominal
index, as are the degrees of freedom of the p-values.

:func:`prepare` returns a fast fit only when, on the data it is given, it reproduces
:func:`stfi_models.fit` (every coefficient and standard error to 1e-9, relative): otherwise the
caller keeps the generic path.  :class:`FastFit` prepares one per distinct sample (draws that
drop rows change it).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

__all__ = ["FastFit", "WithinFit", "prepare"]

_VCOVS = ("unadjusted", "robust", "cluster")
_TOL = 1e-9


class WithinFit:
    """A prepared FE fit: ``evaluate(frame, entity, time)`` like the spec it speeds up."""

    def __init__(self, spec: Any, rows: np.ndarray, columns: list[str], q: np.ndarray,
                 clusters: np.ndarray | None, vcov: str, scale: float, df: float | None) -> None:
        self.spec = spec
        self.label = spec.label
        self.rows = rows
        self.columns = columns
        self.q = q
        self.clusters = clusters
        self.vcov = vcov
        self.scale = scale
        self.df = df
        self.position = columns[1:].index(spec.coef)

    def _estimate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients and the uncorrected covariance from raw model columns ``z``."""
        zs = z - self.q @ (self.q.T @ z)
        y, x = zs[:, 0], zs[:, 1:]
        bread = np.linalg.inv(x.T @ x)
        beta = bread @ (x.T @ y)
        e = y - x @ beta
        if self.vcov == "unadjusted":
            return beta, (e @ e) * bread
        scores = x * e[:, None]
        if self.clusters is not None:
            scores = pd.DataFrame(scores).groupby(self.clusters).sum().to_numpy()
        return beta, bread @ (scores.T @ scores) @ bread

    def evaluate(self, frame: pd.DataFrame, entity: str, time: str) -> np.ndarray:
        """Return ``(estimate, std_error, pvalue)`` on the prepared sample rows of ``frame``."""
        beta, cov = self._estimate(frame[self.columns].to_numpy(dtype=float)[self.rows])
        est = beta[self.position]
        se = float(np.sqrt(self.scale * cov[self.position, self.position]))
        t = abs(est / se)
        p = 2 * (stats.t.sf(t, self.df) if self.df is not None else stats.norm.sf(t))
        return np.array([est, se, p])


class FastFit:
    """A :class:`~stfi_models.index.propagate.Fit` with one :class:`WithinFit` per sample.

    Draws that drop rows (``missing="drop"``, an indicator left out) change the sample; each
    distinct sample is prepared once (one generic fit, which also answers that draw) and the
    generic path is kept for a sample :func:`prepare` declines.
    """

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        self.label = spec.label
        self.columns: list[str] | None = None
        self.cache: dict[bytes, WithinFit | None] = {}

    def evaluate(self, frame: pd.DataFrame, entity: str, time: str) -> np.ndarray:
        """Return ``(estimate, std_error, pvalue)`` like ``spec.evaluate``."""
        key = b"" if self.columns is None else _complete(frame, self.columns).tobytes()
        if key not in self.cache:
            fast = prepare(self.spec, frame, entity, time)
            if self.columns is None and fast is not None:
                self.columns = fast.columns
                key = _complete(frame, self.columns).tobytes()
            self.cache[key] = fast
        fast = self.cache[key]
        if fast is None:
            return self.spec.evaluate(frame, entity, time)
        return fast.evaluate(frame, entity, time)


def _complete(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return np.isfinite(frame[columns].to_numpy(dtype=float)).all(axis=1)


def _dummies(codes: np.ndarray) -> np.ndarray:
    return (codes[:, None] == np.unique(codes)[None, :]).astype(float)


def prepare(spec: Any, frame: pd.DataFrame, entity: str, time: str) -> WithinFit | None:
    """Return a :class:`WithinFit` for ``spec`` on ``frame``, or ``None`` (generic path).

    Only a two-way or one-way FE fit of plain columns with ``vcov`` unadjusted, robust or
    clustered by entity qualifies, and only when it reproduces :func:`stfi_models.fit` here.
    """
    from stfi_models.api import fit as fit_formula

    options = dict(spec.options)
    vcov = options.get("vcov", "unadjusted")
    if vcov not in _VCOVS or set(options) - {"vcov"} or spec.model not in (None, "fe"):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_formula(spec.formula, frame, model=spec.model, entity=entity, time=time,
                          **options)
    names = [str(n) for n in res.params.index]
    columns = [str(res.dependent), *names]
    if res.model != "fe" or spec.coef not in names or not set(columns) <= set(frame.columns):
        return None
    keys = pd.MultiIndex.from_frame(frame[[entity, time]])
    rows = keys.get_indexer(res.resid.index)
    if not np.array_equal(np.sort(rows), np.flatnonzero(_complete(frame, columns))):
        return None
    sample = frame.iloc[rows]
    effects = [pd.factorize(sample[entity])[0]]
    if f"C({time})" in spec.formula.replace(" ", ""):
        effects.append(pd.factorize(sample[time])[0])
    q = linalg.orth(np.column_stack([_dummies(c) for c in effects]))
    clusters = effects[0] if vcov == "cluster" else None
    fast = WithinFit(spec, rows, columns, q, clusters, vcov, 1.0,
                     res.df_resid if res.uses_t else None)
    beta, raw = fast._estimate(frame[columns].to_numpy(dtype=float)[rows])
    scale = np.diag(res.cov.to_numpy()) / np.diag(raw)
    if not (np.allclose(beta, res.params.to_numpy(), rtol=_TOL, atol=0)
            and np.allclose(scale, scale[0], rtol=_TOL, atol=0)):
        return None
    fast.scale = float(scale[0])
    return fast
