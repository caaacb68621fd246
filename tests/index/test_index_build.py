"""build_index: hierarchy, options, scoring, missing values, errors and the IndexResult."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from stfi_models.exceptions import (
    FormulaError,
    MissingValueWarning,
    PanelDataError,
    SpecificationError,
    SpecificationWarning,
    UnsafeFormulaError,
)
from stfi_models.index import (
    IndexResult,
    build_index,
    critic_weights,
    cv_weights,
    entropy_weights,
    pca_weights,
)

FORMULA = "S ~ g1(a + b - c) + g2(d + e)"
COLUMNS = ["a", "b", "c", "d", "e"]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(20240601)
    entities, years = [f"p{i:02d}" for i in range(12)], list(range(2015, 2021))
    keys = pd.MultiIndex.from_product([entities, years], names=["prov", "year"])
    keys = keys.to_frame(index=False)
    values = rng.lognormal(mean=1.0, sigma=0.6, size=(len(keys), len(COLUMNS)))
    frame = pd.concat([keys, pd.DataFrame(values, columns=COLUMNS)], axis=1)
    frame["region"] = np.where(frame["prov"] < "p06", "east", "west")
    return frame


def build(panel, formula=FORMULA, **options) -> IndexResult:
    return build_index(formula, panel, entity="prov", time="year", **options)


def _inner(result: IndexResult, group: str) -> pd.Series:
    w = result.weights
    return w[(w["level"] == "indicator") & (w["group"] == group)].set_index("indicator")["weight"]


def _outer(result: IndexResult) -> pd.Series:
    w = result.weights
    return w[w["level"] == "subindex"].set_index("indicator")["weight"]


# ---------------------------------------------------------------- hierarchy
def test_hierarchical_identities(panel):
    res = build(panel)
    x, s = res.normalized, res.scores
    for group, cols in (("g1", ["a", "b", "c"]), ("g2", ["d", "e"])):
        w = _inner(res, group)
        assert w.sum() == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(s[group], x[cols] @ w[cols], atol=1e-12)
        # within-group weights are the entropy weights of that group's normalised columns
        np.testing.assert_allclose(w[cols], entropy_weights(x[cols].to_numpy()).weight, atol=1e-12)
    outer = _outer(res)
    # group weights are recomputed by the same method on the sub-index scores
    expected = entropy_weights(s[["g1", "g2"]].to_numpy()).weight
    np.testing.assert_allclose(outer, expected, atol=1e-12)
    np.testing.assert_allclose(s["S"], s[["g1", "g2"]] @ outer, atol=1e-12)
    indicators = res.weights[res.weights["level"] == "indicator"]
    assert indicators["global_weight"].sum() == pytest.approx(1)


def test_flat_variant_equals_one_level_index(panel):
    flat = build(panel, hierarchy="flat")
    one = build(panel, "S ~ a + b - c + d + e")
    np.testing.assert_allclose(flat.scores["S"], one.scores["S"], atol=1e-12)
    w_all = one.weights.set_index("indicator")["weight"]
    outer = _outer(flat)
    assert outer["g1"] == pytest.approx(w_all[["a", "b", "c"]].sum(), abs=1e-12)
    np.testing.assert_allclose(flat.scores["S"], flat.scores[["g1", "g2"]] @ outer, atol=1e-12)
    glob = flat.weights.query("level == 'indicator'").set_index("indicator")["global_weight"]
    np.testing.assert_allclose(glob[COLUMNS], w_all[COLUMNS], atol=1e-12)


def test_negative_indicator_is_reversed(panel):
    res = build(panel)
    c, nc = panel.set_index(["prov", "year"])["c"], res.normalized["c"]
    assert nc[c.idxmax()] == 0.0 and nc[c.idxmin()] == 1.0


# ---------------------------------------------------------------- weights by year / scope
def test_weights_by_year_equals_each_cross_section_alone(panel):
    res = build(panel, weights_by="year", scope="by_year")
    assert "year" in res.weights.columns
    for year in (2015, 2018):
        alone = build(panel[panel["year"] == year])
        np.testing.assert_allclose(
            res.scores.xs(year, level=1)["S"], alone.scores.xs(year, level=1)["S"], atol=1e-12
        )
        yearly = res.weights[res.weights["year"] == year].reset_index(drop=True)
        np.testing.assert_allclose(yearly["weight"], alone.weights["weight"], atol=1e-12)


@pytest.mark.parametrize("scope,level", [("by_entity", 0), ("by_year", 1), ("pooled", None)])
def test_minmax_scope(panel, scope, level):
    x = build(panel, scope=scope).normalized
    blocks = [x] if level is None else [g for _, g in x.groupby(level=level)]
    for block in blocks:
        np.testing.assert_allclose(block.min(), 0.0, atol=1e-15)
        np.testing.assert_allclose(block.max(), 1.0, atol=1e-15)


def test_zscore(panel):
    res = build(panel, normalize="zscore", method="critic")
    np.testing.assert_allclose(res.normalized.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(res.normalized.std(ddof=1), 1.0, atol=1e-12)
    c = panel.set_index(["prov", "year"])["c"]
    np.testing.assert_allclose(res.normalized["c"], -(c - c.mean()) / c.std(ddof=1), atol=1e-12)
    with pytest.raises(SpecificationError, match="non-negative"):
        build(panel, normalize="zscore")


# ---------------------------------------------------------------- methods
def test_entropy_critic_mean_and_product(panel):
    x = build(panel, "S ~ a + b + c").normalized.to_numpy()
    we, wc = entropy_weights(x, 1e-4).weight, critic_weights(x).weight
    mean = build(panel, "S ~ a + b + c", method="entropy_critic", shift=1e-4).weights
    np.testing.assert_allclose(mean["weight"], (we + wc) / 2, atol=1e-12)
    np.testing.assert_allclose(mean["w_entropy"], we, atol=1e-12)
    prod = build(panel, "S ~ a + b + c", method="entropy_critic", combine="product", shift=1e-4)
    np.testing.assert_allclose(prod.weights["weight"], we * wc / (we * wc).sum(), atol=1e-12)


def test_pca_weights_are_squared_first_singular_vector(panel):
    x = panel[COLUMNS].to_numpy()
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    v1 = np.linalg.svd(z, full_matrices=False)[2][0]
    w = pca_weights(x)
    np.testing.assert_allclose(w.weight, v1**2, atol=1e-12)
    assert w.criterion.sum() > 0  # sign fixed


def test_cv_weights(panel):
    x = panel[COLUMNS].to_numpy()
    v = x.std(0, ddof=1) / x.mean(0)
    np.testing.assert_allclose(cv_weights(x).weight, v / v.sum(), atol=1e-14)


def test_equal_weights(panel):
    res = build(panel, method="equal")
    np.testing.assert_allclose(_inner(res, "g1"), 1 / 3)
    np.testing.assert_allclose(_outer(res), 1 / 2)


# ---------------------------------------------------------------- TOPSIS
def test_topsis_ideal_and_anti_ideal():
    frame = pd.DataFrame({
        "id": list("ABCD"), "t": 1,
        "x": [1.0, 4.0, 2.0, 3.0], "y": [10.0, 40.0, 30.0, 20.0], "z": [5.0, 1.0, 2.0, 4.0],
    })
    res = build_index("I ~ x + y - z", frame, entity="id", time="t", scoring="topsis",
                      method="equal")
    closeness = res.scores["I"].droplevel(1)
    assert closeness["B"] == pytest.approx(1.0) and closeness["A"] == pytest.approx(0.0)
    # C: x'=1/3, y'=2/3, z'=3/4 with weights 1/3 -> distances to (1,1,1) and (0,0,0)
    v = np.array([1 / 3, 2 / 3, 3 / 4]) / 3
    d_plus, d_minus = np.linalg.norm(v - 1 / 3), np.linalg.norm(v)
    assert closeness["C"] == pytest.approx(d_minus / (d_plus + d_minus), abs=1e-12)


def test_topsis_hierarchical_in_unit_interval(panel):
    s = build(panel, scoring="topsis").scores
    assert ((s >= 0) & (s <= 1)).all().all()


# ---------------------------------------------------------------- constant indicators
@pytest.mark.parametrize("method", ["entropy", "critic", "cv", "equal", "pca", "entropy_critic"])
def test_constant_indicator_gets_zero_weight_with_warning(panel, method):
    frame = panel.assign(k=3.0)
    with pytest.warns(SpecificationWarning, match="constant"):
        res = build(frame, "S ~ a + b + k", method=method)
    w = res.weights.set_index("indicator")["weight"]
    assert w["k"] == 0.0 and w.notna().all() and w.sum() == pytest.approx(1.0)
    assert np.isfinite(res.scores.to_numpy()).all()


def test_all_constant_is_an_error(panel):
    frame = panel.assign(k=3.0, m=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception, match="constant"):
            build(frame, "S ~ k + m")


# ---------------------------------------------------------------- missing values
def test_missing_error_names_cells(panel):
    frame = panel.copy()
    frame.loc[(frame["prov"] == "p03") & (frame["year"] == 2017), "b"] = np.nan
    with pytest.raises(PanelDataError, match=r"b: 1 missing: \(p03, 2017\)"):
        build(frame)


def test_missing_interpolate_linear_within_entity(panel):
    frame = panel.copy()
    rows = frame["prov"] == "p03"
    frame.loc[rows & frame["year"].isin([2017, 2018]), "b"] = np.nan
    frame.loc[rows & (frame["year"] == 2015), "d"] = np.nan  # leading gap: nearest value
    with pytest.warns(MissingValueWarning, match="Interpolated 3"):
        res = build(frame, missing="interpolate")
    filled = res.filled.set_index(["prov", "year", "indicator"])["value"]
    b16, b19 = panel.loc[rows & (panel["year"] == 2016), "b"].item(), panel.loc[
        rows & (panel["year"] == 2019), "b"].item()
    assert filled[("p03", 2017, "b")] == pytest.approx(b16 + (b19 - b16) / 3)
    assert filled[("p03", 2018, "b")] == pytest.approx(b16 + 2 * (b19 - b16) / 3)
    assert filled[("p03", 2015, "d")] == panel.loc[rows & (panel["year"] == 2016), "d"].item()
    assert len(res.scores) == len(panel)


def test_missing_drop_reports_rows(panel):
    frame = panel.copy()
    frame.loc[[3, 10], "a"] = np.nan
    with pytest.warns(MissingValueWarning, match="Dropped 2 of 72"):
        res = build(frame, missing="drop")
    assert len(res.scores) == 70 and list(res.dropped["missing"]) == ["a", "a"]


def test_interpolate_refuses_entity_with_no_observation(panel):
    frame = panel.copy()
    frame.loc[frame["prov"] == "p05", "e"] = np.nan
    with pytest.raises(PanelDataError, match="every period for prov='p05'"):
        build(frame, missing="interpolate")


# ---------------------------------------------------------------- errors
def test_unknown_column(panel):
    with pytest.raises(FormulaError, match="'bb' is not a column.*Did you mean 'b'"):
        build(panel, "S ~ g(a + bb)")


def test_empty_group(panel):
    with pytest.raises(FormulaError, match="empty"):
        build(panel, "S ~ g(a) + h()")


def test_all_missing_indicator(panel):
    with pytest.raises(PanelDataError, match="no observed value"):
        build(panel.assign(z=np.nan), "S ~ a + z", missing="interpolate")


def test_non_numeric_indicator(panel):
    with pytest.raises(PanelDataError, match="not numeric.*pd.to_numeric"):
        build(panel.assign(z="high"), "S ~ a + z")


def test_infinite_indicator(panel):
    with pytest.raises(PanelDataError, match="infinite"):
        build(panel.assign(z=np.inf), "S ~ a + z")


def test_formula_that_executes_code(panel, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UnsafeFormulaError):
        build(panel, "S ~ g(__import__('os').system('touch pwned'))")
    assert not (tmp_path / "pwned").exists()


def test_unknown_keyword_and_bad_choice(panel):
    with pytest.raises(SpecificationError, match="unknown keyword argument 'metod'"):
        build(panel, metod="critic")
    with pytest.raises(SpecificationError, match="Did you mean 'entropy'"):
        build(panel, method="entrop")
    with pytest.raises(SpecificationError, match="shift"):
        build(panel, shift=-1)
    with pytest.raises(SpecificationError, match="negative"):
        build(panel, normalize="none")


# ---------------------------------------------------------------- IndexResult
def test_result_is_immutable(panel):
    res = build(panel)
    with pytest.raises(AttributeError):
        res.spec = None  # type: ignore[misc]
    scores = res.scores
    scores.iloc[0, 0] = -99.0
    assert res.scores.iloc[0, 0] != -99.0
    with pytest.raises(TypeError):
        res.options["method"] = "pca"  # type: ignore[index]


def test_tables(panel):
    res = build(panel)
    assert list(res.scores.columns) == ["S", "g1", "g2"]
    assert res.scores.index.names == ["prov", "year"]
    expected = ["level", "group", "indicator", "direction", "entropy", "divergence",
                "criterion", "weight", "global_weight"]
    assert list(res.weights.columns) == expected
    flat = res.to_frame()
    assert list(flat.columns) == ["prov", "year", "S", "g1", "g2"]
    merged = res.to_frame(data=True)
    assert {"region", "a", "S"} <= set(merged.columns) and len(merged) == len(panel)
    assert "Composite index S" in res.summary()


def test_rank_robustness(panel):
    res = build(panel)
    same = res.rank_robustness({"same": {}})
    assert same.loc["same", "spearman"] == pytest.approx(1.0)
    table = res.rank_robustness()
    assert set(table.index) == {"critic", "cv", "equal", "pca", "entropy_critic"}
    assert ((table >= -1) & (table <= 1)).all().all()
    yearly = res.rank_robustness(["equal"], by="year")
    assert yearly.index.names == ["alternative", "year"] and len(yearly) == 6
    with pytest.raises(SpecificationError, match="Did you mean 'scoring'"):
        res.rank_robustness({"x": {"scorin": "topsis"}})


def test_plots(panel):
    res = build(panel, weights_by="year")
    ax = res.plot("trend", by="region").axes[0]
    assert len(ax.get_lines()) == 2
    ax = res.plot("weights").axes[0]
    assert len(ax.patches) == len(COLUMNS)
    with pytest.raises(SpecificationError, match="not a column"):
        res.plot("trend", by="regoin")
