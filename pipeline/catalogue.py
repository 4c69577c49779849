"""The catalogue verdict: every signal family's default grid, tested together against the benchmarks.

``python -m analysis verdicts`` comes here. The families and their grids are config
(``conf/catalogue/default.yaml``; ``catalogue=reduced`` is the small one CI runs). For each family it runs
the grid (`pipeline.api.grid`: the grid's own SPA, StepM, deflated Sharpe and PBO against 60/40) and the
event study of its signal; then, across every configuration of every family together:

- one Hansen's SPA and one Romano-Wolf StepM against each catalogue benchmark (60/40, the volatility
  target), on the days every family covers (`analysis.search_tests.superiority`);
- Benjamini-Yekutieli q-values over every event-study p-value (families x horizons x statistics).

It prints the verdicts (`analysis.verdict.sentence`) and one table (family, best configuration, its
active Sharpe against 60/40, its Sharpe difference with the single run's interval and p-value
(`analysis.verdict.compare`, from the family grid's summary), SPA p, StepM survivors, the event
study's best q-value, PBO), writes ``catalogue.csv``, ``catalogue.json`` and ``catalogue.png`` in
``results/``, and is tracked as one MLflow parent run with a child run per family.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from analysis.event_study import PVALUES
from analysis.search_tests import Superiority, q_values, superiority
from analysis.verdict import BENCHMARK_LABELS, Verdict, sentence
from common.errors import ConfigError
from common.text import WIDTH, text_table, wrap
from core.data import load_market
from core.job import REPO_ROOT
from core.plan import make_plan
from core.simulation import benchmark_portfolios
from pipeline import api
from report.charts import save_png
from sweeps.results import GridSettings, settings
from sweeps.run import DATA, RETURNS
from tracking.lineage import run_name
from tracking.tracked import Outcome, base_tags, opened

GROUP = "catalogue"
EXPERIMENT = "wedge_grid"  # the grid settings every family's grid runs with (its params replaced)
#: What the Sharpe difference's interval and p-value are: the single run's verdict of each family's best.
INTERVAL = (
    "the family's best configuration against 60/40 over its grid's whole window, as a single run's verdict "
    "(analysis.verdict.compare, the verdict settings: its grid's best.verdict.sixty_forty.*), the search "
    "not counted"
)


def split(argv: Sequence[str]) -> list[str]:
    """The overrides with the catalogue chosen: ``catalogue=X`` as ``+catalogue=X``, else the default."""
    ovs = [f"+{a}" if a.startswith(f"{GROUP}=") else a for a in argv]
    if not any(a.startswith(f"+{GROUP}=") for a in ovs):
        ovs.insert(0, f"+{GROUP}=default")
    return ovs


def grid_overrides(family: str, params: dict[str, list]) -> list[str]:
    """The overrides that run `family`'s grid of ``strategy.signal`` values (``experiment=wedge_grid``)."""

    def value(v: Any) -> str:
        return repr(float(v)) if isinstance(v, float) else str(v)

    body = ",".join(f"{k}:[{','.join(value(v) for v in vs)}]" for k, vs in params.items())
    return [f"strategy={family}", f"grid.params={{strategy:{{signal:{{{body}}}}}}}"]


def families(cfg: DictConfig) -> dict[str, dict[str, list]]:
    """The catalogue's families and their grids (``catalogue.families``), checked.

    Raises:
        ConfigError: No family, or a family's grid that is not a mapping of value lists.
    """
    node = OmegaConf.to_container(cfg[GROUP].families, resolve=True) or {}
    if not node:
        raise ConfigError("no family to run.", key=f"{GROUP}.families", hint="name at least one preset.")
    for name, params in node.items():
        if not isinstance(params, dict) or not all(isinstance(v, list) and v for v in params.values()):
            raise ConfigError(
                f"must map each strategy.signal key to a list of values, got {params!r}.",
                key=f"{GROUP}.families.{name}",
                hint="e.g. {lookback: [126, 252], z_entry: [1.5, 2.0]}",
            )
    return node  # type: ignore[return-value]


@dataclass(frozen=True)
class Family:
    """One family's grid, as the catalogue tests it.

    Attributes:
        name: The preset.
        summary: The grid's summary (`pipeline.api.GridResult.summary`).
        table: The grid's results table.
        returns: Daily returns, days x configurations (columns in `table` order).
        dates: The grid's days.
        bench: Each benchmark's daily returns on those days.
        events: The event study's p-values: one row per horizon and statistic (``horizon``,
            ``statistic``, ``p``).
    """

    name: str
    summary: dict[str, Any]
    table: pd.DataFrame
    returns: np.ndarray
    dates: pd.DatetimeIndex
    bench: dict[str, np.ndarray]
    events: pd.DataFrame


def run_family(name: str, params: dict[str, list], overrides: list[str], folder: Path) -> Family:
    """`name`'s grid (untracked, in `folder`), its benchmarks on the grid's days and its event study."""
    ovs = [*overrides, *grid_overrides(name, params)]
    g = api.grid(EXPERIMENT, ovs, folder=folder)
    r = pd.read_parquet(g.folder / DATA / RETURNS)
    dates = pd.DatetimeIndex(r.index)
    returns = r.drop(columns="cash_return").to_numpy()
    cfg = api.compose(None, ovs, experiment=EXPERIMENT)
    portfolios = benchmark_portfolios(make_plan(cfg), load_market(cfg), dates)
    bench = {k: p.returns.to_numpy(dtype=float) for k, p in portfolios.items()}
    ev = api.event_study(name, [o for o in overrides if not o.lstrip("+~").startswith("grid.")])
    events = ev.table[list(PVALUES)].stack().rename("p").reset_index()
    events.columns = ["horizon", "statistic", "p"]
    return Family(name, g.summary, g.table, returns, dates, bench, events)


def joint(fams: list[Family], benchmark: str, opts: GridSettings) -> tuple[Superiority, list[tuple]]:
    """One SPA and StepM over every configuration of every family against `benchmark`, on common days.

    Returns:
        The test, and the (family, configuration id) of each of its columns.
    """
    common = fams[0].dates
    for f in fams[1:]:
        common = common.intersection(f.dates)
    if len(common) < 2:
        raise ConfigError("the families share no days to test together.", key="data.start")
    labels = [(f.name, int(i)) for f in fams for i in f.table.index]

    def blocks():
        for f in fams:
            rows = f.dates.get_indexer(common)
            yield f.returns[rows] - f.bench[benchmark][rows, None]

    spa = superiority(
        blocks(), reps=opts.boot_samples, block=round(opts.boot_block), seed=opts.boot_seed
    )
    return spa, labels


def best_params(f: Family) -> str:
    """The family's best configuration as ``key=value`` of its swept signal parameters."""
    row = f.table.loc[int(f.summary["best_config"])]
    keys = [c for c in f.table.columns if c.startswith("strategy.signal.") and f.table[c].nunique() > 1]
    text = " ".join(f"{k.removeprefix('strategy.signal.')}={_value(row[k])}" for k in keys)
    return text or "(one configuration)"


def _value(v: Any) -> str:
    """A grid value as config writes it: ``3`` for a whole number the results table holds as 3.0."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


#: The best's single-run verdict numbers the table shows (`analysis.verdict.Comparison.metrics`).
VERDICT_COLUMNS = ("information_ratio", "sharpe_diff_lo", "sharpe_diff_hi", "p_value")


def table(
    fams: list[Family], tests: dict[str, tuple[Superiority, list]], q: pd.DataFrame
) -> pd.DataFrame:
    """The catalogue table: one row per family (see the module docstring)."""
    rows = []
    for f in fams:
        one = {k: f.summary.get(f"best.verdict.sixty_forty.{k}", math.nan) for k in VERDICT_COLUMNS}
        row: dict[str, Any] = {
            "family": f.name,
            "configs": len(f.table),
            "best_config": int(f.summary["best_config"]),
            "best_params": best_params(f),
            "sharpe": f.summary.get("best.sharpe_excess_tbill", float("nan")),
            "sharpe_gap.sixty_forty": f.summary.get("sharpe_gap.sixty_forty", float("nan")),
            "active_sharpe.sixty_forty": one["information_ratio"],  # NaN: a best that never leaves 60/40
            "sharpe_diff_lo": one["sharpe_diff_lo"],
            "sharpe_diff_hi": one["sharpe_diff_hi"],
            "p_value.sixty_forty": one["p_value"],
            "spa_p.sixty_forty": f.summary.get("spa.sixty_forty.p_consistent", float("nan")),
        }
        for b, (spa, labels) in tests.items():
            row[f"stepm_survivors.{b}"] = sum(labels[j][0] == f.name for j in spa.survivors)
        mine = q[q["family"] == f.name]["q"]
        row["event_best_q"] = float(mine.min()) if mine.notna().any() else float("nan")
        row["pbo"] = f.summary.get("pbo", float("nan"))
        rows.append(row)
    return pd.DataFrame(rows).set_index("family")


def verdicts(fams: list[Family], tests: dict[str, tuple[Superiority, list]]) -> dict[str, Verdict]:
    """Each benchmark's catalogue verdict: its SPA's consistent p, every configuration of every family.

    The estimate is the Sharpe difference of the configuration with the highest mean active return (SPA's
    statistic) against that benchmark, from its family's results table.
    """
    out = {}
    for b, (spa, labels) in tests.items():
        fam, cid = labels[spa.best]
        f = next(x for x in fams if x.name == fam)
        col = f"vs_{b}.sharpe_diff"
        gap = float(f.table.at[cid, col]) if col in f.table.columns else float("nan")
        out[b] = Verdict(b, "Sharpe", gap, p_value=spa.p_consistent, trials=spa.trials, test=spa.test)
    return out


def render(tab: pd.DataFrame, said: dict[str, Verdict], tests: dict, n_events: int, not_run: dict) -> str:
    """The terminal summary: the verdicts first, then the table."""
    lines = [wrap(f"catalogue verdict: {sentence(v)}") for v in said.values()]
    for b, (spa, labels) in tests.items():
        ids = [f"{labels[j][0]}#{labels[j][1]}" for j in spa.survivors]
        lines.append(
            wrap(
                f"  {BENCHMARK_LABELS.get(b, b)}: SPA p {spa.p_consistent:.3f} over {spa.trials:,} "
                "configurations, "
                f"StepM survivors at {spa.size:.0%} FWER: {', '.join(ids) if ids else 'none'}"
            )
        )
    # the widest columns last: what does not fit the terminal is dropped from the right (the CSV has all)
    header = ["family", "configs", "Sharpe diff", "95% interval", "p", "SPA p", "StepM 60/40", "StepM vol",
              "event best q", "PBO", "active Sharpe", "best"]  # fmt: skip
    rows = [
        [
            name,
            f"{r['configs']}",
            _num(r["sharpe_gap.sixty_forty"], "+.2f"),
            "n/a" if not np.isfinite(r["p_value.sixty_forty"]) else f"{r['sharpe_diff_lo']:+.2f} to "
            f"{r['sharpe_diff_hi']:+.2f}",
            _num(r["p_value.sixty_forty"], ".3f"),
            _num(r["spa_p.sixty_forty"], ".3f"),
            f"{r.get('stepm_survivors.sixty_forty', 0)}",
            f"{r.get('stepm_survivors.vol_target', 0)}",
            _num(r["event_best_q"], ".3f"),
            _num(r["pbo"], ".2f"),
            _num(r["active_sharpe.sixty_forty"], "+.2f"),
            f"#{r['best_config']} {r['best_params']}",
        ]
        for name, r in tab.iterrows()
    ]
    text, dropped = text_table(header, rows, width=WIDTH)
    if dropped:
        text += f"\n({', '.join(dropped)}: in catalogue.csv, beside the table's other columns)"
    lines += [
        "",
        wrap(
            "per family (active Sharpe: the best's information ratio against 60/40; Sharpe diff: its Sharpe "
            "minus 60/40's, with the single run's 95% interval and p, the search not counted):"
        ),
        text,
    ]
    lines.append(
        wrap(f"event studies: BY q-values over {n_events} p-values (families x horizons x statistics)")
    )
    lines += [wrap(f"not run: {k}: {why}") for k, why in not_run.items()]
    return "\n".join(lines)


def _num(x: float, fmt: str) -> str:
    """A number for the table, ``n/a`` where there is none (a best identical to 60/40 has no ratio)."""
    return f"{x:{fmt}}" if np.isfinite(x) else "n/a"


def write_png(tab: pd.DataFrame, said: dict[str, Verdict], path: Path) -> Path:
    """The table as a figure, the verdicts above it."""
    # lazy: matplotlib costs ~0.5 s at import; only drawing the catalogue's PNG needs it
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: as above, after the backend is chosen


    heads = {
        "configs": "configs", "best_config": "best #", "active_sharpe.sixty_forty": "active Sharpe",
        "sharpe_gap.sixty_forty": "Sharpe diff", "sharpe_diff_lo": "95% lo", "sharpe_diff_hi": "95% hi",
        "p_value.sixty_forty": "p", "spa_p.sixty_forty": "SPA p (60/40)",
        "stepm_survivors.sixty_forty": "StepM 60/40", "stepm_survivors.vol_target": "StepM vol",
        "event_best_q": "event best q", "pbo": "PBO",
    }  # fmt: skip
    cols = [c for c in heads if c in tab.columns]
    cells = [[_num(float(v), ".3g") for v in tab.loc[i, cols]] for i in tab.index]
    fig, ax = plt.subplots(figsize=(12, 1.2 + 0.3 * len(tab)))
    ax.axis("off")
    labels = [heads[c] for c in cols]
    t = ax.table(cellText=cells, rowLabels=list(tab.index), colLabels=labels, loc="upper center")
    t.auto_set_font_size(False)
    t.set_fontsize(8)
    ax.set_title("\n".join(sentence(v) for v in said.values()), fontsize=9, loc="left")
    return save_png(fig, path)


def run(argv: Sequence[str], folder: Path | None = None, *, echo: bool = True) -> dict[str, float]:
    """``python -m analysis verdicts [overrides]``: see the module docstring.

    Returns:
        The parent run's metrics.
    """
    ovs = split(argv)
    cfg = api.compose(None, ovs, experiment=EXPERIMENT)
    fams_cfg = families(cfg)
    bench_names = [str(b) for b in cfg[GROUP].benchmarks]
    for b in bench_names:
        if b not in cfg.benchmarks:
            raise ConfigError(
                f"`{b}` is not a benchmark of this config.", key=f"{GROUP}.benchmarks",
                hint=f"one of {', '.join(cfg.benchmarks)}.",
            )  # fmt: skip
    passed = [a for a in ovs if not a.startswith(("+catalogue", "catalogue."))]
    now = _dt.datetime.now()
    folder = Path(folder) if folder else REPO_ROOT / "outputs" / "verdicts" / f"{now:%Y-%m-%d/%H-%M-%S}"
    opts = settings(cfg)

    def compute(market, results: Path) -> Outcome:
        fams = [run_family(n, p, passed, folder / "families" / n) for n, p in fams_cfg.items()]
        tests = {b: joint(fams, b, opts) for b in bench_names}
        events = pd.concat([f.events.assign(family=f.name) for f in fams], ignore_index=True)
        events["q"] = q_values(events["p"].to_numpy())
        tab = table(fams, tests, events)
        said = verdicts(fams, tests)
        results.mkdir(parents=True, exist_ok=True)
        tab.to_csv(results / "catalogue.csv")
        events.to_csv(results / "event_q_values.csv", index=False)
        doc = {
            "computed": str(_dt.date.today()),
            "data": {
                "source": market.source,
                "first": str(market.start.date()),
                "last": str(market.end.date()),
                "digest": market.digest,
            },
            "verdicts": {b: sentence(v) for b, v in said.items()},
            "joint": {
                b: {
                    "p_consistent": spa.p_consistent,
                    "p_lower": spa.p_lower,
                    "p_upper": spa.p_upper,
                    "trials": spa.trials,
                    "survivors": [list(labels[j]) for j in spa.survivors],
                    "test": spa.test,
                }
                for b, (spa, labels) in tests.items()
            },
            "sharpe_diff_interval": INTERVAL,
            "families": json.loads(tab.to_json(orient="index")),
            "event_studies": json.loads(events.to_json(orient="records")),
            "not_run": dict(cfg[GROUP].get("not_run") or {}),
        }
        (results / "catalogue.json").write_text(json.dumps(doc, indent=1))
        write_png(tab, said, results / "catalogue.png")
        metrics = {f"spa.{b}.p_consistent": spa.p_consistent for b, (spa, _) in tests.items()}
        metrics |= {f"stepm.{b}.n_survivors": float(len(spa.survivors)) for b, (spa, _) in tests.items()}
        metrics |= {"n_configs": float(sum(len(f.table) for f in fams)), "n_families": float(len(fams))}
        metrics["event_best_q"] = float(np.nanmin(events["q"])) if events["q"].notna().any() else float("nan")
        children = [
            {
                "name": name,
                "params": {"family": name, "best": r["best_params"]},
                "metrics": {k: float(v) for k, v in r.items() if isinstance(v, int | float | np.number)},
                "tags": {"mode": "catalogue_family"},
            }
            for name, r in tab.iterrows()
        ]
        text = render(tab, said, tests, len(events), doc["not_run"])
        return Outcome(metrics, text, base_tags(cfg, market) | {"mode": "catalogue"}, children)

    rerun = "python -m analysis verdicts " + " ".join(argv)
    with opened(cfg, run_name("catalogue-verdicts", list(argv)), folder, rerun) as run:
        market = load_market(cfg)  # bad data: no run is created
        run.start(market)
        return run.finish(compute(market, run.results), echo=echo)
