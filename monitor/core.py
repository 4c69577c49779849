"""The monitor's one path: compose each preset (or a tracked run's config), assess it, write, track.

`monitor` runs no backtest (vectorbt is never imported): each signal and its strategy's target weights
are computed on the whole market frame by `core.simulation.decide`, as a backtest computes them.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from common import progress
from common.errors import ConfigError, UserError
from core.data import load_market, needed_columns
from core.job import REPO_ROOT
from core.plan import make_plan
from core.simulation import decide
from market.types import MarketData
from monitor import evidence as evidence_file
from monitor import view
from monitor.changes import changes, exit_status, read_states, write_states
from monitor.evidence import EvidenceFile
from monitor.state import SignalState, assess
from pipeline import api
from pipeline.cli import CONF, choices
from report.charts import png_bytes
from tracking.background import TrackingError
from tracking.lineage import run_name
from tracking.mlflow_store import command_line
from tracking.replay import run_config
from tracking.tracked import Outcome, opened, resync_hint

MONITOR = "+monitor=default"  # conf/monitor/default.yaml: the monitor's own settings


@dataclass(frozen=True)
class Request:
    """What to monitor.

    Attributes:
        overrides: Hydra overrides, as on run.py's command line (``strategy=a,b`` picks presets).
        run_id: Replay this tracked run's config instead of the presets.
        changed: Report only the signals whose state changed since the previous monitor run.
    """

    overrides: tuple[str, ...] = ()
    run_id: str | None = None
    changed: bool = False


def split_strategies(overrides: Sequence[str]) -> tuple[list[str] | None, list[str]]:
    """The presets a ``strategy=a,b`` override names (None: every one), and the other overrides.

    >>> split_strategies(["strategy=term_premium,yield_shock", "data=bundled"])
    (['term_premium', 'yield_shock'], ['data=bundled'])
    """
    names, rest = None, []
    for o in overrides:
        if o.startswith("strategy="):
            names = [n for n in o.split("=", 1)[1].split(",") if n]
        else:
            rest.append(o)
    return names, rest


def _in_preset(err: UserError, name: str) -> UserError:
    """The same error, saying which preset it is about."""
    return type(err)(f"(strategy={name}) {err.message}", key=err.key, hint=err.hint)


def default_preset() -> str | None:
    """The strategy preset ``conf/config.yaml`` composes when none is named (None: it names none)."""
    for entry in OmegaConf.load(CONF / "config.yaml").get("defaults", []):
        if isinstance(entry, DictConfig) and "strategy" in entry:
            return str(entry.strategy)
    return None


def configs(request: Request, base: DictConfig, base_preset: str | None = None) -> dict[str, DictConfig]:
    """Row label -> the config to assess: each preset with a signal, or the replayed run's config.

    Args:
        request: What to monitor.
        base: The monitor's own config (its settings; the preset `base_preset` with the overrides).
        base_preset: The preset `base` was composed with: its row reuses `base` (a copy), not a compose.

    Raises:
        UserError: An override a preset refuses, a named preset without a signal, an unknown run id.
    """
    if request.run_id:
        cfg = OmegaConf.create(run_config(request.run_id, base.tracking.uri))
        if cfg.get("strategy") is None or cfg.strategy.get("signal") is None:
            raise ConfigError(f"run `{request.run_id}` has no signal to monitor.", key="--run")
        OmegaConf.update(cfg, "data.end", None, force_add=True)  # the latest data
        return {f"{cfg.strategy.name}-run{request.run_id[:8]}": cfg}
    named, rest = split_strategies(request.overrides)
    out = {}
    for name in named or choices("strategy"):
        try:
            cfg = copy.deepcopy(base) if name == base_preset else api.compose(name, [MONITOR, *rest])
        except UserError as err:
            raise _in_preset(err, name) from None
        if cfg.strategy.get("signal") is None:
            if named:
                raise ConfigError(f"strategy `{name}` has no signal to monitor.", key="strategy")
            continue
        out[name] = cfg
    return out


def assess_all(
    cfgs: dict[str, DictConfig], history_days: int, *, skip_missing: bool = False
) -> tuple[MarketData, list[SignalState]]:
    """Every config's signal state on its data's last date (data loaded once per data config).

    Args:
        cfgs: Row label -> config.
        history_days: Days of history the charts show.
        skip_missing: Leave out, with a note on stderr, a preset whose signal needs columns the data
            does not carry (every preset by default, e.g. on a csv without a signal's column); a preset
            the user named is refused instead.
    """
    markets: dict[str, MarketData] = {}
    states = []
    for name, cfg in cfgs.items():
        try:
            plan = make_plan(cfg)
            # presets that may be skipped need only the calendar and sleeves; a named one, its own
            # signal's columns too (a live source it does not read may fail: it is not stopped for that)
            needed = needed_columns(cfg, None if skip_missing else plan.signal)
            key = OmegaConf.to_yaml(cfg.data) + ("" if skip_missing else repr(needed))
            market = markets[key] = markets.get(key) or load_market(cfg, needed)
            sig = plan.signal
            missing = [c for c in sig.func.columns(**sig.keywords) if c not in market.frame.columns]
            if missing and skip_missing:
                print(
                    f"monitor: skipped {name}: needs {', '.join(missing)}, which this data does not carry "
                    f"(name it with strategy={name} to see where to get it).",
                    file=sys.stderr,
                )
                continue
            _, out, targets = decide(plan, market)
        except UserError as err:
            raise _in_preset(err, name) from None
        states.append(
            assess(
                name,
                out,
                targets,
                frame=market.frame,
                last_observed=market.last_observed,
                columns=sig.func.columns(**sig.keywords),
                lag=plan.lag,
                history_days=history_days,
            )
        )
    return market, states


def metrics_of(states: Sequence[SignalState], evidence: EvidenceFile | None = None) -> dict[str, float]:
    """The MLflow metrics of a monitor run: per signal its state, value, distance and coverage.

    With `evidence`, a catalogue family's SPA p against 60/40 and its event study's best q as
    ``<signal>.evidence.spa_p`` and ``.evidence.event_best_q``.
    """
    out: dict[str, float] = {"n_on": float(sum(s.risk_off for s in states))}
    for s in states:
        out |= {
            f"{s.name}.risk_off": float(s.risk_off),
            f"{s.name}.value": s.value,
            f"{s.name}.to_trigger": s.to_trigger,
            f"{s.name}.coverage": s.coverage,
        }
        out |= {f"{s.name}.weight.{k}": w for k, w in s.weights.items()}
        found = evidence.families.get(s.name) if evidence is not None else None
        if found is not None:
            out |= {
                f"{s.name}.evidence.spa_p": found.spa_p,
                f"{s.name}.evidence.event_best_q": found.event_best_q,
            }
    return out


def details(states: Sequence[SignalState], evidence: EvidenceFile | None = None) -> list[dict[str, Any]]:
    """The states as JSON-ready records (``monitor.json``): the numbers, and the page's texts."""

    def num(x: float) -> float | None:
        return None if x is None or math.isnan(x) else float(x)

    return [
        {
            "signal": s.name,
            "function": s.signal,
            "as_of": str(s.as_of.date()),
            "risk_off": s.risk_off,
            "covered": s.covered,
            "since": str(s.since.date()),
            "value": num(s.value),
            "value_name": s.value_name,
            "reading": view.reading(s),
            "thresholds_text": view.thresholds_native(s),
            "why": [{"condition": n, "holds": h, "reads": s.gauges.get(n)} for n, h in s.why],
            "evidence": None if evidence is None else evidence.of(s.name),
            "entry": None if s.thresholds is None else s.thresholds.entry,
            "exit": None if s.thresholds is None else s.thresholds.exit,
            "hold_days": None if s.thresholds is None else s.thresholds.hold_days,
            "conditions": [] if s.thresholds is None else list(s.thresholds.conditions),
            "next_trigger": s.trigger,
            "to_trigger": num(s.to_trigger),
            "days_left": s.days_left,
            "coverage": s.coverage,
            "weights_next": {k: num(w) for k, w in s.weights.items()},
            "inputs": [
                {
                    "column": a.column,
                    "last": None if a.last is None else str(a.last.date()),
                    "stale_days": a.stale_days,
                }
                for a in s.inputs
            ],
        }
        for s in states
    ]


def write(
    states: Sequence[SignalState],
    results: Path,
    *,
    source: str,
    text: str,
    evidence: EvidenceFile | None = None,
) -> list[Path]:
    """The run folder: the table as text and CSV, the states as JSON, the chart as PNG, the HTML page."""
    results.mkdir(parents=True, exist_ok=True)
    fig = view.chart(states, title=f"as of {states[0].as_of.date()}")
    png = png_bytes(fig, dpi=100)
    paths = {
        "monitor.txt": text + "\n",
        "monitor.json": json.dumps(details(states, evidence), indent=2),
        "monitor.html": view.page(states, png, source=source, evidence=evidence),
    }
    for name, content in paths.items():
        (results / name).write_text(content)
    view.rows(states, evidence).to_csv(results / "monitor.csv", index=False)
    (results / "monitor.png").write_bytes(png)
    return [results / n for n in (*paths, "monitor.csv", "monitor.png")]


def _folder() -> Path:
    now = _dt.datetime.now()
    return REPO_ROOT / "outputs" / "monitor" / f"{now:%Y-%m-%d}" / f"{now:%H-%M-%S-%f}"


def _state_dir(base: DictConfig) -> Path:
    path = Path(str(base.monitor.state_dir))
    return path if path.is_absolute() else REPO_ROOT / path


def _evidence_path(base: DictConfig) -> Path | None:
    """``monitor.evidence``: a catalogue verdict's JSON (relative = repo root), or None (null: none)."""
    given = base.monitor.get("evidence", evidence_file.DEFAULT)
    if given is None:
        return None
    path = Path(str(given))
    return path if path.is_absolute() else REPO_ROOT / path


def _tracked_config(base: DictConfig, cfgs: dict[str, DictConfig]) -> DictConfig:
    """What the MLflow run records: the data, tracking and monitor settings, and each strategy."""
    first = next(iter(cfgs.values()))

    def plain(node: Any) -> Any:
        return OmegaConf.to_container(node, resolve=True)

    return OmegaConf.create(
        {
            "data": plain(first.data),
            "tracking": plain(base.tracking),
            "monitor": plain(base.monitor),
            "strategies": {name: plain(cfg.strategy) for name, cfg in cfgs.items()},
        }
    )


def run(request: Request, folder: Path | None = None, *, echo: bool = True) -> int:
    """Monitor: assess, print, write the run folder and the state file, log the MLflow run.

    Returns:
        The exit status: 1 with ``--changed`` when a signal turned on, 3 when the store failed (the
        run folder is kept for ``python -m tracking resync``), else 0.

    Raises:
        UserError: Bad overrides, data or run id, before anything is written or tracked.
    """
    named, rest = split_strategies(request.overrides)
    # the overrides checked against the preset chosen (the first named), not the default one; that
    # preset's row reuses this config
    first = None if request.run_id else named[0] if named else default_preset()
    try:
        base = api.compose(first, [MONITOR, *rest])
    except UserError as err:
        raise _in_preset(err, named[0]) if named else err from None
    days = base.monitor.history_days
    if isinstance(days, bool) or not isinstance(days, int) or days < 2:
        raise ConfigError(f"must be a whole number of days ≥ 2, got {days!r}.", key="monitor.history_days")
    state_dir = _state_dir(base)
    previous = read_states(state_dir)  # a state folder or file that cannot serve: refused before any work
    where = _evidence_path(base)
    proof = evidence_file.read(where) if where is not None else None  # a bad file: refused here too
    cfgs = configs(request, base, first)  # a bad override or run id stops here: nothing written or tracked
    if proof is not None:  # a replayed run's row reads its preset's family
        proof = proof.aliased({label: str(cfg.strategy.name) for label, cfg in cfgs.items()})
    every = split_strategies(request.overrides)[0] is None and not request.run_id
    status = {"code": 0}
    # on screen from the first second (stderr; gone once the table prints)
    bar = progress.open_bar(
        2, enabled=echo, label="monitor", unit="stage", first=f"assessing {len(cfgs)} signals", leave=False
    )

    def compute(market: MarketData, states: list[SignalState], results: Path) -> Outcome:
        diff = changes(previous, states)
        changed_only = diff if request.changed else None
        text = view.table(states, source=market.source, changed=changed_only, evidence=proof)
        write(states, results, source=market.source, text=text, evidence=proof)
        write_states(state_dir, states)
        bar.close()
        status["code"] = exit_status(diff) if request.changed else 0
        metrics, tags = metrics_of(states, proof), tags_of(market, states, request.run_id, proof)
        if echo and view.use_colour(sys.stdout):  # the log and report.txt keep the plain text
            painted = view.table(
                states, source=market.source, changed=changed_only, colour=True, evidence=proof
            )
            print(painted, flush=True)
            return Outcome(metrics, text, tags, printed=True)
        return Outcome(metrics, text, tags)

    args = [*request.overrides, *([f"--run={request.run_id}"] if request.run_id else [])]
    args += ["--changed"] if request.changed else []
    rerun = " ".join(["python -m monitor", *map(shlex.quote, args)])
    out = Path(folder) if folder is not None else _folder()
    name = run_name("monitor", args)
    try:
        with opened(_tracked_config(base, cfgs), name, out, rerun) as run:
            market, states = assess_all(cfgs, days, skip_missing=every)  # bad data: no run is created
            progress.stage(bar, "writing the report", done=1)
            run.start(market)
            run.finish(compute(market, states, run.results), echo=echo)
    except TrackingError as err:  # the results and the state file are kept; the record waits for resync
        print(resync_hint(err, out), file=sys.stderr)
        return 3
    finally:
        bar.close()  # a refusal's message is not printed under a half-drawn bar
    return status["code"]


def tags_of(
    market: MarketData,
    states: Sequence[SignalState],
    run_id: str | None,
    evidence: EvidenceFile | None = None,
) -> dict[str, str]:
    """The monitor run's tags: ``mode=monitor``, the report date, the data's lineage, what is on, evidence."""
    return {
        "mode": "monitor",
        "as_of": str(market.end.date()),
        "data_source": market.source,
        "data_first": str(market.start.date()),
        "data_last": str(market.end.date()),
        "data_digest": market.digest,
        "signals_on": ",".join(s.name for s in states if s.risk_off) or "none",
        "command": command_line(),
        **({"replay_of": run_id} if run_id else {}),
        **({"evidence": evidence.about()} if evidence is not None else {}),
    }
