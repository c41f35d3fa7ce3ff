"""runs.jsonl: whole-line appends, resume keys, torn and corrupt lines."""

import json

import pytest

from bench.errors import BenchError
from bench.store import RunStore


def rec(key, status="ok"):
    return {
        "key": key,
        "system": "logistic",
        "sae": "topk",
        "seed": 0,
        "config": {"k": 32},
        "status": status,
        "metrics": {"fvu": 0.5} if status == "ok" else {},
    }


def test_append_and_load_round_trip(tmp_path):
    store = RunStore(tmp_path / "runs.jsonl")
    store.append(rec("a"))
    store.append(rec("b", "failed"))
    assert [r["key"] for r in store.load()] == ["a", "b"]
    assert store.done_keys() == {"a"}  # failed cells are retried


def test_torn_last_line_is_skipped_and_closed_off(tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps(rec("a")) + "\n" + '{"key": "b", "stat')  # crash mid-write
    store = RunStore(path)
    with pytest.warns(UserWarning, match="runs.jsonl: skipped 1 line that is not a record"):
        assert [r["key"] for r in store.load()] == ["a"]
    store.append(rec("c"))
    with pytest.warns(UserWarning, match="skipped 1 line"):
        assert [r["key"] for r in store.load()] == ["a", "c"]


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(BenchError, match="cannot write results"):
        RunStore(blocker / "runs.jsonl").append(rec("a"))


@pytest.mark.parametrize(
    "line",
    [
        '{"key": "x", "status": "ok"}',  # valid JSON, not a record
        json.dumps({**rec("x"), "metrics": {"fvu": "0.5"}}),  # a metric that is a string
        json.dumps({**rec("x"), "metrics": {"fvu": True}}),
        json.dumps({**rec("x"), "seed": "0"}),
        json.dumps({**rec("x"), "config": [32]}),
        json.dumps({**rec("x"), "metrics": {}}),  # ok with no metrics
        "[1, 2]",
        "null",
    ],
)
def test_lines_that_are_not_records_are_skipped_without_echo(tmp_path, line):
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps(rec("a")) + "\n" + line + "\n")
    with pytest.warns(UserWarning) as caught:
        assert [r["key"] for r in RunStore(path).load()] == ["a"]
    assert [str(w.message) for w in caught] == [
        f"{path}: skipped 1 line that is not a record (torn or corrupt)"
    ]


def test_skipped_lines_are_counted_in_one_warning(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# a title\n\nsome prose\n" + json.dumps(rec("a")) + "\n{}\n")
    assert RunStore(path).read() == ([rec("a")], 3)  # blank lines are not counted
    with pytest.warns(UserWarning) as caught:
        RunStore(path).load()
    assert [str(w.message) for w in caught] == [
        f"{path}: skipped 3 lines that are not records (torn or corrupt)"
    ]


def test_a_record_is_read_whatever_settings_its_config_holds(tmp_path):
    """A record keeps its run's whole config; the store does not ask for any setting in it
    (records of older versions, without `key_config` or `profile`, read the same)."""
    path = tmp_path / "runs.jsonl"
    newer = {**rec("b"), "config": {"epochs": 2}, "key_config": {}, "profile": "quick"}
    path.write_text(json.dumps(rec("a")) + "\n" + json.dumps(newer) + "\n")
    assert [r["key"] for r in RunStore(path).load()] == ["a", "b"]
