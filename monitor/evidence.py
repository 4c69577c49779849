"""The signals' evidence beside their state: read from a catalogue verdict, never computed here.

A monitor run simulates nothing (no vectorbt, no MLflow in its process), so whether a signal beats 60/40
comes from the newest ``python -m analysis verdicts`` the user has: its ``catalogue.json`` (pointed at with
``monitor.evidence=<path>``), or the extract of one committed with the project (``monitor/evidence.json``,
the bundled data's catalogue, dated, naming the data window it was computed on). Per catalogue family
(a preset's name): its grid's verdict against 60/40 with the search counted (SPA's consistent p over the
family's configurations, `analysis.verdict.short`) and the best BY q-value of its event study over the
whole catalogue. A family the file does not hold, or no file, says so; it is never guessed.

Regenerate the committed extract (bundled data only)::

    python -m analysis verdicts tracking=disabled
    python -m monitor.evidence outputs/verdicts/<date>/<time>/results/catalogue.json
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from analysis.verdict import Verdict, short
from common.errors import ConfigError

#: The committed extract, relative to the repository root (``monitor.evidence``'s default).
DEFAULT = "monitor/evidence.json"
#: What a catalogue family row must hold for the monitor (``catalogue.json``'s ``families``).
FIELDS = ("configs", "sharpe_gap.sixty_forty", "spa_p.sixty_forty", "event_best_q")
#: The command that makes a catalogue, for the messages.
COMMAND = "python -m analysis verdicts"


@dataclass(frozen=True)
class Evidence:
    """One catalogue family's evidence.

    Attributes:
        family: The family (the preset's name).
        configs: Configurations in its grid.
        sharpe_gap: Its best configuration's Sharpe minus 60/40's (in sample).
        spa_p: Its grid's SPA consistent p-value against 60/40: the search counted.
        event_best_q: Its event study's smallest BY q-value over the whole catalogue (NaN: none).
    """

    family: str
    configs: int
    sharpe_gap: float
    spa_p: float
    event_best_q: float

    @property
    def verdict(self) -> Verdict:
        """The family's verdict against 60/40 with the search counted (SPA p, no interval)."""
        return Verdict("sixty_forty", "Sharpe", self.sharpe_gap, self.spa_p, trials=self.configs)

    def text(self) -> str:
        """``no evidence it beats 60/40 (SPA p 0.80, 36 configs); event q 0.41``."""
        q = "n/a" if not math.isfinite(self.event_best_q) else f"{self.event_best_q:.2f}"
        return f"{short(self.verdict, test='SPA p')}; event q {q}"


@dataclass(frozen=True)
class EvidenceFile:
    """A catalogue verdict as the monitor reads it (or none: `found` False).

    Attributes:
        path: Where it was read (or looked for).
        computed: The date it was computed (``None``: not recorded).
        data: Its data's source, first and last date and digest (empty: not recorded).
        families: Family name -> its evidence.
        found: Whether a file was there.
    """

    path: Path
    computed: str | None = None
    data: Mapping[str, str] = field(default_factory=dict)
    families: Mapping[str, Evidence] = field(default_factory=dict)
    found: bool = True

    def about(self) -> str:
        """Where it comes from: ``python -m analysis verdicts of 2026-12-07 on data=bundled ...``."""
        if not self.found:
            return (
                f"no evidence on file ({self.path} is missing: run `{COMMAND}`, then "
                "monitor.evidence=<its catalogue.json>)"
            )
        when = self.computed or "an unrecorded date"
        if self.data:
            d = self.data
            window = f"data={d.get('source', '?')} {d.get('first', '?')} to {d.get('last', '?')}"
        else:
            window = "a data window it does not record"
        return f"{COMMAND} of {when} on {window} ({self.path.name})"

    def aliased(self, aliases: Mapping[str, str]) -> EvidenceFile:
        """The same evidence, also under other row labels (a replayed run's label -> its preset's name)."""
        more = {label: self.families[fam] for label, fam in aliases.items() if fam in self.families}
        return replace(self, families={**self.families, **more})

    def of(self, name: str) -> str:
        """The evidence of preset `name`, or why there is none."""
        if not self.found:
            return "no evidence on file"
        found = self.families.get(name)
        return found.text() if found else "not in the catalogue (no family of that name)"


def _number(row: Mapping[str, Any], key: str) -> float:
    x = row.get(key)
    return math.nan if x is None else float(x)


def parse(doc: Any, path: Path) -> EvidenceFile:
    """A catalogue document (``catalogue.json`` or its extract) as evidence.

    Raises:
        ConfigError: Not a catalogue verdict (no ``families``, a family without the fields), naming the
            key ``monitor.evidence`` and the file.
    """
    fams = doc.get("families") if isinstance(doc, dict) else None
    if not isinstance(fams, dict):
        raise ConfigError(
            f"{path} is not a catalogue verdict (no `families`).",
            key="monitor.evidence",
            hint=f"point it at the catalogue.json `{COMMAND}` writes, or null for none.",
        )
    out = {}
    for name, row in fams.items():
        lacks = [k for k in FIELDS if not isinstance(row, dict) or k not in row]
        if lacks:
            raise ConfigError(
                f"{path}: family `{name}` has no {', '.join(lacks)}.",
                key="monitor.evidence",
                hint=f"a catalogue.json from `{COMMAND}` (2026-12-07 or later) has them.",
            )
        out[str(name)] = Evidence(
            str(name),
            int(row["configs"]),
            _number(row, "sharpe_gap.sixty_forty"),
            _number(row, "spa_p.sixty_forty"),
            _number(row, "event_best_q"),
        )
    data = doc.get("data") if isinstance(doc.get("data"), dict) else {}
    computed = doc.get("computed")
    return EvidenceFile(path, None if computed is None else str(computed), dict(data), out)


def read(path: Path) -> EvidenceFile:
    """The evidence at `path` (`EvidenceFile.found` False when no file is there).

    Raises:
        ConfigError: A file that is not JSON or not a catalogue verdict, naming ``monitor.evidence``.
    """
    if not path.is_file():
        return EvidenceFile(path, found=False)
    try:
        doc = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"{path} is not JSON ({err}).",
            key="monitor.evidence",
            hint=f"point it at the catalogue.json `{COMMAND}` writes, or null for none.",
        ) from None
    return parse(doc, path)


def extract(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a ``catalogue.json`` the monitor reads: its date, data window, verdicts and families."""
    fams = {name: {k: row.get(k) for k in (*FIELDS, "best_params")} for name, row in doc["families"].items()}
    keep = {k: doc[k] for k in ("computed", "data", "verdicts") if k in doc}
    return {**keep, "families": fams}


def main(argv: Sequence[str]) -> int:
    """``python -m monitor.evidence <catalogue.json> [<out>]``: write its extract (default `DEFAULT`)."""
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    source = Path(argv[0])
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / DEFAULT
    try:
        found = read(source)
        if not found.found:
            raise ConfigError(f"{source} does not exist.", key="catalogue.json", hint=f"run `{COMMAND}`.")
        if len(argv) == 1 and found.data.get("source") != "bundled":  # the committed file: bundled data only
            raise ConfigError(
                f"{source} was computed on data={found.data.get('source', 'unrecorded')}; the committed "
                f"{DEFAULT} is the bundled data's.",
                key="catalogue.json",
                hint=f"run `{COMMAND}` on the bundled data, or give an output path of your own.",
            )
        doc = json.loads(source.read_text())
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    out.write_text(json.dumps(extract(doc), indent=1) + "\n")
    print(f"{out}: {len(found.families)} families, {found.about()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
