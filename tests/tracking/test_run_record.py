"""The run folder's tracking record is one typed, versioned dataclass (`tracking.record.RunRecord`): it
round-trips through its file, reads the records written before it had a version, refuses a newer one,
and a field added to it is written and read back with no other change."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import pytest

from common.errors import DataError
from tracking.record import RECORD, VERSION, RunRecord, StartInfo

#: A record as the code before `RunRecord` wrote it (no ``version``), trimmed: a grid's, from a sweep.
UNVERSIONED = """{
  "experiment": "regime-backtest",
  "uri": "postgresql://mlflow:<redacted>@127.0.0.1:5432/mlflow",
  "run_name": "move_vix_wedge-grid z_entry=1.5",
  "complete": true,
  "params": {"strategy.name": "move_vix_wedge", "strategy.signal.z_entry": "1.5", "data.token": "<redacted>"},
  "metrics": {"sharpe_excess_tbill": 0.61, "pbo": 0.25},
  "tags": {"strategy": "move_vix_wedge", "data_digest": "8ec4895e8a63b7f4"},
  "start": {
    "tags": {"run_uid": "0f3c", "run_folder": "/runs/0", "sweep_uid": "s1", "mlflow.parentRunId": "p1"},
    "dataset": {"name": "bundled 2002-07-31..2026-08-20", "digest": "8ec4895e8a63b7f4", "rows": 6053},
    "rerun": "python run.py experiment=wedge_grid",
    "command": "run.py -m experiment=wedge_grid",
    "folder": "/runs/0",
    "sweep": {"sweep_uid": "s1", "sweep_dir": "/runs", "parent_run_id": "p1"}
  },
  "children": [{"name": "config 7", "params": {"z_entry": 1.5}, "metrics": {"sharpe": 0.7}, "tags": {}}]
}"""


def folder_with(tmp_path: Path, text: str) -> Path:
    (tmp_path / RECORD).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / RECORD).write_text(text)
    return tmp_path


def a_record(**changes: typing.Any) -> RunRecord:
    start = StartInfo(tags={"run_uid": "abc", "run_folder": "/r"}, rerun="python run.py", folder="/r")
    record = RunRecord("regime-backtest", "sixty_forty", {"strategy.name": "sixty_forty"}, start)
    return dataclasses.replace(record, **changes)


def distinct_value(hint: typing.Any, name: str) -> typing.Any:
    """A JSON value of a field's type that no default has (a nested dataclass: its own fields set)."""
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(**{f.name: distinct_value(hints[f.name], f.name) for f in dataclasses.fields(hint)})
    kinds = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, type(int | None)) else (hint,)
    kind = next(k for k in kinds if k is not type(None))
    origin = typing.get_origin(kind) or kind
    if kind is bool:
        return False  # RunRecord.complete defaults to True
    if kind is int:
        return VERSION  # the only version a record is read as
    if origin is dict:
        return {"run_uid": f"{name}-1"} if name == "tags" else {f"{name}.k": f"{name}-v"}
    if origin is list:
        return [{"name": f"{name}-0", "params": {}, "metrics": {"m": 1.5}, "tags": {}}]
    return f"{name}-text"


def test_a_record_written_reads_back_equal(tmp_path):
    record = a_record(
        complete=True,
        metrics={"cagr": 0.0816, "sharpe_excess_tbill": 0.65},
        tags={"strategy": "sixty_forty"},
        children=[{"name": "config 3", "params": {"z": 1.5}, "metrics": {"sharpe": 0.4}, "tags": {"a": "b"}}],
        repro={"git_commit": "f00", "git_dirty": False, "versions": {"numpy": "2.0"}},
    )
    path = record.write(tmp_path)
    assert path == tmp_path / RECORD
    assert json.loads(path.read_text())["version"] == VERSION
    assert RunRecord.read(tmp_path) == record
    start_record = a_record(complete=False)  # what a run writes before it is created
    start_record.write(tmp_path)
    assert RunRecord.read(tmp_path) == start_record and not RunRecord.read(tmp_path).complete


def test_every_field_is_written_and_read_back(tmp_path):
    """A field added to `RunRecord` or `StartInfo` needs no change outside tracking/record.py."""
    hints = typing.get_type_hints(RunRecord)
    fields = dataclasses.fields(RunRecord)
    record = RunRecord(**{f.name: distinct_value(hints[f.name], f.name) for f in fields})
    defaults = a_record()
    for f in fields:  # each field differs from what a record without it would read as
        assert getattr(record, f.name) != getattr(defaults, f.name) or f.name == "version", f.name
    record.write(tmp_path)
    written = json.loads((tmp_path / RECORD).read_text())
    assert set(written) == {f.name for f in fields}
    assert set(written["start"]) == {f.name for f in dataclasses.fields(StartInfo)}
    assert RunRecord.read(tmp_path) == record


def test_a_record_written_before_versions_reads(tmp_path):
    record = RunRecord.read(folder_with(tmp_path, UNVERSIONED))
    raw = json.loads(UNVERSIONED)
    assert record.version == VERSION  # version 0's layout is version 1's
    assert record.complete and record.repro is None
    plain = ("experiment", "run_name", "uri", "params", "metrics", "tags", "children")
    assert {k: getattr(record, k) for k in plain} == {k: raw[k] for k in plain}
    assert record.start == StartInfo(**raw["start"])
    # the oldest records had no `complete` (written once, at the end) nor children
    oldest = {k: v for k, v in raw.items() if k not in ("complete", "children", "metrics", "tags", "uri")}
    record = RunRecord.read(folder_with(tmp_path, json.dumps(oldest)))
    assert record.complete and record.children == [] and record.metrics == {} and record.tags == {}
    assert record.uri is None


def test_a_newer_version_is_refused_naming_it(tmp_path):
    newer = {**json.loads(UNVERSIONED), "version": VERSION + 1, "layout": "something new"}
    with pytest.raises(DataError) as err:
        RunRecord.read(folder_with(tmp_path, json.dumps(newer)))
    text = str(err.value)
    assert f"is version {VERSION + 1}, newer than this code reads (version {VERSION})" in text
    assert err.value.key == str(tmp_path / RECORD) and "git pull" in err.value.hint


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "cannot be read (JSONDecodeError"),
        ('{"experiment": ', "cannot be read (JSONDecodeError"),
        ("[1, 2]", "is not a run's record (missing: experiment, run_name, params, start)"),
        ('{"experiment": "e", "params": {}}', "(missing: run_name, start)"),
        (
            '{"experiment": "e", "run_name": "r", "params": {}, "start": {"tags": {}}}',
            "(missing: start.tags.run_uid)",
        ),
        (
            '{"experiment": "e", "run_name": "r", "params": [], "start": {"tags": {"run_uid": "u"}}}',
            "(`params` is list, not dict)",
        ),
        (
            '{"experiment": "e", "run_name": "r", "params": {}, '
            '"start": {"tags": {"run_uid": "u"}, "rerun": 3}}',
            "(`start.rerun` is int, not str)",
        ),
        (
            '{"experiment": "e", "run_name": "r", "params": {}, '
            '"start": {"tags": {"run_uid": "u"}}, "complete": "yes"}',
            "(`complete` is str, not bool)",
        ),
        (
            '{"experiment": "e", "run_name": "r", "params": {}, '
            '"start": {"tags": {"run_uid": "u"}}, "version": "1"}',
            "(`version` is str, not int)",
        ),
    ],
)
def test_a_damaged_or_foreign_record_is_refused_naming_the_file(tmp_path, text, says):
    with pytest.raises(DataError) as err:
        RunRecord.read(folder_with(tmp_path, text))
    assert says in str(err.value) and f"`{tmp_path / RECORD}`" in str(err.value)
    assert err.value.key == str(tmp_path / RECORD)


def test_log_to_hands_the_tracker_the_record_and_the_run_folder(tmp_path):
    """The worker and the re-sync log a record the same way (`RunRecord.log_to`)."""
    calls = []

    class Tracker:
        def log(self, **kwargs: typing.Any) -> None:
            calls.append(kwargs)

    record = a_record(metrics={"cagr": 0.1}, tags={"t": "1"}, children=[{"name": "c"}])
    record.log_to(Tracker(), tmp_path)
    record.log_to(Tracker(), tmp_path, children=[])
    assert calls[0] == {
        "params": record.params,
        "metrics": {"cagr": 0.1},
        "tags": {"t": "1"},
        "folder": tmp_path / "results",
        "hydra_dir": tmp_path / ".hydra",
        "children": [{"name": "c"}],
    }
    assert calls[1]["children"] == []
