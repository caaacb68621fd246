r"""Objective weighting methods for composite indices.

Every method takes a normalised matrix :math:`X` (:math:`n` rows, :math:`m` indicators) and
returns weights :math:`w_j \ge 0` with :math:`\sum_j w_j = 1`.

* **entropy** (Shannon entropy weight method, as in the STFI literature):
  :math:`p_{ij} = (x_{ij} + s) / \sum_i (x_{ij} + s)`,
  :math:`e_j = -\frac{1}{\ln n} \sum_i p_{ij} \ln p_{ij}` (with :math:`0 \ln 0 = 0`),
  :math:`d_j = 1 - e_j`, :math:`w_j = d_j / \sum_k d_k`.  The shift :math:`s` (0 by default,
  ``1e-4`` or ``1e-2`` in many papers) keeps :math:`\ln p` finite; it enters only here.
* **critic** (Diakoulaki, Mavrotas & Papayannakis 1995, *Computers & Operations Research*
  22(7): 763-770): :math:`C_j = \sigma_j \sum_k (1 - r_{jk})`, :math:`w_j = C_j / \sum_k C_k`,
  with :math:`\sigma_j` the standard deviation and :math:`r` the Pearson correlation of the
  normalised columns.
* **cv** (coefficient of variation): :math:`v_j = \sigma_j / \bar x_j`, :math:`w_j = v_j/\sum v`.
* **equal**: :math:`w_j = 1/m`.
* **pca**: squared loadings of the first principal component of the correlation matrix,
  :math:`w_j = u_{1j}^2` (the unit-length eigenvector, so the weights sum to one; OECD/JRC
  *Handbook on Constructing Composite Indicators*, 2008, section 6.1).  The sign of
  :math:`u_1` is fixed so that its loadings sum to a positive number; the signed loadings are
  reported as the criterion.
* **entropy_critic**: the combination of entropy and CRITIC weights, by default their mean
  :math:`w_j = (w^{E}_j + w^{C}_j)/2` (``combine="mean"``), or the normalised product
  :math:`w_j = w^{E}_j w^{C}_j / \sum_k w^{E}_k w^{C}_k` (``combine="product"``).

An indicator that is constant over the rows carries no information: it gets weight 0 (and
the caller warns), and the other weights are computed as if it were absent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from stfi_models.exceptions import EstimationError, SpecificationError

__all__ = [
    "WEIGHT_METHODS",
    "COMBINE_RULES",
    "Weights",
    "compute_weights",
    "entropy_weights",
    "critic_weights",
    "cv_weights",
    "equal_weights",
    "pca_weights",
]

#: Weighting methods accepted by :func:`compute_weights`.
WEIGHT_METHODS = ("entropy", "critic", "cv", "equal", "pca", "entropy_critic")
#: How ``entropy_critic`` combines its two weight vectors.
COMBINE_RULES = ("mean", "product")


@dataclass(frozen=True)
class Weights:
    """Weights of one block of rows, with the statistics they came from.

    Attributes
    ----------
    weight : numpy.ndarray
        Non-negative, sums to 1.
    criterion : numpy.ndarray
        The un-normalised importance: :math:`d_j` (entropy), :math:`C_j` (critic),
        :math:`v_j` (cv), 1 (equal), the signed first-component loading (pca), or the combined
        weight before rescaling (entropy_critic).
    entropy, divergence : numpy.ndarray
        :math:`e_j` and :math:`d_j = 1 - e_j` for the entropy-based methods, else NaN.
    components : dict
        For ``entropy_critic``: ``{"entropy": w_E, "critic": w_C}``.
    """

    weight: np.ndarray
    criterion: np.ndarray
    entropy: np.ndarray
    divergence: np.ndarray
    components: dict[str, np.ndarray] = field(default_factory=dict)

    def take(self, where: slice) -> Weights:
        """Return the statistics of a subset of the indicators (weights not rescaled)."""
        return Weights(
            self.weight[where], self.criterion[where], self.entropy[where],
            self.divergence[where], {k: v[where] for k, v in self.components.items()},
        )

    def replace_weight(self, weight: np.ndarray) -> Weights:
        """Return the same statistics with other weights (e.g. rescaled within a group)."""
        return Weights(weight, self.criterion, self.entropy, self.divergence, self.components)


def _nan(m: int) -> np.ndarray:
    return np.full(m, np.nan)


def _scale(values: np.ndarray, method: str) -> np.ndarray:
    total = values.sum()
    if not np.isfinite(total) or total <= 0:
        raise EstimationError(
            f"{method} weights are undefined here: the criteria {np.round(values, 6).tolist()} "
            "do not sum to a positive number."
        )
    return values / total


_WeightMethod = Callable[[np.ndarray], Weights]


def _correlation_based(method: str) -> Callable[[_WeightMethod], _WeightMethod]:
    """Decorate a weighting method built on the correlation matrix (CRITIC, PCA).

    The decorated function receives ``x`` as a float array with several columns and at least
    the three rows a correlation needs; a single indicator gets weight 1 without calling it,
    and fewer rows raise :class:`EstimationError` naming ``method``.
    """

    def decorate(func: _WeightMethod) -> _WeightMethod:
        @functools.wraps(func)
        def checked(x: np.ndarray) -> Weights:
            x = np.asarray(x, dtype=float)
            if x.shape[1] == 1:
                return Weights(np.ones(1), np.ones(1), _nan(1), _nan(1))
            if x.shape[0] < 3:
                raise EstimationError(
                    f"{method} weights need at least three rows to estimate correlations."
                )
            return func(x)

        return checked

    return decorate


def _require_nonnegative(x: np.ndarray, method: str) -> None:
    if np.any(x < 0):
        raise SpecificationError(
            f"{method} weights need non-negative normalised values, but some are negative "
            "(z-scores?). Use normalize='minmax', or a method that accepts any sign "
            "('critic', 'pca', 'equal')."
        )


def entropy_weights(x: np.ndarray, shift: float = 0.0) -> Weights:
    """Entropy weights of the columns of ``x`` (see the module docstring).

    Parameters
    ----------
    x : numpy.ndarray
        ``n x m`` non-negative matrix (normalised indicators, or raw positive data for the
        raw-data convention), no column all zero unless ``shift > 0``.
    shift : float
        Added to every value before the shares :math:`p_{ij}` are formed.

    Returns
    -------
    Weights
    """
    x = np.asarray(x, dtype=float) + shift
    _require_nonnegative(x, "Entropy")
    n = x.shape[0]
    if n < 2:
        raise EstimationError("Entropy weights need at least two rows (ln n = 0 for n = 1).")
    total = x.sum(axis=0)
    if np.any(total <= 0):
        raise EstimationError(
            "Entropy weights are undefined for an indicator whose values are all zero; "
            "use shift > 0 or drop it."
        )
    p = x / total
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    d = 1.0 - e
    return Weights(_scale(d, "Entropy"), d, e, d)


@_correlation_based("CRITIC")
def critic_weights(x: np.ndarray) -> Weights:
    """CRITIC weights (Diakoulaki et al. 1995): contrast intensity times conflict."""
    m = x.shape[1]
    sd = x.std(axis=0, ddof=1)
    r = np.atleast_2d(np.corrcoef(x, rowvar=False))
    c = sd * (1.0 - r).sum(axis=0)
    return Weights(_scale(c, "CRITIC"), c, _nan(m), _nan(m))


def cv_weights(x: np.ndarray) -> Weights:
    r"""Coefficient-of-variation weights :math:`v_j = \sigma_j / \bar x_j` (ddof=1)."""
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=0)
    if np.any(mean <= 0):
        raise SpecificationError(
            "cv weights need indicators with a positive mean; z-scores have mean 0. "
            "Use normalize='minmax' (or 'none' for positive raw data)."
        )
    v = x.std(axis=0, ddof=1) / mean
    m = x.shape[1]
    return Weights(_scale(v, "cv"), v, _nan(m), _nan(m))


def equal_weights(x: np.ndarray) -> Weights:
    """Equal weights :math:`1/m`."""
    m = np.asarray(x).shape[1]
    return Weights(np.full(m, 1.0 / m), np.ones(m), _nan(m), _nan(m))


@_correlation_based("PCA")
def pca_weights(x: np.ndarray) -> Weights:
    """Squared loadings of the first principal component of the correlation matrix."""
    m = x.shape[1]
    r = np.corrcoef(x, rowvar=False)
    _, vectors = np.linalg.eigh(r)
    u = vectors[:, -1]
    if u.sum() < 0:
        u = -u
    w = u**2
    return Weights(w / w.sum(), u, _nan(m), _nan(m))


def _entropy_critic(x: np.ndarray, shift: float, combine: str) -> Weights:
    ent = entropy_weights(x, shift)
    cri = critic_weights(x)
    if combine == "mean":
        raw = (ent.weight + cri.weight) / 2.0
    else:
        raw = ent.weight * cri.weight
    components = {"entropy": ent.weight, "critic": cri.weight}
    return Weights(_scale(raw, "entropy_critic"), raw, ent.entropy, ent.divergence, components)


def compute_weights(
    x: np.ndarray, method: str, *, shift: float = 0.0, combine: str = "mean"
) -> tuple[Weights, np.ndarray]:
    """Weights of the columns of ``x`` by ``method``; constant columns get weight 0.

    Parameters
    ----------
    x : numpy.ndarray
        ``n x m`` normalised indicators (one block of rows).
    method : str
        One of :data:`WEIGHT_METHODS`.
    shift : float
        Entropy shift (entropy-based methods only).
    combine : {"mean", "product"}
        Combination rule for ``entropy_critic``.

    Returns
    -------
    weights : Weights
        Full-length arrays; constant columns have weight 0, criterion 0, entropy 1,
        divergence 0.
    constant : numpy.ndarray of bool
        Which columns were constant.

    Raises
    ------
    EstimationError
        When every column is constant, so no weight can be positive.
    """
    x = np.asarray(x, dtype=float)
    n, m = x.shape
    constant = np.ptp(x, axis=0) == 0 if n else np.ones(m, dtype=bool)
    keep = ~constant
    if not keep.any():
        raise EstimationError(
            f"All {m} indicator(s) are constant over these {n} rows, so no weight can be "
            "computed. Check the data (or use weights_by='pooled' if a single year is flat)."
        )
    sub = x[:, keep]
    if method == "entropy":
        part = entropy_weights(sub, shift)
    elif method == "critic":
        part = critic_weights(sub)
    elif method == "cv":
        part = cv_weights(sub)
    elif method == "equal":
        part = equal_weights(sub)
    elif method == "pca":
        part = pca_weights(sub)
    else:
        part = _entropy_critic(sub, shift, combine)

    def spread(values: np.ndarray, fill: float) -> np.ndarray:
        full = np.full(m, fill)
        full[keep] = values
        return full

    entropy_based = method in ("entropy", "entropy_critic")
    weights = Weights(
        weight=spread(part.weight, 0.0),
        criterion=spread(part.criterion, 0.0),
        entropy=spread(part.entropy, 1.0 if entropy_based else np.nan),
        divergence=spread(part.divergence, 0.0 if entropy_based else np.nan),
        components={k: spread(v, 0.0) for k, v in part.components.items()},
    )
    return weights, constant
