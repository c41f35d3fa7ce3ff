"""What `bench.data.make_dataset` hands a cell: the splits, `val` and `floor` (each from its
own stream, so train, test and twins stay those of a plain run), and the in-process cache."""

import numpy as np
import pytest
import torch

import bench.data
from bench.config import TrainConfig
from bench.data import CACHE_SIZE, data_rng, dataset_key, make_dataset
from bench.registry import get_system
from systems.file_series import register_file_series

SMALL = TrainConfig(n_train=48, n_test=16, batch_size=16, window=12, probe_orbits=2)


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(bench.data, "_cache", {})


def test_val_is_the_calibration_stream_and_never_the_test_split():
    system = get_system("henon")()
    data = make_dataset(system, SMALL, 3)
    raw = system.samples(16, 12, data_rng("henon:calibration", 3)).windows  # (16, 24)
    assert data.val.shape == (16, 24) and data.val.dtype == torch.float32
    assert torch.equal(data.val, data.standardise(raw))  # matched-L0 keeps its windows
    assert not (data.val[:, None] == data.test[None]).all(-1).any()  # no test window in val


def test_floor_is_a_second_raw_held_out_set_from_its_own_stream():
    system = get_system("logistic")()
    data = make_dataset(system, SMALL, 0)
    expected = system.samples(16, 12, data_rng("logistic:floor", 0), held_out=True).windows
    assert data.floor.shape == (16, 12, 1) and data.floor.dtype == np.float64
    np.testing.assert_array_equal(data.floor, expected.reshape(16, 12, 1))
    assert not np.isin(data.floor[:, 0, 0], data.raw(data.test)[:, 0, 0]).any()


def test_no_floor_without_delay_pairs():
    """Window 1 (the ground-truth systems' default) holds no pair (o_t, o_{t+1})."""
    data = make_dataset(get_system("mixed_sources")(), TrainConfig(n_train=32, n_test=8), 0)
    assert data.window == 1 and data.floor is None and data.val.shape == (8, 8)


def test_a_recordings_floor_comes_from_its_held_out_part(tmp_path):
    np.save(tmp_path / "t.npy", np.arange(1000.0))  # the value is the time index
    register_file_series(str(tmp_path / "t.npy"))
    data = make_dataset(get_system(f"file:{tmp_path / 't.npy'}")(), SMALL, 0)
    assert data.floor.min() >= 800  # raw float64: exact time indices
    # standardised float32 windows come back within 1e-3 of their time indices
    assert data.raw(data.test).min() > 799.5
    assert data.raw(data.val).max() < 799.5 and data.raw(data.train).max() < 799.5


def test_matched_l0_and_plain_cells_share_one_dataset():
    cfg = TrainConfig(n_train=32, n_test=8)
    calibrated = TrainConfig(n_train=32, n_test=8, target_l0=16.0)
    assert dataset_key("x", {}, cfg, 0) == dataset_key("x", {}, calibrated, 0)
    system = get_system("mixed_sources")()
    assert make_dataset(system, cfg, 0) is make_dataset(system, calibrated, 0)


def test_the_cache_keeps_the_last_cache_size_datasets():
    system = get_system("mixed_sources")()
    built = [make_dataset(system, TrainConfig(n_train=32, n_test=8), s) for s in range(9)]
    assert len(bench.data._cache) == CACHE_SIZE == 8
    assert make_dataset(system, TrainConfig(n_train=32, n_test=8), 8) is built[8]
    assert make_dataset(system, TrainConfig(n_train=32, n_test=8), 0) is not built[0]
