"""Reproduce the published new-quality-productivity (NQP) and high-quality-development (HQD)
composites of 127ww/nqp-spatial-development from its raw indicator panel.

The documented method (the study's ``code/01_测度_CRITIC熵权法.py`` at commit e699fc8, read,
not copied) is followed step by step, with stfi-models doing the index:

1. per-capita technology-market turnover = turnover / population; per-capita telecom volume
   = telecom volume / population; energy intensity = energy use / GDP;
2. missing cells: linear interpolation within province over the years, end cells take the
   nearest observed value (``stfi_models.index.missing.interpolate_within_entity``), then any
   cell still missing (a province with no observation at all) takes the column mean;
3. min-max over the pooled panel (403 rows); entropy weights with a shift of 1e-5 inside the
   entropy only; CRITIC weights on the unshifted normalised data; combined weight = mean of
   the two (``method="entropy_critic", combine="mean", shift=1e-5``); score = weighted sum of
   the unshifted normalised indicators.  NQP: 8 positive indicators; HQD: 4 positive and 1
   negative (the study's list also names hospital beds per 10k, but under a column name the
   raw file does not have, so the study's script silently dropped it; we follow what it ran).

Known deviation of implementation detail: the study divides by (max - min + 1e-9); we divide
by (max - min).  ``study_denominator_check`` redoes step 3 with the study's denominator (using
the library's weight functions on a hand-normalised matrix) to show that this alone explains
the remaining difference.  Run ``python validation/entropy/nqp_reproduction.py`` to regenerate
``nqp_reproduction.csv`` (per-row comparison) and print the summary used in README.md.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from stfi_models.datasets import load_nqp
from stfi_models.index import build_index, critic_weights, entropy_weights
from stfi_models.index.missing import interpolate_within_entity
from stfi_models.panel import PanelData

HERE = Path(__file__).resolve().parent

#: ASCII names for the study's indicator columns (formulas need identifiers).
NQP_COLUMNS = {
    "每万人R&D人员（人年/万人）": "rd_staff_pc",
    "人均R&D经费（万元/万人）": "rd_exp_pc",
    "每万人专利授权数（件/万人）": "patents_pc",
    "人均电商销售额（亿元/万人）": "ecommerce_pc",
    "人均软件产品收入（亿元/万人）": "software_pc",
    "人均技术市场成交额（万元/万人）": "techmkt_pc",
    "人均电信业务总量（亿元/万人）": "telecom_pc",
    "数字普惠金融总指数": "dfi",
}
HQD_COLUMNS = {
    "人均地区生产总值（元）": "gdp_pc",
    "居民人均可支配收入（元）": "income_pc",
    "对外开放度（进出口/GDP）": "openness",
    "环保重视度（污染治理投资/GDP）": "env_invest",
    "单位GDP能耗（万吨标煤/亿元）": "energy_intensity",
}
NQP_FORMULA = "NQP ~ " + " + ".join(NQP_COLUMNS.values())
HQD_FORMULA = "HQD ~ gdp_pc + income_pc + openness + env_invest - energy_intensity"
PUBLISHED = {"NQP": "新质生产力_组合得分", "HQD": "高质量发展_组合得分"}


def prepared_panel() -> pd.DataFrame:
    """Steps 1-2: derived ratios, interpolation within province, column-mean fill."""
    raw = load_nqp().raw.copy()
    raw["人均技术市场成交额（万元/万人）"] = raw["技术市场成交额（万元）"] / raw["总人口（万人）"]
    raw["人均电信业务总量（亿元/万人）"] = raw["电信业务总量（亿元）"] / raw["总人口（万人）"]
    raw["单位GDP能耗（万吨标煤/亿元）"] = raw["能源消费量（万吨标煤）"] / raw["GDP（亿元）"]
    names = {**NQP_COLUMNS, **HQD_COLUMNS}
    frame = raw[["省份", "年份", *names]].rename(
        columns={**names, "省份": "province", "年份": "year"}
    )
    columns = list(names.values())
    filled, _ = _interpolate(frame, columns)
    return filled.fillna(filled[columns].mean())


def _interpolate(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    panel = PanelData(frame, "province", "year")
    # provinces with no observation at all (e.g. Tibet's energy use) are left for the mean fill
    out = panel.frame.copy()
    cells = []
    for name in columns:
        observed = out.groupby("province")[name].transform("count") > 0
        sub = PanelData(out.loc[observed, ["province", "year", name]], "province", "year")
        done, table = interpolate_within_entity(sub, [name])
        out.loc[observed, name] = done[name].to_numpy()
        cells.append(table)
    return out, pd.concat(cells, ignore_index=True)


def reproduce() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Step 3 and the comparison: per-row table and summary statistics."""
    panel = prepared_panel()
    published = load_nqp().scores.rename(columns={"省份": "province", "年份": "year"})
    published = published.set_index(["province", "year"])
    rows, summary = [], []
    for name, formula in (("NQP", NQP_FORMULA), ("HQD", HQD_FORMULA)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the prepared panel must need no filling here
            idx = build_index(formula, panel, entity="province", time="year",
                              method="entropy_critic", combine="mean", shift=1e-5)
        ours = idx.composite
        theirs = published[PUBLISHED[name]].reindex(ours.index)
        diff = ours - theirs
        rows.append(pd.DataFrame({"index": name, "ours": ours, "published": theirs, "diff": diff}))
        summary.append({
            "index": name,
            "n": int(diff.notna().sum()),
            "pearson": float(np.corrcoef(ours, theirs)[0, 1]),
            "1-pearson": float(1 - np.corrcoef(ours, theirs)[0, 1]),
            "spearman": float(ours.rank().corr(theirs.rank())),
            "max_abs_diff": float(diff.abs().max()),
            "mean_abs_diff": float(diff.abs().mean()),
        })
    return pd.concat(rows).reset_index(), pd.DataFrame(summary)


def study_denominator_check() -> dict[str, float]:
    """Max |ours - published| when min-max divides by (max - min + 1e-9) as the study does."""
    panel = prepared_panel()
    published = load_nqp().scores.rename(columns={"省份": "province", "年份": "year"})
    published = published.set_index(["province", "year"])
    gaps = {}
    for name, columns, negative in (
        ("NQP", list(NQP_COLUMNS.values()), set()),
        ("HQD", list(HQD_COLUMNS.values()), {"energy_intensity"}),
    ):
        x = panel[columns].to_numpy(dtype=float)
        lo, hi = x.min(axis=0), x.max(axis=0)
        cost = np.array([c in negative for c in columns])
        z = np.where(cost, hi - x, x - lo) / (hi - lo + 1e-9)
        w = (entropy_weights(z, 1e-5).weight + critic_weights(z).weight) / 2
        theirs = published[PUBLISHED[name]].reindex(
            pd.MultiIndex.from_frame(panel[["province", "year"]])
        )
        gaps[name] = float(np.max(np.abs(z @ w - theirs.to_numpy())))
    return gaps


if __name__ == "__main__":
    print("with the study's (max - min + 1e-9) denominator:", study_denominator_check())
    table, summary = reproduce()
    table.to_csv(HERE / "nqp_reproduction.csv", index=False, float_format="%.12g")
    with pd.option_context("display.float_format", "{:.3e}".format):
        print(summary.to_string(index=False))
