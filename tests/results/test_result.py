"""The Result contract: immutability, inference, tidy, summary, and the dynamic-only methods."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from stfi_models import results
from stfi_models.exceptions import SpecificationError
from stfi_models.results import TIDY_COLUMNS, Result

# Quantiles from standard tables (Abramowitz & Stegun 26.2 and 26.7):
Z_975 = 1.959963984540054  # N(0,1) 97.5 % quantile
T_975_DF10 = 2.228138851986274  # t(10) 97.5 % quantile
P_Z_196 = 0.04999579029644087  # 2 * (1 - Phi(1.96))


def make(df_resid: float | None = None, **changes) -> Result:
    params = pd.Series({"x": 1.96, "z": -0.5})
    cov = pd.DataFrame([[1.0, 0.1], [0.1, 0.25]], index=params.index, columns=params.index)
    fields = dict(
        params=params, cov=cov, model="fe", formula="y ~ x + z + C(id)", dependent="y",
        nobs=50, n_entities=5, df_resid=df_resid, vcov_type="cluster (entity)",
        vcov_note="G/(G-1) small-sample correction",
        diagnostics={"F effects": results.TestResult(3.0, 0.02, (4.0, 40.0), "F test", "F")},
        info={"effects": ("entity",)},
    )
    fields.update(changes)
    return Result(**fields)


def test_fields_cannot_be_set():
    res = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.nobs = 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.params = res.params * 2


def test_mappings_are_read_only():
    res = make()
    with pytest.raises(TypeError):
        res.info["effects"] = ()
    with pytest.raises(TypeError):
        res.diagnostics["new"] = results.TestResult(1.0, 0.5)


def test_mappings_do_not_share_state_with_the_caller():
    info = {"effects": ("entity",)}
    res = make(info=info)
    info["effects"] = ()
    assert res.info["effects"] == ("entity",)


def test_normal_inference_against_table_values():
    res = make()
    assert res.std_errors.tolist() == pytest.approx([1.0, 0.5])
    assert res.tstats["x"] == pytest.approx(1.96)
    assert res.pvalues["x"] == pytest.approx(P_Z_196, rel=1e-12)
    ci = res.conf_int()
    assert list(ci.columns) == ["lower", "upper"]
    assert ci.loc["x"].tolist() == pytest.approx([1.96 - Z_975, 1.96 + Z_975], rel=1e-12)


def test_t_inference_uses_df_resid():
    res = make(df_resid=10, params=pd.Series({"x": T_975_DF10, "z": 0.0}))
    assert res.pvalues["x"] == pytest.approx(0.05, rel=1e-10)
    assert res.conf_int(0.95).loc["z"].tolist() == pytest.approx(
        [-0.5 * T_975_DF10, 0.5 * T_975_DF10], rel=1e-12)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1])
def test_conf_int_rejects_bad_levels(level):
    with pytest.raises(SpecificationError, match="level"):
        make().conf_int(level)


def test_with_vcov_returns_a_new_result_and_leaves_the_old_one():
    def revcov(vcov: str, **options) -> Result:
        return res.replace(cov=res.cov * 4, vcov_type=f"{vcov} ({options['cluster']})")

    res = make(_revcov=revcov)
    se_before = res.std_errors.copy()
    new = res.with_vcov("cluster", cluster="province")
    assert new is not res
    assert new.vcov_type == "cluster (province)" and res.vcov_type == "cluster (entity)"
    assert new.std_errors.tolist() == pytest.approx((2 * se_before).tolist())
    assert res.std_errors.equals(se_before)


def test_with_vcov_without_alternatives_is_refused():
    with pytest.raises(SpecificationError, match="no alternative covariance"):
        make().with_vcov("robust")


def test_replace_recomputes_cached_statistics():
    res = make()
    _ = res.std_errors
    doubled = res.replace(cov=res.cov * 4)
    assert doubled.std_errors.tolist() == pytest.approx([2.0, 1.0])
    assert res.std_errors.tolist() == pytest.approx([1.0, 0.5])


def test_tidy_has_fixed_columns_and_matches_the_parts():
    res = make()
    tidy = res.tidy()
    assert tuple(tidy.columns) == TIDY_COLUMNS
    assert tidy["term"].tolist() == ["x", "z"]
    np.testing.assert_allclose(tidy["estimate"], res.params)
    np.testing.assert_allclose(tidy["std_error"], res.std_errors)
    np.testing.assert_allclose(tidy["p_value"], res.pvalues)
    np.testing.assert_allclose(tidy["conf_low"], res.conf_int()["lower"])


def test_tidy_of_a_system_puts_the_equation_first():
    index = pd.MultiIndex.from_tuples([("y1", "L1.y1"), ("y2", "L1.y1")])
    res = make(params=pd.Series([0.5, 0.2], index=index),
               cov=pd.DataFrame(np.eye(2) * 0.01, index=index, columns=index))
    tidy = res.tidy()
    assert tuple(tidy.columns) == ("equation", *TIDY_COLUMNS)
    assert tidy["equation"].tolist() == ["y1", "y2"]


def test_summary_names_the_se_type_in_every_format():
    summary = make().summary()
    for text in (summary.as_text(), summary.as_html(), str(make())):
        assert "cluster (entity)" in text
        assert "G/(G-1) small-sample correction" in text
    assert "G/(G-1) small-sample correction" in make()._repr_html_()


def test_latex_summary_names_the_se_type():
    assert "cluster (entity)" in make().summary().as_latex()


@pytest.mark.parametrize("method", ["irf", "fevd"])
def test_dynamic_methods_on_a_static_model_name_the_dynamic_models(method):
    with pytest.raises(SpecificationError, match="pvar") as info:
        getattr(make(), method)(periods=10)
    assert "'fe'" in str(info.value)


def test_irf_error_names_the_gmm_models_too():
    with pytest.raises(SpecificationError) as info:
        make().irf()
    assert "diff-gmm" in str(info.value) and "sys-gmm" in str(info.value)


def test_repr_is_one_line():
    text = repr(make())
    assert "\n" not in text and "fe" in text and "nobs=50" in text
