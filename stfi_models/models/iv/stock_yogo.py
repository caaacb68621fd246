"""Stock & Yogo (2005) critical values for the Cragg-Donald Wald F statistic (5% tests).

Transcribed from Stock & Yogo (2005), Table 5.1 (2SLS relative bias, tabulated from three
excluded instruments) and Table 5.2 (2SLS Wald test size), as ivreg2 prints them (Baum,
Schaffer & Stillman 2007).  Keys are ``(k2, l2)``: endogenous regressors, excluded
instruments.  Only the cells transcribed here are offered; others give ``{}``.

The values are derived for i.i.d. errors; comparing a Kleibergen-Paap rk Wald F with them
is the heuristic ivreg2 documents, not a test.

References
----------
Stock, J. H. & Yogo, M. (2005). Testing for weak instruments in linear IV regression. In
D. W. K. Andrews & J. H. Stock (eds.), Identification and Inference for Econometric Models,
80-108. Cambridge University Press.
"""

from __future__ import annotations

__all__ = ["STOCK_YOGO_SIZE", "STOCK_YOGO_BIAS", "stock_yogo"]

#: 2SLS size: maximal size of a nominal 5% Wald test of 10%, 15%, 20%, 25%.
STOCK_YOGO_SIZE: dict[tuple[int, int], tuple[float, float, float, float]] = {
    (1, 1): (16.38, 8.96, 6.66, 5.53),
    (1, 2): (19.93, 11.59, 8.75, 7.25),
    (1, 3): (22.30, 12.83, 9.54, 7.80),
    (1, 4): (24.58, 13.96, 10.26, 8.31),
    (1, 5): (26.87, 15.09, 10.98, 8.84),
    (2, 2): (7.03, 4.58, 3.95, 3.63),
    (2, 3): (13.43, 8.18, 6.40, 5.45),
    (2, 4): (16.87, 9.93, 7.54, 6.28),
}
#: 2SLS relative bias (to OLS) of at most 5%, 10%, 20%, 30%.
STOCK_YOGO_BIAS: dict[tuple[int, int], tuple[float, float, float, float]] = {
    (1, 3): (13.91, 9.08, 6.46, 5.39),
    (1, 4): (16.85, 10.27, 6.71, 5.34),
    (1, 5): (18.37, 10.83, 6.77, 5.25),
}


def stock_yogo(k2: int, l2: int) -> dict[str, float]:
    """Critical values for ``k2`` endogenous regressors and ``l2`` excluded instruments.

    Returns
    -------
    dict
        ``{"size 10%": ..., ..., "bias 5%": ...}``; empty when the cell is not tabulated here.
    """
    out: dict[str, float] = {}
    for label, levels, table in (("size", (10, 15, 20, 25), STOCK_YOGO_SIZE),
                                 ("bias", (5, 10, 20, 30), STOCK_YOGO_BIAS)):
        for level, value in zip(levels, table.get((k2, l2), ()), strict=False):
            out[f"{label} {level}%"] = value
    return out
