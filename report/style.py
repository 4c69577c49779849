"""One look for every chart of a run: colours, sizes, human labels, legends outside the data.

The PNG charts (matplotlib) and the tearsheet's sections (plotly) read their palette, the risk-off
shading, the portfolio labels and the legend placement from here, so the charts of a run look alike
and a change of style is made once. Pure constants and small helpers; matplotlib and plotly are
imported inside the helpers that need them (this module sits on every run's start-up path).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FIGSIZE = (12.0, 7.0)
DPI = 110
#: Plotly's default qualitative colours, used by both libraries (the strategy is always the first).
PALETTE = ("#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880")
SHADE_COLOR = "#d62728"
SHADE_ALPHA = 0.12
SHADE_LABEL = "risk-off (shaded)"
STATE_LABEL = "risk-off state"
ENTRY_COLOR = "#d62728"
EXIT_COLOR = "#2ca02c"
ON_COLOR = "#444444"  # a condition's "true" days in the strips
GRID_ALPHA = 0.3
PLOTLY_TEMPLATE = "plotly_white"

#: What a reader calls the portfolios and sleeves the code names (a name not here is shown as is,
#: underscores as spaces).
LABELS = {
    "strategy": "strategy",
    "sixty_forty": "60/40",
    "equity_buy_hold": "equity buy-and-hold",
    "vol_target": "vol target (10%)",
    "equity": "equity",
    "bonds": "bonds",
    "cash": "cash (T-bills)",
    "gold": "gold",
}


def label(name: object) -> str:
    """The human label of a portfolio or sleeve name.

    >>> label("sixty_forty"), label("my_bench")
    ('60/40', 'my bench')
    """
    return LABELS.get(str(name), str(name).replace("_", " "))


def color(i: int) -> str:
    """The `i`-th colour of the palette (cycling)."""
    return PALETTE[i % len(PALETTE)]


# --------------------------------------------------------------------------------------------- matplotlib


def figure(figsize: tuple[float, float] = FIGSIZE, layout: str | None = "constrained") -> Figure:
    """An empty figure on the Agg canvas (headless, safe in forked processes).

    The constrained layout (the default) makes room for legends placed outside the axes
    (`legend_outside`); ``layout=None`` for a figure that sets its own margins.
    """
    # lazy: matplotlib costs ~0.5 s at import; only drawing a chart needs it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def axes_style(ax: Axes) -> None:
    """The grid, margins and frame every panel shares."""
    ax.grid(True, which="major", alpha=GRID_ALPHA)
    ax.margins(x=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def legend_outside(ax: Axes, handles: list, *, ncol: int | None = None) -> None:
    """A frameless legend just above `ax`, outside the data, in one row when it fits."""
    if not handles:
        return
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=ncol or min(len(handles), 5),
        frameon=False,
        fontsize="small",
        borderaxespad=0.0,
    )


# ------------------------------------------------------------------------------------------------- plotly


@contextlib.contextmanager
def house_template() -> Iterator[None]:
    """Plotly figures created inside take the house template (`PLOTLY_TEMPLATE`) as their default.

    Create every figure inside it rather than setting ``layout.template``: plotly validates and
    deep-copies a template set by name (~30 ms a figure, half a second for a grid report's 17
    figures) but applies its default template unvalidated (~1 ms); the figure's JSON is the same.
    The default is swapped without `pio.templates.default`'s setter, which validates its value too
    (~40 ms) only to store the name; the public setter where that attribute is gone.
    """
    # lazy: plotly costs ~0.1 s at import; only drawing a chart needs it
    import plotly.io as pio

    templates = pio.templates
    private = hasattr(templates, "_default")
    previous = templates._default if private else templates.default
    if private:
        templates._default = PLOTLY_TEMPLATE
    else:
        templates.default = PLOTLY_TEMPLATE
    try:
        yield
    finally:
        if private:
            templates._default = previous
        else:
            templates.default = previous


def plotly_figure(data: Any = None, **subplots: Any) -> Any:
    """A plotly figure in the house template, of `data` (traces) or `make_subplots(**subplots)`."""
    # lazy: plotly costs ~0.1 s at import; only drawing a chart needs it
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    with house_template():
        return make_subplots(**subplots) if subplots else go.Figure(data)


def plotly_layout(height: int, title: str = "") -> dict[str, Any]:
    """The layout every plotly figure shares: legend above the plot area, unified hover.

    The template comes with the figure: create it with `plotly_figure`.
    """
    return {
        "title": {"text": title} if title else None,
        "height": height,
        "hovermode": "x unified",
        "margin": {"l": 60, "r": 60, "t": 80 if title else 50, "b": 40},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "colorway": list(PALETTE),
    }
