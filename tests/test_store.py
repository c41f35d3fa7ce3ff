"""runs.jsonl: whole-line appends, resume keys, torn and corrupt lines."""

import json

import pytest

from bench.errors import BenchError
from bench.store import RunStore


def rec(key, status="ok"):
    return {"key": key, "status": status, "metrics": {"fvu": 0.5}}


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
    with pytest.warns(UserWarning, match="runs.jsonl:2: skipping a corrupt line"):
        assert [r["key"] for r in store.load()] == ["a"]
    store.append(rec("c"))
    with pytest.warns(UserWarning, match=":2: skipping"):
        assert [r["key"] for r in store.load()] == ["a", "c"]


def test_unwritable_location_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(BenchError, match="cannot write results"):
        RunStore(blocker / "runs.jsonl").append(rec("a"))
