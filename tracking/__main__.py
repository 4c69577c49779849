"""``python -m tracking``: compare runs from the tracking store, and re-sync run folders to it.

Examples::

    python -m tracking compare                      # best 10 runs by Sharpe, chart under outputs/compare/
    python -m tracking compare --strategy move_vix_wedge --sort calmar --limit 5
    python -m tracking compare --sweep latest                    # the children of the latest sweep
    python -m tracking compare --param strategy.signal.lookback=126 --tag data_source=bundled
    python -m tracking resync outputs/ multirun/                 # log runs the store missed, never twice
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.errors import UserError
from common.shutdown import batch_memory
from common.text import wrap
from tracking import compare
from tracking.mlflow_store import check_store, redact_text, resolve_uri, set_http_env_defaults, uri_key
from tracking.resync import resync

EPILOG = """exit status: 0 ok; 2 bad input (unknown experiment or metric, malformed URI or filter);
3 the tracking store could not be reached.

The store is --uri, else MLFLOW_TRACKING_URI, else the repository's mlflow.db."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tracking",
        description="Compare runs from the tracking store, and re-sync run folders to it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{compare,resync}")
    c = sub.add_parser(
        "compare",
        help="list, filter and sort runs; print a table and chart their equity curves",
        description="List runs of an experiment from the tracking store (mlflow.search_runs), filter them, "
        "sort by a metric, print a table, and chart the equity curves of the runs shown.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("--uri", help="tracking URI (default: MLFLOW_TRACKING_URI, then ./mlflow.db)")
    c.add_argument("--experiment", default="regime-backtest", help="experiment name (default: %(default)s)")
    c.add_argument("--strategy", help="only runs of this strategy (its `strategy` tag)")
    c.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="only runs whose config KEY is VALUE (repeatable)",
    )
    c.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="only runs with this tag (repeatable)"
    )
    c.add_argument("--sweep", metavar="PARENT_RUN_ID|latest", help="only the child runs of this sweep")
    c.add_argument(
        "--sort",
        default="sharpe_excess_tbill",
        metavar="METRIC",
        help="metric to sort by (default: %(default)s)",
    )
    c.add_argument("--ascending", action="store_true", help="smallest first (default: largest first)")
    c.add_argument(
        "--limit", type=int, default=10, help="how many runs to show and chart (default: %(default)s)"
    )
    c.add_argument("--all-statuses", action="store_true", help="include FAILED and RUNNING runs")
    c.add_argument(
        "--chart",
        type=Path,
        help="equity-curve chart to write (default: a new outputs/compare/<date>/<time>/comparison.png)",
    )
    c.add_argument("--wide", action="store_true", help="every metric and parameter (default: 120 columns)")
    c.add_argument("--no-chart", action="store_true", help="print the table only")
    c.add_argument("--csv", type=Path, help="also write the table as CSV")
    r = sub.add_parser(
        "resync",
        help="log run folders whose runs are not in the store (never twice)",
        description="Log run folders (written first by every run) whose runs never reached the tracking "
        "store. Runs already in the store are skipped; runs a dead store left unfinished are completed; "
        "sweeps get their parent run and leaderboard.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument(
        "paths", nargs="+", type=Path, help="run folders, sweep folders, or outputs/ and multirun/"
    )
    r.add_argument(
        "--uri", help="tracking URI (default: the run's tracking.uri, MLFLOW_TRACKING_URI, ./mlflow.db)"
    )
    r.add_argument("--experiment", help="experiment name (default: the run's own)")
    r.add_argument("--dry-run", action="store_true", help="only say what would be logged")
    return parser


def _check_output(path: Path | None, flag: str) -> None:
    """An output file's folder must exist: `compare` creates no folder the user did not ask for."""
    if path is not None and not path.parent.is_dir():
        raise UserError(
            f"the folder of `{path}` does not exist: `{path.parent}`.",
            hint=f"create it first, or give {flag} a path in an existing folder",
        )
    if path is not None and path.is_dir():
        raise UserError(f"`{path}` is a folder.", hint=f"give {flag} a file's path in it")


def _compare(args: argparse.Namespace) -> int:
    _check_output(args.csv, "--csv")
    _check_output(args.chart, "--chart")
    uri = resolve_uri(args.uri)
    check_store(uri, key="--uri" if args.uri else uri_key(None), create=False)  # reading creates nothing
    set_http_env_defaults()
    # lazy: mlflow costs ~0.9 s at import; only code that talks to the store loads it
    import mlflow

    mlflow.set_tracking_uri(uri)
    if args.limit < 1:
        raise UserError(f"`--limit` must be at least 1, got {args.limit}.")
    q = compare.Query(
        experiment=args.experiment,
        strategy=args.strategy,
        params=args.param,
        tags=args.tag,
        sweep=args.sweep,
        sort=args.sort,
        ascending=args.ascending,
        limit=args.limit,
        all_statuses=args.all_statuses,
    )
    runs = compare.select(q)
    if runs.empty:
        print(f"no runs match in experiment '{args.experiment}' at {redact_text(uri)}")
        return 0
    table = compare.table(runs, args.sort)
    print(
        wrap(
            f"{len(runs)} runs of experiment '{args.experiment}' at {redact_text(uri)}, by {args.sort} "
            f"({'ascending' if args.ascending else 'best first'}):"
        )
        + "\n"
    )
    print(compare.text(runs, args.sort, wide=args.wide))
    if args.csv:
        table.to_csv(args.csv, index=False)
        print(f"\ntable: {args.csv}")
    if not args.no_chart:
        target = args.chart or compare.chart_path()
        replaced = " (replaced the file that was there)" if target.exists() else ""
        path, left_out = compare.chart(runs, target, title=f"{len(runs)} runs by {args.sort}")
        print(
            f"chart: {path.resolve()}{replaced}"
            if path is not None
            else "chart: none (no run shown has a daily.csv)"
        )
        if left_out:
            print(wrap(compare.left_out_line(left_out)))
    return 0


def _resync(args: argparse.Namespace) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise UserError(
            f"no such folder: {', '.join(missing)}.",
            hint="pass run folders, sweep folders, outputs/ or multirun/",
        )
    files = [p for p in args.paths if not p.is_dir()]
    if files:
        raise UserError(
            f"not a folder: {', '.join(map(str, files))}.",
            hint="pass the run folder (the one holding tracking/record.json), a sweep folder, "
            "outputs/ or multirun/",
        )
    out = resync(args.paths, uri=args.uri, experiment=args.experiment, dry_run=args.dry_run)
    verb = "would log" if args.dry_run else "logged"
    for f in out.logged:
        print(f"{verb}: {f}")
    for f in out.incomplete:
        print(f"incomplete (its process died before the results; nothing to log): {f}")
    print(
        f"{verb} {len(out.logged)} runs, skipped {len(out.skipped)} already in the store"
        + (f", left {len(out.incomplete)} incomplete" if out.incomplete else "")
        + (f", finished {len(out.sweeps)} sweeps" if out.sweeps else "")
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _compare(args) if args.command == "compare" else _resync(args)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as exc:  # the store itself failed: not the user's input
        print(f"error: tracking store failed: {type(exc).__name__}: {redact_text(str(exc))}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    batch_memory()
    sys.exit(main())
