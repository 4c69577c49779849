"""What a run records about where it came from: data lineage, code version, how to re-run it.

No mlflow here: the parent process builds the cheap parts (the dataset's description, the
re-run command) from what it already holds; the tracking worker computes the rest (git commit and diff,
package versions) while the backtest runs.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from market.vintage import vintage_lines
from tracking.headline import params_name
from tracking.mlflow_store import redact_diff
from tracking.record import StartInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("vectorbt", "pandas", "numpy", "mlflow", "hydra-core")
MAX_DIFF_CHARS = 2_000_000


def dataset_info(market: Any, data_cfg: Mapping[str, Any]) -> dict[str, Any]:
    """A small description of a run's market data, for `mlflow.log_input` (not the frame itself).

    Args:
        market: The run's `market.types.MarketData`.
        data_cfg: The resolved ``data`` config (its ``source`` and ``loader``).

    Returns:
        ``name`` (source and date range), ``digest`` (content digest), ``source`` (where the data came
        from, and how the loader read it: `MarketData.lineage`; with a live source's ``vintage`` as JSON),
        ``first``, ``last``, ``rows``, ``columns``, ``vintages`` (`market.types.MarketData.vintages`) and
        ``last_observed`` (column -> last print).
    """
    first, last = str(market.start.date()), str(market.end.date())
    loader = {k: str(v) for k, v in dict(data_cfg.get("loader") or {}).items()}
    vintages = [dict(v) for v in getattr(market, "vintages", ())]  # live sources: market.live
    if vintages:
        loader["vintage"] = json.dumps(vintages, default=str)
    return {
        "name": f"{market.source} {first}..{last}",
        "digest": market.digest,
        "source": {"source": market.source, **loader, **market.lineage},
        "vintages": vintages,
        "last_observed": {str(c): str(t.date()) for c, t in market.last_observed.items()},
        "first": first,
        "last": last,
        "rows": len(market.frame),
        "columns": [str(c) for c in market.frame.columns],
    }


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def git_commit() -> str:
    """The repository's HEAD commit, or ``unknown`` outside a git checkout."""
    return (_git("rev-parse", "HEAD") or "").strip() or "unknown"


def versions() -> dict[str, str]:
    """Installed versions of the packages that decide a backtest's numbers."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def repro_info() -> dict[str, Any]:
    """The code a run ran: git commit, whether the tree was dirty, the uncommitted diff, versions.

    The diff is ``git diff HEAD`` (staged and unstaged changes to tracked files) plus the names of
    untracked files (their content is not recorded). A diff line holding a secret (a secret-looking
    ``key = value`` or a URI's password: `tracking.mlflow_store.redact_text`) has it hidden; their
    number is ``git_diff_redacted_lines``.
    """
    commit = git_commit()
    status = _git("status", "--porcelain") or ""
    diff, hidden = redact_diff((_git("diff", "HEAD", "--no-color") or "")[:MAX_DIFF_CHARS])
    untracked = [line[3:] for line in status.splitlines() if line.startswith("??")]
    return {
        "git_commit": commit,
        "git_dirty": bool(status.strip()),
        "git_diff": diff,
        "git_diff_redacted_lines": hidden,
        "untracked": untracked,
        "python": sys.version.split()[0],
        "versions": versions(),
    }


def repro_tags(repro: Mapping[str, Any]) -> dict[str, str]:
    """Tags from `repro_info`: commit, dirty flag, package versions."""
    tags = {"git_commit": repro["git_commit"], "git_dirty": str(repro["git_dirty"]).lower()}
    tags["python_version"] = repro["python"]
    tags |= {f"version.{k}": v for k, v in repro["versions"].items()}
    return tags


def repro_texts(repro: Mapping[str, Any]) -> dict[str, str]:
    """Artifacts from `repro_info`: the uncommitted diff (if any) and the environment."""
    texts = {
        "repro/environment.json": json.dumps({k: v for k, v in repro.items() if k != "git_diff"}, indent=2)
    }
    if repro["git_diff"]:
        texts["repro/git_diff.patch"] = repro["git_diff"]
    return texts


def rerun_command(overrides: Sequence[str]) -> str:
    """The shell command that re-runs a run (one job of a sweep included).

    >>> rerun_command(["strategy=move_vix_wedge", "strategy.signal.z_entry=1.5", "data.start=[1, 2]"])
    "python run.py strategy=move_vix_wedge strategy.signal.z_entry=1.5 'data.start=[1, 2]'"
    """
    return " ".join(["python run.py", *(shlex.quote(o) for o in overrides)])


def run_name(strategy: str, overrides: Sequence[str], limit: int = 200) -> str:
    """A run's display name: the strategy and the overrides that make it differ from its defaults.

    >>> run_name("move_vix_wedge", ["strategy=move_vix_wedge", "strategy.signal.z_entry=1.5"])
    'move_vix_wedge z_entry=1.5'
    """
    shown = {}
    for o in overrides:
        key, sep, value = o.partition("=")
        if not sep or key.lstrip("+~").startswith(("hydra", "tracking")) or key.lstrip("+~") == "strategy":
            continue
        shown[key] = value
    return " ".join(w for w in (strategy, params_name(shown)) if w)[:limit]


def note(
    *,
    rerun: str,
    command: str,
    repro: Mapping[str, Any],
    dataset: Mapping[str, Any] | None,
) -> str:
    """The run's description (Markdown, shown at the top of its page in the MLflow UI)."""
    commit = repro["git_commit"]
    apply = "   # then: git apply repro/git_diff.patch" if repro["git_diff"] else ""
    if repro.get("git_diff_redacted_lines"):
        apply += f" ({repro['git_diff_redacted_lines']} lines with secrets hidden)"
    dirty = " (uncommitted changes: `repro/git_diff.patch`)" if repro["git_dirty"] else ""
    versions = ", ".join(f"{k} {v}" for k, v in repro["versions"].items())
    lines = [
        "**Re-run**",
        "",
        f"    git checkout {commit[:12]}{apply}",
        f"    {rerun}",
        "",
        f"- command line: `{command}`",
        f"- git commit: `{commit}`{dirty}",
        f"- versions: {versions}, python {repro['python']}",
    ]
    if dataset is not None:
        lines.append(
            f"- data: {dataset['source'].get('source')} {dataset['first']} to {dataset['last']}, "
            f"{dataset['rows']} rows, digest `{dataset['digest']}`"
        )
        lines += [f"- vintage: {v}" for v in vintage_lines(dataset.get("vintages") or [])]
    return "\n".join(lines)


def describe(
    tracker: Any,
    start: StartInfo,
    repro: Mapping[str, Any],
    extra_tags: Mapping[str, str] | None = None,
) -> None:
    """Log what is known at the start of a run on `tracker`: dataset, code version, description.

    Args:
        tracker: A `tracking.mlflow_store.Tracker` (anything with its ``describe`` method).
        start: The run's start info: its ``dataset``, ``rerun`` and ``command``.
        repro: `repro_info` of the code that ran.
        extra_tags: More tags (e.g. ``resynced``).
    """
    rerun = start.rerun or "python run.py"
    tracker.describe(
        dataset=start.dataset,
        note=note(rerun=rerun, command=start.command, repro=repro, dataset=start.dataset),
        tags={**repro_tags(repro), "rerun": rerun, **(extra_tags or {})},
        texts=repro_texts(repro),
    )
