"""The run's tearsheet: one self-contained page with every section, plotly.js inlined once, numbers equal to
the run's metrics, a run folder under 10 MB, and a real headless Chromium drawing it with the network off."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from plotly.offline import get_plotlyjs

from backtest.metrics import METRICS
from report import tearsheet
from tests.browser import chromium, dump_dom, screenshot

BANNER = get_plotlyjs()[:40]  # "/**\n* plotly.js v4.1.1\n* Copyright ..."
MAX_RUN_BYTES = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A default backtest on the bundled data, written as run.py writes its run folder."""
    from pipeline import api

    result = api.backtest("move_vix_wedge")
    folder = result.save(tmp_path_factory.mktemp("run"))
    return result, folder


def page_of(saved) -> str:
    return (saved[1] / "report.html").read_text(encoding="utf-8")


def section(page: str, key: str) -> str:
    start = page.index(f'<section id="{key}">')
    return page[start : page.index("</section>", start)]


def test_one_page_every_section_plotly_inlined_once_nothing_from_the_network(saved):
    page = page_of(saved)
    for key in tearsheet.SECTIONS:
        assert page.count(f'<section id="{key}">') == 1, key
    assert page.count(BANNER) == 1  # inlined once for the whole page, not once per figure
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", page)
    # equity, strategy minus 60/40, signal, allocation, monthly, Sharpe, events
    assert page.count('class="plotly-graph-div"') == 7
    folder = saved[1]
    assert [p.name for p in folder.glob("*.html")] == ["report.html"]  # the per-chart pages are gone


def test_the_headline_is_the_terminal_table_in_percent(saved):
    result, _ = saved
    head = section(page_of(saved), "headline")
    stats = result.stats
    for metric, portfolio in (
        ("cagr", "strategy"),
        ("max_drawdown", "sixty_forty"),
        ("volatility", "vol_target"),
    ):
        value = stats.loc[metric, portfolio]
        assert f"<td>{value * 100:.2f}%</td>" in head, (metric, portfolio)
    sharpe = stats.loc["sharpe_excess_tbill", "strategy"]
    assert f"<td>{sharpe:.2f}</td>" in head
    assert "<th>60/40</th>" in head and "sixty_forty" not in head  # human labels
    assert f"<th>{METRICS['cagr'].label}</th>" in head


def test_drawdowns_regimes_events_and_lineage_carry_the_runs_numbers(saved):
    result, _ = saved
    page = page_of(saved)
    worst = result.run.strategy.metrics["max_drawdown"]
    rows = re.findall(r"<tr><th>(\d)</th><td>([-\d.]+)%</td>", section(page, "drawdowns"))
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5"]
    assert float(rows[0][1]) == pytest.approx(worst * 100, abs=0.006)  # the worst is the max drawdown
    depths = [float(r[1]) for r in rows]
    assert depths == sorted(depths)
    regimes = section(page, "regimes")
    assert "strategy, after a risk-off close" in regimes and "60/40, after a risk-on close" in regimes
    events = section(page, "event-study")
    table = result.event_study.table
    assert f"<td>{table.loc[60, 'pval_ret']:.3f}</td>" in events  # the p-value, as the terminal has it
    lineage = section(page, "lineage")
    assert result.run.market.digest in lineage
    assert "python run.py strategy=move_vix_wedge" in lineage
    assert re.search(r"<code>[0-9a-f]{40}</code>", lineage)  # the commit


def test_the_signal_section_shows_thresholds_and_every_condition(saved):
    # plotly's JSON escapes some characters (<) or every non-ASCII one (≥ since plotly 7.1): read them back
    signal = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), section(page_of(saved), "signal"))
    for text in (
        "entry (≥ 1.50)",
        "exit (< 0.50)",
        "MOVE above its level 20 days ago",
        "VIX < 20",
        "risk-off state",
    ):
        assert text in signal, text


def test_a_run_folder_stays_under_10_mb_and_has_the_png_twin(saved):
    folder = saved[1]
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    assert total <= MAX_RUN_BYTES, f"{total / 1e6:.1f} MB"
    with Image.open(folder / "report.png") as im:
        assert im.size[0] == 1320 and im.size[1] > 2000  # the multi-panel twin


def test_cdn_is_an_explicit_opt_in_with_one_script_tag(saved):
    from single import outputs

    sheet = outputs.tearsheet_of(saved[0].run)
    page = tearsheet.page(sheet, plotlyjs="cdn")
    assert BANNER not in page
    assert len(re.findall(r'<script[^>]* src="https://cdn\.plot\.ly/', page)) == 1
    with pytest.raises(ValueError, match="`plotlyjs` must be one of inline, cdn, shared"):
        tearsheet.page(sheet, plotlyjs="true")


def test_shared_writes_plotly_js_once_per_tree_and_each_page_links_it_relatively(saved, tmp_path):
    from plotly.offline import get_plotlyjs_version

    from single import outputs

    sheet = outputs.tearsheet_of(saved[0].run)
    pages = [tmp_path / job / "results" / "report.html" for job in ("0", "1")]  # a sweep's two jobs
    for path in pages:
        tearsheet.html_file(sheet, path, plotlyjs="shared", tree=tmp_path)
    js = tmp_path / f"plotly-{get_plotlyjs_version()}.min.js"
    assert [p.name for p in tmp_path.rglob("*.js")] == [js.name]  # one copy for the tree
    assert js.read_text(encoding="utf-8") == get_plotlyjs()
    inline = len(tearsheet.page(sheet).encode("utf-8"))
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert BANNER not in page
        srcs = re.findall(r'<script[^>]* src="([^"]+)"', page)
        assert srcs == [f"../../{js.name}"]  # once, relative: the tree can move or be copied whole
        assert (path.parent / srcs[0]).resolve() == js.resolve()
        assert len(page.encode("utf-8")) < inline - len(get_plotlyjs()) // 2
    before = js.stat().st_mtime_ns
    tearsheet.html_file(sheet, pages[0], plotlyjs="shared", tree=tmp_path)
    assert js.stat().st_mtime_ns == before  # an existing copy is kept, not rewritten
    alone = tmp_path / "run" / "report.html"  # no tree given: the page's own folder
    tearsheet.html_file(sheet, alone, plotlyjs="shared")
    assert re.findall(r'<script[^>]* src="([^"]+)"', alone.read_text()) == [js.name]
    assert (alone.parent / js.name).is_file()
    with pytest.raises(ValueError, match="`src`"):
        tearsheet.page(sheet, plotlyjs="shared")
    with pytest.raises(ValueError, match="`src`"):
        tearsheet.page(sheet, plotlyjs="inline", src="plotly.js")


def test_the_page_renders_offline_in_headless_chromium(saved, tmp_path):
    chromium()  # skips, or fails in CI, without the browser
    url = (saved[1] / "report.html").as_uri()
    flags = (
        "--proxy-server=127.0.0.1:9",  # the network is off: any http(s) request goes nowhere
        "--proxy-bypass-list=<-loopback>",
        "--window-size=1400,6000",
        "--virtual-time-budget=20000",
    )
    dom = dump_dom(url, tmp_path / "dom", *flags, timeout=240)
    for key in tearsheet.SECTIONS:
        assert f'id="{key}"' in dom, key
    # plotly drew: each figure's <svg class="main-svg"> exists only once plotly.js ran
    drawn = re.findall(r'<div id="fig-([\w-]+)"[^>]*class="plotly-graph-div[^"]*js-plotly-plot', dom)
    assert sorted(drawn) == sorted(
        ["equity", "active", "signal", "allocation", "monthly", "rolling-sharpe", "event-study"]
    )
    assert dom.count('class="main-svg"') >= 12  # plotly draws two layers per figure
    shot = screenshot(url, tmp_path / "shot", "tearsheet.png", *flags, timeout=240)
    with Image.open(shot) as im:
        assert im.size == (1400, 6000)
        colours = len(set(im.convert("RGB").resize((140, 600)).getdata()))
    assert colours > 200  # charts, not a blank page


def test_a_shared_page_renders_offline_beside_its_tree_in_headless_chromium(saved, tmp_path):
    chromium()
    from single import outputs

    sheet = outputs.tearsheet_of(saved[0].run)
    path = tmp_path / "3" / "results" / "report.html"
    page = tearsheet.html_file(sheet, path, plotlyjs="shared", tree=tmp_path)
    flags = ("--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--virtual-time-budget=20000")
    dom = dump_dom(page.as_uri(), tmp_path / "dom", *flags, timeout=240)
    drawn = re.findall(r'<div id="fig-([\w-]+)"[^>]*class="plotly-graph-div[^"]*js-plotly-plot', dom)
    assert len(drawn) == 7 and dom.count('class="main-svg"') >= 12  # plotly.js loaded from ../../
