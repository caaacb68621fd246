"""Panel unit-root tests against R plm::purtest (validation/unitroot) and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows
from scipy import stats

from stfi_models.datasets import load_grunfeld
from stfi_models.exceptions import PanelDataError, SpecificationError
from stfi_models.unitroot import combine_pvalues, fisher_adf_test, ips_test


@pytest.fixture(scope="module")
def grunfeld() -> pd.DataFrame:
    return load_grunfeld()


@pytest.mark.parametrize(("topic", "row"), reference_rows("unitroot"))
def test_plm_purtest_reference_number(topic, row):
    """Every number of validation/unitroot/reference.csv: entity ADF t statistics and lags,
    IPS W_tbar and p-value, and the Maddala-Wu / Choi statistics computed from plm's entity
    p-values (MacKinnon 1996 surfaces, which arch does not use; README): given those, our
    combination formulas reproduce plm's statistics.  See validation/unitroot/compute.py."""
    check_reference_row(topic, row)


def test_fisher_adf_uses_arch_pvalues(grunfeld):
    from arch.unitroot import ADF

    res = fisher_adf_test(grunfeld, "inv", entity="firm", time="year", lags=1)
    p = [ADF(g["inv"].to_numpy(), lags=1, trend="c").pvalue for _, g in grunfeld.groupby("firm")]
    assert res.stat == pytest.approx(-2 * np.sum(np.log(p)), rel=1e-12)
    assert res.df == 20 and res.dist == "chi2"


def test_modified_fisher_is_standardised_p():
    p = np.array([0.2, 0.5, 0.01, 0.9])
    chi = combine_pvalues(p, "chi2").stat
    pm = combine_pvalues(p, "modified")
    assert pm.stat == pytest.approx((chi - 8) / 4)
    assert pm.pvalue == pytest.approx(stats.norm.sf(pm.stat))


def test_ips_rejects_for_stationary_panel_and_not_for_random_walks():
    rng = np.random.default_rng(7)
    frames = []
    for i in range(20):
        e = rng.standard_normal(60)
        ar = np.zeros(60)
        for t in range(1, 60):
            ar[t] = 0.3 * ar[t - 1] + e[t]
        frames.append(pd.DataFrame({"i": i, "t": range(60), "ar": ar,
                                    "rw": np.cumsum(rng.standard_normal(60))}))
    data = pd.concat(frames)
    assert ips_test(data, "ar", entity="i", time="t", lags=1).pvalue < 0.001
    assert ips_test(data, "rw", entity="i", time="t", lags=1).pvalue > 0.01
    assert fisher_adf_test(data, "ar", entity="i", time="t", lags="bic",
                           max_lags=3).pvalue < 0.001


def test_bad_input(grunfeld):
    with pytest.raises(SpecificationError, match="Did you mean 'inv'"):
        ips_test(grunfeld, "invv", entity="firm", time="year")
    with pytest.raises(SpecificationError, match="Valid choices"):
        ips_test(grunfeld, "inv", entity="firm", time="year", trend="t")
    with pytest.raises(SpecificationError, match="lags"):
        ips_test(grunfeld, "inv", entity="firm", time="year", lags="hqic")
    gappy = grunfeld.drop(index=grunfeld.index[5])
    with pytest.raises(PanelDataError, match="gaps"):
        ips_test(gappy, "inv", entity="firm", time="year", lags=1)
    holed = grunfeld.copy()
    holed.loc[holed.index[5], "inv"] = np.nan
    with pytest.raises(PanelDataError, match="missing values inside"):
        fisher_adf_test(holed, "inv", entity="firm", time="year", lags=1)
    with pytest.raises(SpecificationError, match="p-values"):
        combine_pvalues(np.array([0.0, 0.5]))
