"""Compare runs from the tracking store: filter, sort by a metric, print a table, chart equity curves.

Everything is read with `mlflow.search_runs` and the runs' own ``daily.csv`` artifacts: no storage of
its own. `python -m tracking compare --help` is the command line.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from backtest.metrics import (
    METRICS,
    benchmark_label,
    column_label,
    describe,
    main_benchmark,
    ordered_keys,
    short_keys,
)
from common.errors import ConfigError, did_you_mean
from common.text import WIDTH, short_names, text_table
from report.charts import equity_drawdown_png
from tracking.headline import benchmarks
from tracking.sweep import PARENT_TAG, plain_columns

SHOWN_METRICS = ("sharpe_excess_tbill", "cagr", "max_drawdown", "calmar", "time_in_risk_off")
MAX_VARYING_PARAMS = 5


@dataclass
class Query:
    """What to compare.

    Attributes:
        experiment: Experiment name.
        strategy: Keep runs of this strategy (the ``strategy`` tag).
        params: ``key=value`` pairs the runs' params must equal (flattened config keys).
        tags: ``key=value`` pairs the runs' tags must equal.
        sweep: A sweep's parent run id, or ``latest``: keep that sweep's child runs.
        sort: The metric to sort by.
        ascending: Sort ascending (default: best, i.e. largest, first).
        limit: How many runs to show and chart.
        all_statuses: Also show FAILED and RUNNING runs.
    """

    experiment: str = "regime-backtest"
    strategy: str | None = None
    params: Sequence[str] = field(default_factory=list)
    tags: Sequence[str] = field(default_factory=list)
    sweep: str | None = None
    sort: str = "sharpe_excess_tbill"
    ascending: bool = False
    limit: int = 10
    all_statuses: bool = False


def _pairs(items: Sequence[str], key: str) -> list[tuple[str, str]]:
    out = []
    for item in items:
        k, sep, v = item.partition("=")
        if not sep or not k:
            raise ConfigError(
                f"`{item}` is not `key=value`.", key=key, hint=f"e.g. {key} strategy.signal.z_entry=1.5"
            )
        out.append((k.strip(), v.strip()))
    return out


def _quote(value: str) -> str:
    return value.replace("'", "\\'")


def filter_string(q: Query, parent_run_id: str | None) -> str:
    """The `search_runs` filter for a query.

    >>> filter_string(Query(strategy="sixty_forty", params=["backtest.lag=2"]), None)
    "attributes.status = 'FINISHED' AND tags.`strategy` = 'sixty_forty' AND params.`backtest.lag` = '2'"
    """
    parts = [] if q.all_statuses else ["attributes.status = 'FINISHED'"]
    if q.strategy:
        parts.append(f"tags.`strategy` = '{_quote(q.strategy)}'")
    parts += [f"params.`{k}` = '{_quote(v)}'" for k, v in _pairs(q.params, "--param")]
    parts += [f"tags.`{k}` = '{_quote(v)}'" for k, v in _pairs(q.tags, "--tag")]
    if parent_run_id:
        parts.append(f"tags.`mlflow.parentRunId` = '{parent_run_id}'")
    return " AND ".join(parts)


def experiment_id(name: str) -> str:
    """The id of experiment `name` in the current store; a ConfigError listing the available ones."""
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    exp = mlflow.get_experiment_by_name(name)
    if exp is None:
        names = sorted(e.name for e in mlflow.search_experiments())
        raise ConfigError(
            f"there is no experiment `{name}` in the tracking store.{did_you_mean(name, names)}",
            key="--experiment",
            hint=f"available: {', '.join(names) or '(none: log a run first)'}",
        )
    return exp.experiment_id


def latest_sweep(exp_id: str) -> str:
    """The run id of the most recent sweep's parent run."""
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    df = mlflow.search_runs(
        experiment_ids=[exp_id],
        filter_string=f"tags.`{PARENT_TAG}` = 'parent'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if df.empty:
        raise ConfigError(
            "there is no sweep in this experiment.", key="--sweep", hint="run one with `python run.py -m ...`"
        )
    return str(df["run_id"].iloc[0])


def check_known(exp_id: str, q: Query) -> None:
    """A ConfigError, listing what exists, for a strategy, param or tag key, or sweep no run has.

    Called when a query matches nothing: a typo should not read as "no runs match".
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    df = mlflow.search_runs(experiment_ids=[exp_id], max_results=50_000)
    if q.strategy:
        known = sorted(set(df.get("tags.strategy", pd.Series(dtype=object)).dropna()))
        if q.strategy not in known:
            raise ConfigError(
                f"no run of this experiment has strategy `{q.strategy}`.{did_you_mean(q.strategy, known)}",
                key="--strategy",
                hint=f"available: {', '.join(known) or '(none: log a run first)'}",
            )
    for flag, prefix, items in (("--param", "params.", q.params), ("--tag", "tags.", q.tags)):
        known = sorted(c.removeprefix(prefix) for c in df.columns if c.startswith(prefix))
        for k, _ in _pairs(items, flag):
            if k not in known:
                raise ConfigError(
                    f"no run of this experiment has a {flag[2:]} `{k}`.{did_you_mean(k, known)}",
                    key=flag,
                    hint=f"e.g. {flag} {known[0] if known else 'strategy.signal.z_entry'}=<value>; "
                    f"{len(known)} {flag[2:]}s are logged (python -m tracking compare --wide shows them)",
                )
    if q.sweep and q.sweep != "latest":
        parents = set(df.get("tags.mlflow.parentRunId", pd.Series(dtype=object)).dropna())
        if f"tags.{PARENT_TAG}" in df.columns:
            parents |= set(df.loc[df[f"tags.{PARENT_TAG}"] == "parent", "run_id"])
        names = df.set_index("run_id").get("tags.mlflow.runName", pd.Series(dtype=object))
        if q.sweep not in parents:
            shown = ", ".join(f"{p} ({names.get(p, '')})" for p in sorted(parents))
            raise ConfigError(
                f"`{q.sweep}` is not the run id of a sweep in this experiment."
                + did_you_mean(q.sweep, parents),
                key="--sweep",
                hint=f"use `latest` or one of: {shown or '(none: run one with python run.py -m ...)'}",
            )


def available_metrics(exp_id: str) -> list[str]:
    """Metric names logged by runs of the experiment (from its latest 500 runs)."""
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    df = mlflow.search_runs(experiment_ids=[exp_id], max_results=500)
    return sorted(c.removeprefix("metrics.") for c in df.columns if c.startswith("metrics."))


def select(q: Query) -> pd.DataFrame:
    """The runs matching `q`, sorted by its metric, at most ``q.limit`` of them (sweep parents left out).

    Raises:
        ConfigError: Unknown experiment or metric (listing the available ones), malformed filters.
    """
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    exp_id = experiment_id(q.experiment)
    parent = latest_sweep(exp_id) if q.sweep == "latest" else q.sweep
    df = mlflow.search_runs(
        experiment_ids=[exp_id], filter_string=filter_string(q, parent), max_results=50_000
    )
    if f"metrics.{q.sort}" not in df.columns:
        metrics = available_metrics(exp_id)
        if q.sort not in metrics or not df.empty:
            raise ConfigError(
                f"no run has a metric `{q.sort}`.{did_you_mean(q.sort, metrics)}",
                key="--sort",
                hint=f"available: {', '.join(metrics) or '(none)'}",
            )
    if df.empty:
        check_known(exp_id, q)
        return plain_columns(df)
    if f"tags.{PARENT_TAG}" in df.columns:
        df = df[df[f"tags.{PARENT_TAG}"].fillna("") != "parent"]
    df = with_parents_benchmarks(df)
    df = df[~grid_parents(df)]  # a grid's summary run: its configurations are its children
    df = df.sort_values(f"metrics.{q.sort}", ascending=q.ascending, na_position="last", kind="stable")
    out = plain_columns(df.head(q.limit)).reset_index(drop=True)
    out["start_time"] = df.head(q.limit)["start_time"].dt.strftime("%Y-%m-%d %H:%M").to_numpy()
    out["strategy"] = (
        df.head(q.limit).get("tags.strategy", pd.Series(index=df.index, dtype=object)).to_numpy()
    )
    return out


def grid_parents(df: pd.DataFrame) -> pd.Series:
    """Which `search_runs` rows are a grid's parent run (``mode=grid``, no parent of its own)."""
    mode = df.get("tags.mode", pd.Series("", index=df.index)).fillna("")
    parent = df.get("tags.mlflow.parentRunId", pd.Series(None, index=df.index, dtype=object))
    return (mode == "grid") & parent.isna()


def with_parents_benchmarks(df: pd.DataFrame) -> pd.DataFrame:
    """A grid's children with their parent's benchmark metrics (``sixty_forty.sharpe_excess_tbill``, ...).

    A grid logs the benchmarks once, on its parent: its children ran on the same days and costs. The
    table's 60/40 row (the one to beat) is read from them.
    """
    parents = df[grid_parents(df)].set_index("run_id")
    if parents.empty or "tags.mlflow.parentRunId" not in df.columns:
        return df
    df = df.copy()
    of = df["tags.mlflow.parentRunId"]
    for col in df.columns:
        if col.startswith("metrics.") and _benchmark_metric(col.removeprefix("metrics.")):
            df[col] = df[col].fillna(of.map(parents[col]))
    return df


def varying_params(
    runs: pd.DataFrame, metrics: Sequence[str], limit: int | None = MAX_VARYING_PARAMS
) -> list[str]:
    """Parameters (config keys) whose values differ between the selected runs, at most `limit`."""
    skip = {"run_id", "run_name", "status", "start_time", "strategy", *metrics}
    cols = [c for c in runs.columns if c not in skip and "." in c and runs[c].astype(str).nunique() > 1]
    cols = [c for c in cols if not pd.api.types.is_float_dtype(runs[c])]  # params are strings; metrics floats
    cols = [c for c in cols if describe(c) is None and not _benchmark_metric(c)]
    return cols[:limit]


def distinct_names(names: Sequence[str]) -> list[str]:
    """Each run's name without the words every name shares, so a name cut to its column keeps what differs.

    A grid's children are named by all their parameters; cut to the name column's width, rows that
    differ only in the last ones looked identical. A name left empty keeps its words.

    >>> distinct_names(["lookback=63 z_entry=2.0 z_exit=0.5", "lookback=252 z_entry=2.0 z_exit=0.5"])
    ['lookback=63', 'lookback=252']
    >>> distinct_names(["move_vix_wedge", "sixty_forty"])
    ['move_vix_wedge', 'sixty_forty']
    >>> distinct_names(["move_vix_wedge", "move_vix_wedge"])  # nothing tells them apart: kept whole
    ['move_vix_wedge', 'move_vix_wedge']
    """
    words = [str(n).split() for n in names]
    if len(words) < 2:
        return [str(n) for n in names]
    shared = set.intersection(*(set(w) for w in words))
    return [" ".join(x for x in w if x not in shared) or str(n) for w, n in zip(words, names, strict=True)]


def _benchmark_metric(key: str) -> bool:
    """``sixty_forty.cagr``: a benchmark's own metric (a float column, not a parameter)."""
    bench, _, name = key.rpartition(".")
    return bool(bench) and "." not in bench and name in METRICS


def table(runs: pd.DataFrame, sort: str) -> pd.DataFrame:
    """The table for ``--csv``: short run id, name, strategy, start time, varying params, main metrics."""
    metrics = [m for m in dict.fromkeys([sort, *SHOWN_METRICS]) if m in runs.columns]
    cols = ["run_id", "run_name", "strategy", "start_time", *varying_params(runs, metrics), *metrics]
    out = runs.reindex(columns=cols).copy()
    out["run_id"] = out["run_id"].str[:8]
    return out


def _metric_keys(runs: pd.DataFrame) -> list[str]:
    """The strategy's metrics and its metrics against each benchmark among the runs' columns."""
    return [c for c in runs.columns if describe(c) is not None and runs[c].notna().any()]


def benchmark_rows(runs: pd.DataFrame, bench: str, metrics: Sequence[str]) -> list[tuple[str, pd.Series]]:
    """A benchmark's own logged metrics (``<bench>.<metric>``), one row per distinct set among the runs.

    Runs on the same days and costs log the same benchmark numbers: one row, named by the benchmark.
    Runs on different days give one row each set, named by the benchmark and the first such run.
    """
    cols = {m: f"{bench}.{m}" for m in metrics if not m.startswith("vs_") and f"{bench}.{m}" in runs}
    if not cols:
        return []
    values = runs[list(cols.values())].rename(columns={v: k for k, v in cols.items()})
    values = values[values.notna().any(axis=1)]
    distinct = values.round(12).drop_duplicates()
    label = benchmark_label(bench)
    if len(distinct) == 1:
        return [(label, values.loc[distinct.index[0]])]
    return [(f"{label} [{runs.at[i, 'run_id'][:8]}]", values.loc[i]) for i in distinct.index]


def text(runs: pd.DataFrame, sort: str, *, wide: bool = False) -> str:
    """The printed table: the runs, best first, then each benchmark's row to beat.

    Short (default): run id, name (it says the run's overrides), `sort` and the
    `backtest.metrics.SHORT_TABLE` metrics against the main benchmark, named (``vs 60/40: ΔSharpe``),
    then the parameters that differ (short names), fitted to `common.text.WIDTH` columns, and the main
    benchmark's row; ``wide``: every metric logged, the strategy and start time, a row per benchmark.
    Metrics are formatted by the registry (percent for fractions).
    """
    keys = ordered_keys(_metric_keys(runs))
    metrics = list(dict.fromkeys([sort, *keys])) if wide else short_keys(keys, first=sort)
    params = [p for p in varying_params(runs, keys, limit=None) if p != "strategy.name"]  # its own column
    names = short_names(params)
    extra = ["strategy", "start_time"] if wide else ["strategy"] if runs["strategy"].nunique() > 1 else []
    # the name says the overrides: the parameters come after the metrics, dropped first to fit
    header = ["run", "name", *extra, *map(column_label, metrics), *(names[p] for p in params)]
    shown_names = distinct_names(runs["run_name"].astype(str).tolist())
    rows = [
        [
            str(r["run_id"])[:8],
            shown_names[i],
            *(str(r[c]) for c in extra),
            *(_format(m, r[m]) for m in metrics),
            *("" if pd.isna(r[p]) else str(r[p]) for p in params),
        ]
        for i, (_, r) in enumerate(runs.iterrows())
    ]
    shown = benchmarks(dict.fromkeys(runs.columns))
    main = main_benchmark(keys)
    shown = shown if wide else [b for b in shown if b == main][:1]
    for bench in shown:
        rows += [
            [label, "", *([""] * len(extra)), *(_format(m, v[m]) if m in v else "" for m in metrics)]
            + [""] * len(params)
            for label, v in benchmark_rows(runs, bench, metrics)
        ]
    out, dropped = text_table(header, rows, width=None if wide else WIDTH, left=2, rule_before=len(runs))
    if not wide:
        more = f"{', '.join(dropped)} and every other metric" if dropped else "every metric"
        out += f"\n({more}: --wide)"
    return out


def _format(key: str, value: object) -> str:
    """A metric's cell by the registry; one it does not know (``--sort event.n_episodes``): 4 digits."""
    v = None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]
    m = describe(key)
    if m is None:
        return "-" if v is None else f"{v:.4g}"
    return m.format(v, digits=3)


def left_out_line(left_out: Sequence[str], shown: int = 5) -> str:
    """One short line for the runs the chart left out, by run id (a grid's names run to hundreds of characters).

    >>> print(left_out_line(["a=1 [1a]", "b=2 [2b]", "c [3c]", "d [4d]", "e [5e]", "f [6f]"]))
      6 runs left out of the chart (no daily.csv: a grid's parent, children or chunks): 1a, 2b, 3c, 4d, 5e and 1 more
    """  # noqa: E501
    ids = [label.rsplit(" [", 1)[-1].rstrip("]") for label in left_out]
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    names = ", ".join(ids[:shown]) + more
    runs = f"{len(left_out)} run{'s' if len(left_out) > 1 else ''}"
    return f"  {runs} left out of the chart (no daily.csv: a grid's parent, children or chunks): {names}"


def chart_path(now: datetime | None = None, base: Path = Path("outputs/compare")) -> Path:
    """Where ``compare`` writes its chart by default: a new ``<base>/<date>/<time>/comparison.png``.

    Timestamped as ``run.py``'s run folders are, so a chart never replaces an earlier one; a second
    compare in the same second gets ``<time>-2``.
    """
    now = now or datetime.now()
    folder = base / now.strftime("%Y-%m-%d") / now.strftime("%H-%M-%S")
    n = 1
    while (folder.parent / (folder.name + (f"-{n}" if n > 1 else ""))).exists():
        n += 1
    return folder.parent / (folder.name + (f"-{n}" if n > 1 else "")) / "comparison.png"


def equity_curves(runs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Each selected run's strategy value by day (from its ``daily.csv``), one column per run, and 60/40's.

    Returns:
        The curves (60/40 last: `benchmark_curves`), and the runs left out because they have no
        ``daily.csv`` (a grid's parent, a chunk).
    """
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    client = mlflow.MlflowClient()
    curves, benches, left_out = {}, {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for _, r in runs.iterrows():
            label = f"{r['run_name']} [{r['run_id'][:8]}]"
            if "daily.csv" not in {a.path for a in client.list_artifacts(r["run_id"])}:
                left_out.append(label)
                continue
            path = mlflow.artifacts.download_artifacts(
                run_id=r["run_id"], artifact_path="daily.csv", dst_path=tmp
            )
            daily = pd.read_csv(path, index_col="date", parse_dates=["date"])
            curves[label] = daily["value_strategy"]
            if BENCHMARK_COLUMN in daily:
                benches[label] = daily[BENCHMARK_COLUMN]
    if not curves:
        return pd.DataFrame(), left_out
    return pd.concat([pd.DataFrame(curves), benchmark_curves(benches)], axis=1), left_out


#: The benchmark drawn beside the compared runs: each run's daily.csv has its value on its own days.
BENCHMARK_COLUMN, BENCHMARK_LABEL = "value_sixty_forty", "60/40"


def benchmark_curves(benches: dict[str, pd.Series]) -> pd.DataFrame:
    """60/40's value beside the compared runs: one line if every run had it on the same days, else one each.

    Args:
        benches: Each run's 60/40 value by day (its daily.csv's ``value_sixty_forty``), by the run's label.
    """
    distinct: list[tuple[str, pd.Series]] = []
    for label, s in benches.items():
        if not any(s.equals(t) for _, t in distinct):
            distinct.append((label, s))
    if len(distinct) == 1:
        return distinct[0][1].rename(BENCHMARK_LABEL).to_frame()
    return pd.DataFrame({f"{BENCHMARK_LABEL} ({label})": s for label, s in distinct})


def chart(runs: pd.DataFrame, path: Path, *, title: str) -> tuple[Path | None, list[str]]:
    """Write the equity-and-drawdown chart of the selected runs (growth of 1) to `path`.

    Returns:
        The chart (None when no run has a ``daily.csv``) and the runs left out of it.
    """
    curves, left_out = equity_curves(runs)
    if curves.empty:
        return None, left_out
    return equity_drawdown_png(curves, path, title=title), left_out
