r"""Stability of a VAR(p): eigenvalues of the companion matrix.

.. math::

    F = \begin{pmatrix} A_1 & A_2 & \cdots & A_p \\ I_m & 0 & \cdots & 0 \\
        & \ddots & & \vdots \\ 0 & \cdots & I_m & 0 \end{pmatrix}

The VAR is stable (stationary, invertible MA representation) when every eigenvalue of
:math:`F` lies strictly inside the unit circle (Lütkepohl 2005, section 2.1.1; Stata
``pvarstable``, R panelvar ``stability``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stfi_models._plotting import figure_and_axes, print_style

__all__ = ["Stability", "companion_matrix"]


def companion_matrix(lag_matrices: np.ndarray) -> np.ndarray:
    """Return the ``(m p) x (m p)`` companion matrix of ``lag_matrices`` (shape ``(p, m, m)``)."""
    p, m, _ = lag_matrices.shape
    top = np.concatenate(list(lag_matrices), axis=1)
    bottom = np.eye(m * (p - 1), m * p)
    return np.vstack([top, bottom])


@dataclass(frozen=True, eq=False)
class Stability:
    """Companion eigenvalues, sorted by decreasing modulus.

    Attributes
    ----------
    eigenvalues : numpy.ndarray
        Complex eigenvalues.
    """

    eigenvalues: np.ndarray

    @classmethod
    def of(cls, lag_matrices: np.ndarray) -> Stability:
        """Eigenvalues of the companion matrix of ``lag_matrices`` (shape ``(p, m, m)``)."""
        eig = np.linalg.eigvals(companion_matrix(np.asarray(lag_matrices, dtype=float)))
        order = np.lexsort((-eig.imag, -np.abs(eig)))
        return cls(eig[order])

    @property
    def moduli(self) -> np.ndarray:
        """Moduli of the eigenvalues (descending)."""
        return np.abs(self.eigenvalues)

    @property
    def is_stable(self) -> bool:
        """All moduli strictly below one."""
        return bool(np.all(self.moduli < 1))

    @property
    def frame(self) -> pd.DataFrame:
        """Columns real, imag, modulus."""
        return pd.DataFrame({"real": self.eigenvalues.real, "imag": self.eigenvalues.imag,
                             "modulus": self.moduli})

    def summary(self) -> str:
        """Text table plus the verdict."""
        verdict = ("All eigenvalues lie inside the unit circle: the VAR is stable."
                   if self.is_stable else
                   "At least one eigenvalue lies on or outside the unit circle: the VAR is "
                   "not stable; impulse responses do not die out.")
        return "Companion-matrix eigenvalues\n" + self.frame.to_string() + "\n" + verdict

    def __str__(self) -> str:
        return self.summary()

    @print_style
    def plot(self, ax=None):
        """Eigenvalues in the complex plane with the unit circle.

        Returns
        -------
        matplotlib.figure.Figure
        """
        fig, ax = figure_and_axes(ax, (4, 4))
        angle = np.linspace(0, 2 * np.pi, 361)
        ax.plot(np.cos(angle), np.sin(angle), color="0.5", linewidth=0.8)
        ax.scatter(self.eigenvalues.real, self.eigenvalues.imag, color="C0", zorder=3)
        ax.axhline(0, color="0.8", linewidth=0.5)
        ax.axvline(0, color="0.8", linewidth=0.5)
        ax.set_aspect("equal")
        lim = max(1.1, float(self.moduli.max()) * 1.1) if self.moduli.size else 1.1
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xlabel("real")
        ax.set_ylabel("imaginary")
        ax.set_title("Roots of the companion matrix")
        return fig
