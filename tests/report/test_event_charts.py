"""Event-study charts: onsets and all days in the same bins, one legend under the panels, p-values shown."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import event_study as E
from report import event_charts as C


@pytest.fixture(scope="module")
def ev():
    rng = np.random.default_rng(3)
    idx = pd.bdate_range("2010-01-01", periods=800)
    price = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(idx)))), index=idx)
    state = pd.Series((np.arange(len(idx)) // 37) % 4 == 0, index=idx)
    return E.study(state, price, n_draws=200)


def test_both_samples_share_one_set_of_bins_in_the_html(ev):
    fig = C.forward_returns_plotly(ev)
    hists = [t for t in fig.data if t.type == "histogram"]
    by_h: dict[int, list] = {}
    for t in hists:
        by_h.setdefault(t.meta["horizon"], []).append(t)
    assert sorted(by_h) == sorted(int(h) for h in ev.table.index)
    for h, (a, b) in by_h.items():
        assert a.xbins.to_plotly_json() == b.xbins.to_plotly_json() and not a.autobinx, h
        cond, uncond = C._samples(ev, h)
        assert a.xbins.start <= min(cond.min(), np.percentile(uncond, 0.5))
        assert a.xbins.end >= cond.max()
    assert sum(bool(t.showlegend) for t in hists) == 2  # one legend entry per sample, not per panel
    assert fig.layout.legend.y < 0  # under the panels, not over their titles


def test_the_p_values_are_on_the_charts(ev):
    fig = C.forward_returns_plotly(ev)
    notes = [a.text for a in fig.layout.annotations if "p mean" in (a.text or "")]
    assert len(notes) == len(ev.table)
    for h, note in zip(ev.table.index, notes, strict=True):
        assert f"p mean {ev.table.loc[h, 'pval_ret']:.2f}" in note
        assert f"p hit {ev.table.loc[h, 'pval_hit_rate']:.2f}" in note
    png = C.forward_returns_mpl(ev)
    texts = [t.get_text() for ax in png.axes for t in ax.texts]
    assert all(any(f"p mean {ev.table.loc[h, 'pval_ret']:.2f}" in t for t in texts) for h in ev.table.index)
    assert all(ax.get_legend() is None for ax in png.axes) and len(png.legends) == 1


def test_bins_are_equal_width_and_cover_every_onset():
    edges = C.bins(np.array([-9.0, 4.0]), np.linspace(-3, 3, 1000))
    assert edges[0] == -9.0 and edges[-1] == pytest.approx(4.0)
    assert np.allclose(np.diff(edges), np.diff(edges)[0])
