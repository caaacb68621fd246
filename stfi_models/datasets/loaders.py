"""Loaders of the classic panel datasets: Arellano-Bond, Grunfeld, Dahlberg."""

from __future__ import annotations

import pandas as pd

from stfi_models.datasets._files import read_bundled

__all__ = ["load_abdata", "load_grunfeld", "load_dahlberg", "load_hansen1999"]


def load_abdata() -> pd.DataFrame:
    """Arellano-Bond UK company panel (140 firms, 1976-1984, unbalanced).

    1031 rows, one per firm and year, 7 to 9 years per firm, no missing cells.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (firm), ``year``, ``ind`` (industry), ``emp`` (employment), ``wage``
        (real wage), ``cap`` (gross capital), ``indoutpt`` (industry output) and their logs
        ``n``, ``w``, ``k``, ``ys``.  Panel keys: ``entity="id"``, ``time="year"``.

    Notes
    -----
    An export of Stata's ``abdata.dta`` (Stata Press; the data of Arellano and Bond 1991),
    taken from ``dazhwu/pydynpd:data.csv`` (commit ``e0d3a80``, MIT).  The values are stored
    in single precision: the logs differ from ``log()`` of R plm's ``EmplUK`` by up to
    2.7e-7, so use the stored log columns and a tolerance of about 1e-6 against results
    computed from other copies.

    References
    ----------
    Arellano, M. and Bond, S. (1991). Some tests of specification for panel data: Monte Carlo
    evidence and an application to employment equations. *Review of Economic Studies* 58(2),
    277-297.

    Examples
    --------
    >>> from stfi_models.datasets import load_abdata
    >>> load_abdata().shape
    (1031, 11)
    """
    return read_bundled("abdata", "abdata.csv")


def load_grunfeld() -> pd.DataFrame:
    """Grunfeld investment panel (10 US firms, 1935-1954, balanced).

    200 rows, one per firm and year.

    Returns
    -------
    pandas.DataFrame
        Columns ``firm``, ``year``, ``inv`` (gross investment), ``value`` (market value of the
        firm) and ``capital`` (stock of plant and equipment), in millions of 1947 dollars.
        Panel keys: ``entity="firm"``, ``time="year"``.

    Notes
    -----
    Exported from R plm 2.6.2 (``data("Grunfeld", package = "plm")``), which documents it as
    the data of Baltagi (2001), from the book's online complements
    (https://www.wiley.com/legacy/wileychi/baltagi/supp/Grunfeld.fil).  Several versions of
    the Grunfeld data circulate, some with errors in a few cells (Kleiber and Zeileis 2010);
    this is the one behind Baltagi's published estimates.  ``datasets/grunfeld/SOURCE.md``
    records the export.

    References
    ----------
    Grunfeld, Y. (1958). *The Determinants of Corporate Investment*. PhD thesis, University of
    Chicago.  Baltagi, B. H. (2001). *Econometric Analysis of Panel Data*, 3rd ed. Wiley.
    Kleiber, C. and Zeileis, A. (2010). The Grunfeld data at 50. *German Economic Review*
    11(4), 404-417.

    Examples
    --------
    >>> from stfi_models.datasets import load_grunfeld
    >>> load_grunfeld().shape
    (200, 5)
    """
    return read_bundled("grunfeld", "grunfeld.csv")


def load_dahlberg() -> pd.DataFrame:
    """Dahlberg-Johansson Swedish municipalities panel (265 units, 1979-1987, balanced).

    2385 rows, one per municipality and year.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (municipality), ``year``, ``expenditures``, ``revenues`` (own-source)
        and ``grants`` (intergovernmental), per capita, deflated, in million SEK.
        Panel keys: ``entity="id"``, ``time="year"``.

    Notes
    -----
    From the R package panelvar (``cran/panelvar:data/Dahlberg.rda`` at ``5e7b205``, GPL >= 2),
    which took it from Statistics Sweden via the Journal of Applied Econometrics data archive.
    Identical to ``AER::Municipalities`` and equivalent to Stata's ``webuse swedishgov``; the
    panel VAR example of Sigmund and Ferstl (2021) uses it.

    References
    ----------
    Dahlberg, M. and Johansson, E. (2000). An examination of the dynamic behaviour of local
    governments using GMM bootstrapping methods. *Journal of Applied Econometrics* 15(4),
    401-416.  Sigmund, M. and Ferstl, R. (2021). Panel vector autoregression in R with the
    package panelvar. *The Quarterly Review of Economics and Finance* 80, 693-720.

    Examples
    --------
    >>> from stfi_models.datasets import load_dahlberg
    >>> load_dahlberg().shape
    (2385, 5)
    """
    return read_bundled("dahlberg", "dahlberg.csv")


def load_hansen1999() -> pd.DataFrame:
    """Hansen's (1999) investment panel (565 US firms, 1973-1987, balanced).

    8475 rows, one per firm and year, no missing cells.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (firm), ``year``, ``i`` (investment/assets), ``q`` (Tobin's Q),
        ``c`` (cash flow/assets) and ``d`` (long-term debt/assets).  Panel keys:
        ``entity="id"``, ``time="year"``.

    Notes
    -----
    Hansen's own ``invest.dat`` (from Hall & Hall 1993) with keys added;
    ``datasets/hansen1999/SOURCE.md`` records the source.  His model uses the lags of ``q``,
    ``c`` and ``d``, so the 1973 rows serve as lags only.

    References
    ----------
    Hansen, B. E. (1999). Threshold effects in non-dynamic panels: Estimation, testing, and
    inference. *Journal of Econometrics* 93(2), 345-368.

    Examples
    --------
    >>> from stfi_models.datasets import load_hansen1999
    >>> load_hansen1999().shape
    (8475, 6)
    """
    return read_bundled("hansen1999", "hansen1999_invest.csv")
