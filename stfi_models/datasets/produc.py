"""The Munnell (1990) US states panel (``plm::Produc``) and its contiguity weights (``usaww``).

The standard example of spatial panel software (R splm, Stata xsmle): ``log(gsp) ~ log(pcap)
+ log(pc) + log(emp) + unemp`` with ``usaww``.  ``datasets/produc/SOURCE.md`` cites both.
"""

from __future__ import annotations

import pandas as pd

from stfi_models.datasets._files import read_bundled

__all__ = ["load_produc", "produc_weights"]


def load_produc() -> pd.DataFrame:
    """Munnell's productivity panel: 48 US states x 1970-1986 (816 rows, balanced).

    Returns
    -------
    pandas.DataFrame
        ``state, year, region, pcap, hwy, water, util, pc, gsp, emp, unemp``; panel keys
        ``entity="state"``, ``time="year"``.

    References
    ----------
    Munnell, A. H. (1990). New England Economic Review, Jan/Feb, 3-22.
    """
    return read_bundled("produc", "produc.csv")


def produc_weights():
    """``splm::usaww``: row-standardised queen contiguity of the 48 states (ids = state names).

    Returns
    -------
    SpatialWeights
        Built with ``transform="row"`` on the bundled (already row-standardised) matrix.
    """
    from stfi_models.spatial.weights import SpatialWeights

    matrix = read_bundled("produc", "usaww.csv", index_col=0)
    return SpatialWeights.from_matrix(matrix.to_numpy(), ids=list(matrix.index), transform="row")
