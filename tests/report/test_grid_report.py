"""grid_report.html from a real small grid: each heatmap is the results table re-sliced in plain pandas,
every pair has one, the page is self-contained (plotly.js once, no remote script), and it renders in
headless Chromium with the network off."""

from __future__ import annotations

import base64
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from plotly.offline import get_plotlyjs

import core  # noqa: F401  (registers the structured configs)
from pipeline.run import run
from report import grid_report as R
from tests.browser import chromium, dump_dom, screenshot
from tests.cli import REPO

METRIC = "sharpe_excess_tbill"
LOOKBACK, Z_ENTRY, Z_EXIT, WEIGHTS = (
    "strategy.signal.lookback",
    "strategy.signal.z_entry",
    "strategy.signal.z_exit",
    "strategy.allocation.risk_off_weights",
)
SWEPT = [LOOKBACK, Z_ENTRY, Z_EXIT, WEIGHTS]
PARAMS = {
    "strategy": {
        "signal": {
            "lookback": [63, 252],
            "z_entry": [1.0, 2.0],
            "z_exit": [0.5, 1.5],
        },  # z_exit 1.5 > 1.0: skipped
        "allocation": {
            "risk_off_weights": [{"equity": 0.2, "bonds": 0.3, "cash": 0.5}, {"bonds": 0.5, "cash": 0.5}]
        },
    }
}


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """A 16-configuration grid (4 skipped) run through `pipeline.run`: its results folder."""
    overrides = ["experiment=wedge_grid", "tracking=disabled", "grid.bootstrap.samples=200"]
    overrides += ["grid.pbo_blocks=6", "grid.walk_forward.train_days=756"]
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    cfg.grid.params = OmegaConf.create(PARAMS)
    out = tmp_path_factory.mktemp("grid")
    run(cfg, out, echo=False)
    results = out / "results"
    return (
        results,
        (results / "grid_report.html").read_text(),
        pd.read_parquet(results / "grid_results.parquet"),
    )


def plots(page: str) -> list[list[dict]]:
    """The data of each ``Plotly.newPlot(id, data, layout, config)`` call in the page, in order."""
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r"Plotly\.newPlot\(\s*", page):
        _, end = dec.raw_decode(page, m.end())  # the div's id
        data, _ = dec.raw_decode(page, page.index("[", end))
        out.append(data)
    return out


def values(v) -> np.ndarray:
    """A plotly array: a JSON list (None for null) or plotly's typed array ``{dtype, bdata, shape}``."""
    if isinstance(v, dict):
        a = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return a.reshape([int(s) for s in str(v["shape"]).split(",")]) if "shape" in v else a
    return np.array(v, dtype=float)


def expected_heatmap(table: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """Plain pandas: rows with every other parameter at the best's value, the metric by (y, x)."""
    best = table.loc[table[METRIC].idxmax()]
    keep = np.ones(len(table), dtype=bool)
    for p in SWEPT:
        if p not in (x, y):
            keep &= (table[p] == best[p]).to_numpy()
    cells = {(r[y], r[x]): r[METRIC] for _, r in table[keep].iterrows()}
    ys = sorted(set(table[y])) if y != WEIGHTS else list(dict.fromkeys(table[y]))
    xs = sorted(set(table[x])) if x != WEIGHTS else list(dict.fromkeys(table[x]))
    return pd.DataFrame([[cells.get((a, b), np.nan) for b in xs] for a in ys], index=ys, columns=xs)


def test_every_pair_has_a_heatmap_equal_to_the_table_resliced(grid):
    _, page, table = grid
    assert len(table) == 12  # 16 less the 4 with z_exit 1.5 above z_entry 1.0
    heat = [t for data in plots(page) for t in data if t["type"] == "heatmap"]
    pairs = {(t["meta"]["x"], t["meta"]["y"]): t for t in heat}
    assert len(heat) == len(pairs) == 6
    assert set(pairs) == set(itertools.combinations(SWEPT, 2))
    blanks = 0
    for (x, y), t in pairs.items():
        want = expected_heatmap(table, x, y)
        assert t["meta"]["x_values"] == want.columns.tolist() and t["meta"]["y_values"] == want.index.tolist()
        np.testing.assert_allclose(values(t["z"]), want.to_numpy(), rtol=1e-12, equal_nan=True)
        blanks += int(want.isna().sum().sum())
    assert blanks == 1  # z_exit 1.5 with z_entry 1.0 (the other parameters at the best's values)
    z = pairs[(Z_ENTRY, Z_EXIT)]
    row, col = z["meta"]["y_values"].index(1.5), z["meta"]["x_values"].index(1.0)
    assert values(z["z"])[row, col] != values(z["z"])[row, col] and z["text"][row][col] == ""


def test_each_parameter_has_a_sensitivity_plot_of_best_and_median(grid):
    _, page, table = grid
    lines = [t for data in plots(page) for t in data if (t.get("meta") or {}).get("stat")]
    by = {(t["meta"]["param"], t["meta"]["stat"]): t for t in lines}
    assert set(by) == {(p, s) for p in SWEPT for s in ("best", "median")}
    for p in SWEPT:
        for stat, fn in (("best", np.max), ("median", np.median)):
            t = by[(p, stat)]
            want = [fn(table.loc[table[p] == v, METRIC].to_numpy()) for v in t["meta"]["values"]]
            assert sorted(map(str, t["meta"]["values"])) == sorted(map(str, set(table[p])))
            np.testing.assert_allclose(values(t["y"]), want, rtol=1e-12)


def test_walk_forward_line_and_statistics(grid):
    results, page, _ = grid
    eq = {t["name"]: t for data in plots(page) for t in data if t["type"] == "scatter" and "meta" not in t}
    wf = pd.read_parquet(results / "walk_forward_returns.parquet")["walk_forward"]
    line = eq["walk-forward (out of sample)"]
    np.testing.assert_allclose(values(line["y"]), np.cumprod(1 + wf.to_numpy()), rtol=1e-12)
    assert "60/40" in eq and len(values(eq["60/40"]["y"])) == len(wf)
    assert any(n.startswith("in-sample best, config ") for n in eq)
    summary = json.loads((results / "summary.json").read_text())
    for key in ("deflated_sharpe", "pbo"):
        assert f"{summary[key]:.3f}" in page
    assert f"[{summary['bootstrap_sharpe_lo']:.2f}, {summary['bootstrap_sharpe_hi']:.2f}]" in page
    assert [t["type"] for data in plots(page) for t in data].count("histogram") == 1  # PBO logits


def test_the_page_is_self_contained_with_plotly_js_once(grid):
    results, page, _ = grid
    js = get_plotlyjs()
    assert page.count(js) == 1 and page.count("* plotly.js v") == 1  # plotly.js inlined, once
    rest = page.replace(js, "")
    assert not re.search(r"<script[^>]*\bsrc\s*=", rest) and not re.search(r"https?://", rest)
    assert rest.count("<script") == len(plots(page)) + 1  # plotly.js, then one per figure
    assert (results / "grid_report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_one_swept_parameter_has_no_heatmap_but_a_sensitivity_plot(grid):
    _, _, table = grid
    best = table.loc[table[METRIC].idxmax()]
    one = table[(table[[Z_ENTRY, Z_EXIT, WEIGHTS]] == best[[Z_ENTRY, Z_EXIT, WEIGHTS]]).all(axis=1)]
    view = R.GridView(
        one, [LOOKBACK], METRIC, best.name, pd.DataFrame(), pd.DataFrame(),
        pd.DataFrame(columns=["value", "meaning"]), None, "one parameter",
    )  # fmt: skip
    page = R.page(view)
    assert "one swept parameter (lookback): no pair to draw a heatmap of" in page
    kinds = [t["type"] for data in plots(page) for t in data]
    assert "heatmap" not in kinds and kinds.count("scatter") == 3  # best, median, the best's star


def test_the_page_renders_offline_in_headless_chromium(grid, tmp_path):
    chromium()  # skips, or fails in CI, without the browser
    results, page, _ = grid
    flags = ("--proxy-server=127.0.0.1:9", "--window-size=1400,3200")  # no network; a tall page
    url = (results / "grid_report.html").as_uri()
    dom = dump_dom(url, tmp_path / "dom", *flags, timeout=180)
    n = len(plots(page))  # 6 heatmaps, 4 sensitivity plots, the equity chart, the logits' histogram
    assert n == 12
    assert dom.count('class="plot-container plotly"') == n  # plotly drew every figure ...
    assert dom.count("main-svg") >= n  # ... into its SVG
    screenshot(url, tmp_path / "shot", "grid_report.png", *flags, timeout=180)


def test_heatmap_frame_is_the_pivot_of_the_rows_at_the_best_and_refuses_shared_cells():
    rng = np.random.default_rng(5)
    grid = list(itertools.product([1.0, 2.0, 3.0], [10, 20], ['{"a": 1}', '{"a": 2}'], [None, "x"]))
    table = pd.DataFrame(grid, columns=["p.x", "p.y", "p.w", "p.o"]).drop(index=[4])  # one cell empty
    table["sharpe"] = rng.standard_normal(len(table))
    best = int(table.index[7])
    params = ["p.x", "p.y", "p.w", "p.o"]
    got = R.heatmap_frame(table, "p.x", "p.y", "sharpe", best, params)
    at = table.loc[best]
    assert pd.isna(at["p.o"])  # the best has no overlay: its peers are the rows without one
    rows = table[(table["p.w"] == at["p.w"]) & table["p.o"].isna()]
    want = rows.pivot(index="p.y", columns="p.x", values="sharpe")
    want = want.reindex(index=[10, 20], columns=[1.0, 2.0, 3.0])
    assert want.isna().sum().sum() == 1  # the dropped configuration's cell
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    with pytest.raises(ValueError, match="share a cell"):
        R.heatmap_frame(table, "p.x", "p.y", "sharpe", best, ["p.x", "p.y", "p.w"])  # p.o left out


def _png_view(grid, metric: str = METRIC) -> R.GridView:
    table = grid[2]
    return R.GridView(
        table=table,
        params=SWEPT,
        metric=metric,
        best=table[metric].idxmax(),
        equity=pd.DataFrame(),
        windows=pd.DataFrame(),
        stats=pd.DataFrame(),
        logits=None,
        title="wedge grid",
    )


def _pixels(path: Path) -> np.ndarray:
    from matplotlib.image import imread

    return imread(path)


def test_a_prepared_png_scaffold_gives_the_same_pixels_and_a_stale_one_is_not_used(grid, tmp_path):
    view = _png_view(grid)
    fresh = _pixels(R.write_png(view, tmp_path / "fresh.png"))
    R.prepare_png(view.table[SWEPT], SWEPT, METRIC, "wedge grid")  # from the parameter columns alone
    assert np.array_equal(_pixels(R.write_png(view, tmp_path / "prepared.png")), fresh)
    assert not R._PREPARED  # used once
    other = _png_view(grid, "cagr")
    R.prepare_png(view.table[SWEPT], SWEPT, METRIC, "wedge grid")  # prepared for another metric
    assert np.array_equal(
        _pixels(R.write_png(other, tmp_path / "other.png")), _pixels(R.write_png(other, tmp_path / "b.png"))
    )
    assert not np.array_equal(_pixels(tmp_path / "other.png"), fresh)


def layouts(page: str) -> list[dict]:
    """The layout of each ``Plotly.newPlot(id, data, layout, config)`` call in the page, in order."""
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r"Plotly\.newPlot\(\s*", page):
        _, end = dec.raw_decode(page, m.end())
        _, end = dec.raw_decode(page, page.index("[", end))
        layout, _ = dec.raw_decode(page, page.index("{", end))
        out.append(layout)
    return out


def test_heatmaps_share_one_colour_scale_centred_on_sixty_forty_and_sensitivity_draws_it(grid):
    results, page, table = grid
    summary = json.loads((results / "summary.json").read_text())
    sixty = summary["sixty_forty.sharpe_excess_tbill"]  # the benchmark's own run on the grid's days
    heat = [t for data in plots(page) for t in data if t["type"] == "heatmap"]
    assert len(heat) == 6
    assert len({(t["zmin"], t["zmax"]) for t in heat}) == 1  # one scale across every pair
    lo, hi = heat[0]["zmin"], heat[0]["zmax"]
    assert (lo + hi) / 2 == pytest.approx(sixty, abs=1e-9)  # centred on 60/40
    assert lo <= table[METRIC].min() + 1e-12 and hi >= table[METRIC].max() - 1e-12
    assert all("60/40" in t["colorbar"]["title"]["text"] for t in heat)
    sens = [
        lay
        for lay, data in zip(layouts(page), plots(page), strict=True)
        if any((t.get("meta") or {}).get("stat") for t in data)
    ]
    assert len(sens) == len(SWEPT)
    for lay in sens:
        (line,) = [s for s in lay["shapes"] if s.get("type") == "line"]
        assert line["y0"] == pytest.approx(sixty, abs=1e-9)
