"""`--jobs` workers share built datasets (bench.data.share_through): each is built once, and a
process that loads it gets the builder's data bit for bit."""

import fcntl
import pickle
import threading

import numpy as np
import pytest
import torch

import bench.data
from bench.config import profile
from bench.data import make_dataset, share_through
from bench.registry import get_system


@pytest.fixture
def shared(tmp_path, monkeypatch):
    monkeypatch.setattr(bench.data, "_cache", {})
    share_through(tmp_path)
    yield tmp_path
    share_through(None)


def fail_to_build(*args):
    raise AssertionError("built again: the shared dataset was not used")


def test_a_second_process_loads_the_dataset_bit_for_bit(shared, monkeypatch):
    system, (cfg, _) = get_system("lorenz96")(), profile("quick")
    built = make_dataset(system, cfg, 0)
    monkeypatch.setattr(bench.data, "_cache", {})  # as a fresh worker process
    monkeypatch.setattr(bench.data, "_build", fail_to_build)
    loaded = make_dataset(system, cfg, 0)
    assert loaded is not built
    for name, value in built.__dict__.items():
        other = loaded.__dict__[name]
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, other) and value.dtype == other.dtype, name
        elif isinstance(value, np.ndarray):
            assert np.array_equal(value, other) and value.dtype == other.dtype, name
        else:
            assert value == other, name
    assert built.twins is not None  # the probe's orbits travel too


def test_a_process_waits_for_the_builder_instead_of_building_again(shared):
    key = ("toy", "{}", (1, 1, 1, 1), False, 0)
    path = shared / bench.data._shared_name(key)
    results = []
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker is building this dataset
        waiter = threading.Thread(
            target=lambda: results.append(bench.data._build_once(key, fail_to_build))
        )
        waiter.start()
        path.write_bytes(pickle.dumps("the builder's dataset"))
    waiter.join()  # the lock is released: the waiter loads what the builder wrote
    assert results == ["the builder's dataset"]
