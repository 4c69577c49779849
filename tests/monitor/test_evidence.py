"""The evidence beside each state, read from a catalogue verdict's file: what is shown is re-derived here
from the file's own numbers (json, no project code), and a file that cannot serve is refused by name."""

from __future__ import annotations

import json

import pytest

from common.errors import ConfigError
from monitor import evidence
from tests.cli import REPO

COMMITTED = REPO / evidence.DEFAULT


def expected(row: dict) -> str:
    """The short verdict of a family, written from its row with the rule the issue states.

    A search beats 60/40 only at SPA p < 0.05; else no evidence (a high SPA p is not "trails": SPA
    tests only whether the best beats the benchmark). p as the verdict sentence writes it (3 decimals
    below 0.01), the BY q with 2.
    """
    p = row["spa_p.sixty_forty"]
    head = "beats 60/40" if p < 0.05 else "no evidence it beats 60/40"
    p_text = "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"
    q = row["event_best_q"]
    q_text = "n/a" if q is None else f"{q:.2f}"
    return f"{head} (SPA p {p_text}, {row['configs']:,} configs); event q {q_text}"


def test_the_committed_file_is_the_bundled_datas_catalogue_dated_with_its_window():
    doc = json.loads(COMMITTED.read_text())
    assert doc["data"]["source"] == "bundled" and doc["computed"]
    assert doc["data"]["first"] < doc["data"]["last"] and len(doc["data"]["digest"]) == 16
    found = evidence.read(COMMITTED)
    assert found.about() == (
        f"python -m analysis verdicts of {doc['computed']} on data=bundled {doc['data']['first']} to "
        f"{doc['data']['last']} (evidence.json)"
    )
    # every family of the catalogue, auction_stress and repo_stress included
    assert {"auction_stress", "repo_stress", "move_vix_wedge", "yield_breakout"} <= set(doc["families"])


def test_each_familys_evidence_is_its_rows_spa_verdict_and_best_q():
    doc = json.loads(COMMITTED.read_text())
    found = evidence.read(COMMITTED)
    for name, row in doc["families"].items():
        assert found.of(name) == expected(row), name
    assert found.of("wedge_graded") == "not in the catalogue (no family of that name)"


def test_each_of_the_three_outcomes_reads_from_the_file(tmp_path):
    rows = {
        "strong": {
            "configs": 24,
            "sharpe_gap.sixty_forty": 0.31,
            "spa_p.sixty_forty": 0.004,
            "event_best_q": 0.03,
        },
        "none": {
            "configs": 1200,
            "sharpe_gap.sixty_forty": 0.02,
            "spa_p.sixty_forty": 0.51,
            "event_best_q": None,
        },
        "weak": {
            "configs": 6,
            "sharpe_gap.sixty_forty": -0.2,
            "spa_p.sixty_forty": 0.99,
            "event_best_q": 1.0,
        },
    }
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"families": rows, "event_studies": [{"p": 0.1, "q": 0.4}]}))
    found = evidence.read(path)
    shown = {name: found.of(name) for name in rows}
    assert shown == {name: expected(row) for name, row in rows.items()}
    assert shown["strong"].startswith("beats 60/40 (SPA p 0.004, 24 configs)")
    assert shown["none"] == "no evidence it beats 60/40 (SPA p 0.51, 1,200 configs); event q n/a"
    assert shown["weak"].startswith("no evidence it beats 60/40 (SPA p 0.9")
    assert "an unrecorded date" in found.about() and "a data window it does not record" in found.about()


def test_no_file_means_no_evidence_said_once(tmp_path):
    found = evidence.read(tmp_path / "catalogue.json")
    assert not found.found and found.of("move_vix_wedge") == "no evidence on file"
    assert "run `python -m analysis verdicts`" in found.about()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "is not JSON"),
        ('{"verdicts": {}}', "is not a catalogue verdict (no `families`)"),
        ('{"families": {"move_vix_wedge": {"configs": 24}}}', "family `move_vix_wedge` has no sharpe_gap"),
    ],
)
def test_a_file_that_cannot_serve_is_refused_naming_the_key(tmp_path, text, said):
    path = tmp_path / "catalogue.json"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        evidence.read(path)
    assert err.value.key == "monitor.evidence" and said in str(err.value) and str(path) in str(err.value)


def test_the_extract_keeps_what_the_monitor_reads_and_refuses_other_data_for_the_committed_file(tmp_path):
    full = json.loads(COMMITTED.read_text())
    full["event_studies"] = [{"family": "move_vix_wedge", "p": 0.2, "q": 1.0}]
    full["families"]["move_vix_wedge"]["pbo"] = 0.39
    source = tmp_path / "catalogue.json"
    source.write_text(json.dumps(full))
    out = tmp_path / "extract.json"
    assert evidence.main([str(source), str(out)]) == 0
    extract = json.loads(out.read_text())
    assert "event_studies" not in extract and "pbo" not in extract["families"]["move_vix_wedge"]
    for name in full["families"]:
        assert (
            evidence.read(out).of(name) == evidence.read(source).of(name) == expected(full["families"][name])
        )
    before = COMMITTED.read_bytes()
    live = {**full, "data": {**full["data"], "source": "live"}}
    source.write_text(json.dumps(live))
    assert evidence.main([str(source)]) == 2  # the committed file: the bundled data's only
    assert COMMITTED.read_bytes() == before


@pytest.mark.slow
def test_python_m_monitor_refuses_a_bad_evidence_file_before_any_work(tmp_path):
    from tests.cli import python, store_runs

    bad = tmp_path / "catalogue.json"
    bad.write_text('{"verdicts": {}}')
    state = tmp_path / "state"
    proc = python("-m", "monitor", "strategy=term_premium", f"monitor.evidence={bad}",
                  f"monitor.state_dir={state}", store=tmp_path)  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "`monitor.evidence`" in proc.stderr and str(bad) in proc.stderr and "no `families`" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout and not state.exists()
    assert not (tmp_path / "mlflow.db").exists() or store_runs(tmp_path).empty  # no MLflow run


def test_a_replayed_runs_row_reads_its_presets_family():
    doc = json.loads(COMMITTED.read_text())
    found = evidence.read(COMMITTED).aliased({"move_vix_wedge-run3f2a9c1b": "move_vix_wedge", "x-run1": "x"})
    assert found.of("move_vix_wedge-run3f2a9c1b") == expected(doc["families"]["move_vix_wedge"])
    assert found.of("x-run1") == "not in the catalogue (no family of that name)"
