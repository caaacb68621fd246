"""Figures for print: every plot returns its Figure, draws into a given ``ax``, uses the print
style; horizons and years get integer ticks; 3-D density labels do not overlap; saved files are
vector or >= 300 dpi."""

from __future__ import annotations

import struct
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import stfi_models as sm  # noqa: E402
from stfi_models._plotting import (  # noqa: E402
    PRINT_STYLE,
    axes_grid,
    figure_svg,
    save_figure,
)
from stfi_models.datasets import load_abdata, load_china_provinces  # noqa: E402
from stfi_models.datasets.synthetic_mediation import simulate_mediation_panel  # noqa: E402
from stfi_models.exceptions import SpecificationError  # noqa: E402
from stfi_models.results.irf import FEVD, IRF  # noqa: E402
from stfi_models.results.stability import Stability  # noqa: E402


@pytest.fixture(scope="module")
def china():
    frame = load_china_provinces()
    return frame[frame["year"] >= 2015].dropna(subset=["rd_intensity"])


@pytest.fixture(scope="module")
def plots(china):
    """name -> (callable taking ax=, number of axes it needs, projection)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = sm.china_weights()
        density = sm.kernel_density(china, "rd_intensity", by="year", n_points=60)
        dagum = sm.dagum_gini(china, "rd_intensity", "region3", by="year")
        theil = sm.theil(china, "rd_intensity", "region3", by="year")
        sigma = sm.sigma_convergence(china, "rd_intensity")
        moran = sm.moran(china, w, "rd_intensity", id="prov_code", by="year", permutations=0)
        local = sm.local_moran(china[china["year"] == 2020], w, "rd_intensity",
                               id="prov_code", permutations=0)
        index = sm.build_index("S ~ a(rd_exp_total + patent_grant_total)", china,
                               entity="province_en", time="year", missing="interpolate")
        mediation = sm.mediate("x", "m", "y", simulate_mediation_panel(20, 5, seed=1),
                               entity="id", time="year", model="fe", bootstrap=20, seed=1,
                               progress=False)
    values = np.random.default_rng(0).normal(size=(6, 2, 2)).cumsum(axis=0)
    irf = IRF(values, ("a", "b"), "orth", ("a", "b"))
    fevd = FEVD(np.full((5, 2, 2), 0.5), ("a", "b"), ("a", "b"))
    stab = Stability.of(np.array([[[0.5, 0.1], [0.0, 0.2]]]))
    return {
        "density lines": (lambda ax: density.plot("lines", ax=ax), 1, None),
        "density ridge": (lambda ax: density.plot("ridge", ax=ax), 1, None),
        "density surface": (lambda ax: density.plot("surface", ax=ax), 1, "3d"),
        "dagum": (lambda ax: dagum.plot("shares", ax=ax), 1, None),
        "theil": (lambda ax: theil.plot("T", ax=ax), 1, None),
        "sigma": (lambda ax: sigma.plot(ax=ax), 1, None),
        "moran panel": (lambda ax: moran.plot(ax=ax), 1, None),
        "moran scatter": (lambda ax: moran[2020].plot(ax=ax), 1, None),
        "lisa": (lambda ax: local.plot(ax=ax), 1, None),
        "irf": (lambda ax: irf.plot(ax=ax), 4, None),
        "fevd": (lambda ax: fevd.plot(impulse="a", response="b", ax=ax), 1, None),
        "stability": (lambda ax: stab.plot(ax=ax), 1, None),
        "index trend": (lambda ax: index.plot("trend", by="region3", ax=ax), 1, None),
        "index weights": (lambda ax: index.plot("weights", ax=ax), 1, None),
        "mediation": (lambda ax: mediation.plot(ax=ax), 1, None),
    }


@pytest.fixture(scope="module")
def multipliers():
    res = sm.fit("n ~ L(n, 1) + w + L(w, 1) + k | gmm(n, 2:4) + iv(w, L(w, 1), k)",
                 load_abdata(), entity="id", time="year", model="diff-gmm", steps=1)
    return res.irf(periods=7)


PLOT_NAMES = ["density lines", "density ridge", "density surface", "dagum", "theil", "sigma",
              "moran panel", "moran scatter", "lisa", "irf", "fevd", "stability",
              "index trend", "index weights", "mediation"]


@pytest.mark.parametrize("name", PLOT_NAMES)
def test_every_plot_returns_its_figure_and_styles_it(plots, name):
    draw, _, _ = plots[name]
    fig = draw(None)
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    assert ax.title.get_fontsize() == PRINT_STYLE["axes.titlesize"]
    fig.canvas.draw()
    bottom = fig.axes[-1]  # shared x axes label only the bottom row
    sizes = {t.get_fontsize() for t in bottom.get_xticklabels() if t.get_text()}
    assert sizes == {PRINT_STYLE["xtick.labelsize"]}
    plt.close(fig)


@pytest.mark.parametrize("name", PLOT_NAMES)
def test_every_plot_draws_into_the_given_axes(plots, name):
    draw, n_axes, projection = plots[name]
    fig = plt.figure()
    axes = [fig.add_subplot(1, n_axes, k + 1, projection=projection) for k in range(n_axes)]
    assert draw(axes[0] if n_axes == 1 else axes) is fig
    assert len(fig.axes) == n_axes and all(ax.has_data() or ax.texts for ax in axes)
    plt.close(fig)


def test_wrong_axes_are_refused(plots):
    fig, ax = plt.subplots()
    with pytest.raises(SpecificationError, match="3d"):
        plots["density surface"][0](ax)
    with pytest.raises(SpecificationError, match="1 Axes for 2 x 2 panels"):
        plots["irf"][0](ax)
    with pytest.raises(SpecificationError, match="pass 4 Axes"):
        axes_grid([ax, ax, ax], 2, 2, (4, 4))
    plt.close(fig)


def _tick_values(ax, axis="x"):
    lo, hi = getattr(ax, f"get_{axis}lim")()
    ticks = getattr(ax, f"get_{axis}ticks")()
    return [t for t in ticks if lo - 1e-9 <= t <= hi + 1e-9]


@pytest.mark.parametrize("name", ["irf", "fevd", "dagum", "theil", "sigma", "moran panel",
                                  "index trend"])
def test_horizons_and_years_get_integer_ticks(plots, name):
    fig = plots[name][0](None)
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = _tick_values(ax)
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    plt.close(fig)


def test_multiplier_plot_has_integer_horizons_and_takes_axes(multipliers):
    fig = multipliers.plot()
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = _tick_values(ax)
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    n = len(fig.axes)
    plt.close(fig)
    fig, axes = plt.subplots(n, 1)
    assert multipliers.plot(ax=axes) is fig
    plt.close(fig)


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_3d_density_labels_do_not_overlap(china):
    """Year tick labels, the year axis label and the density label are apart ("2016year")."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        density = sm.kernel_density(load_china_provinces(), "rd_intensity", by="year")
    fig = density.plot("surface")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    ticks = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]
    assert 2 <= len(ticks) <= 6
    labels = [ax.yaxis.label, ax.xaxis.label, ax.zaxis.label]
    boxes = [lab.get_window_extent(renderer) for lab in labels]
    for i, tick in enumerate(ticks):
        assert not any(_overlap(tick, box) for box in boxes)
        assert not any(_overlap(tick, other) for other in ticks[i + 1:])
    assert not _overlap(boxes[0], boxes[1]) and not _overlap(boxes[0], boxes[2])
    plt.close(fig)


def _png_dpi(data: bytes) -> float:
    """Dots per inch from a PNG's pHYs chunk (pixels per metre)."""
    pos = data.index(b"pHYs")
    x_ppm, _, unit = struct.unpack(">IIB", data[pos + 4: pos + 13])
    assert unit == 1
    return x_ppm * 0.0254


def test_save_figure_vector_and_print_resolution(plots, tmp_path):
    fig = plots["dagum"][0](None)
    png = save_figure(fig, tmp_path / "fig.png")
    assert _png_dpi(png.read_bytes()) == pytest.approx(300, abs=0.5)
    assert save_figure(fig, tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in save_figure(fig, tmp_path / "fig.svg").read_bytes()
    assert _png_dpi(save_figure(fig, tmp_path / "hi.png", dpi=600).read_bytes()) \
        == pytest.approx(600, abs=0.5)
    assert figure_svg(fig).lstrip().startswith("<?xml")
    with pytest.raises(SpecificationError, match="at least 300"):
        save_figure(fig, tmp_path / "low.png", dpi=100)
    with pytest.raises(SpecificationError, match="Did you mean 'svg'"):
        save_figure(fig, tmp_path / "fig.sgv")
    plt.close(fig)
