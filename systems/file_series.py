"""A researcher's own recorded series as a system: `file:<path>` (a .npy or a .csv file).

Formats (values must be finite numbers):
- `.npy`: an integer or float array of shape (T,) (one component) or (T, D); no pickles.
- `.csv`: comma-separated, one row per time step, one column per component. A header row is
  optional: the first non-blank row is a header when any of its fields is not a number. Every
  other row must hold D numbers; blank lines are skipped.

Split: the first 80 % of the series (split = ⌊0.8 T⌋) trains, the last 20 % is held out. A
window and the observation right after it (its forecast target) lie in one part, so no window
crosses the split: training starts s ∈ [0, split − window − 1], held-out starts s ∈ [split,
T − window − 1], drawn uniformly (with replacement) from the rng (`samples`, `split_samples`).
Other draws come from the training part (`val`: calibration and learning curves; so a
recording's validation windows may overlap its training windows) or, the noise floor's second
held-out set, from the held-out part. Default window: min(784 // D, (T − split) // 4), so
d_in ≈ 784 like the built-in systems when the series is long enough.

Too short: every window, the default or a chosen one, must fit `HELD_OUT_WINDOWS` = 4 times,
disjoint, into the held-out part, so that the held-out windows are not two or three stretches
drawn again and again (a 20-observation file once gave a 2-step window with 2 distinct held-out
windows and FVU 1.4–2.5); and the default window must be at least `MIN_WINDOW` = 8 steps
(delay pairs and a 5-bin spectrum). So a series needs a held-out part of ≥ 32 observations
(T ≥ 156); anything shorter is refused when the system is made (at planning), with the length
it needs. `preflight(window)` applies the rule to a chosen window.

The system's parameters are the path and the file's SHA-256 (filled in on load), so a changed
file makes new cells instead of resuming old ones, and a worker refuses a file that changed
under a planned cell. A recorded series has no equations: no twin-orbit probe (`can_twin`
False, those metrics are "—"), no Lyapunov reference (NaN), `delay_lag` 1, `obs_dt` 1 (one
observation step per time unit). `trajectories` reads stretches of the training part (the
"integrator" of a recording is its tape). Every bad file is one `BenchError` line naming it.
"""

import csv
import hashlib
import itertools
import math
from dataclasses import dataclass, field, make_dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from typing_extensions import override

from bench.errors import BenchError
from bench.registry import SYSTEMS, register_system
from systems.base import Samples, System

PREFIX = "file:"
TRAIN_FRACTION = 0.8
MIN_WINDOW = 8  # shortest default window: delay pairs and a 5-bin spectrum
HELD_OUT_WINDOWS = 4  # disjoint windows every window must fit into the held-out part
TARGET_D_IN = 784

_loaded: dict[tuple, tuple[np.ndarray, str]] = {}  # (path, mtime, size) → (series, sha256)


@dataclass
class FileSeries(System):
    """A recorded series from a .npy or .csv file (held-out windows from its last 20 %)."""

    path: str = ""
    sha256: str = ""  # filled in on load; a given value must match the file

    lyapunov: ClassVar[float] = math.nan
    time_unit: ClassVar[str] = "step"
    transient: ClassVar[int] = 0
    obs_dt: ClassVar[float] = 1.0
    can_twin: ClassVar[bool] = False

    def __post_init__(self) -> None:
        series, digest = load_series(self.path)
        if self.sha256 and self.sha256 != digest:
            raise BenchError(f"{self.label}: the file changed since its cells were planned")
        self.sha256 = digest
        self._series = series  # (T, D) float64; not a field, not a parameter
        self.check_window(self.window)  # too short for any window: refused at planning

    @property
    def label(self) -> str:
        return f"{PREFIX}{self.path}"

    @property
    def dim(self) -> int:
        return self._series.shape[1]

    @property
    def split(self) -> int:
        """Index of the first held-out observation."""
        return math.floor(TRAIN_FRACTION * len(self._series))

    @property
    def window(self) -> int:
        held_out = len(self._series) - self.split
        return max(MIN_WINDOW, min(TARGET_D_IN // self.dim, held_out // 4))

    def check_window(self, window: int) -> None:
        """Refuse a window that the held-out part cannot hold `HELD_OUT_WINDOWS` times (the
        training part, four times longer, then holds it with its next observation too)."""
        total, held_out = len(self._series), len(self._series) - self.split
        need = HELD_OUT_WINDOWS * window
        if held_out < need:
            shorter = held_out // HELD_OUT_WINDOWS
            hint = f" or a window of at most {shorter} steps" if shorter >= MIN_WINDOW else ""
            raise BenchError(
                f"{self.label}: {total} observations are too short for a window of {window} steps: "
                f"the held-out last 20 % ({held_out} observations) must hold {HELD_OUT_WINDOWS} "
                f"disjoint windows ({need} observations); give a series of at least "
                f"{_length_for(need)} observations{hint}"
            )

    @override
    def preflight(self, window: int) -> None:
        self.check_window(window)

    @override
    def samples(
        self, n: int, window: int, rng: np.random.Generator, *, held_out: bool = False
    ) -> Samples:
        """n windows (n, window·D) and their next observations (n, D), float64, from the
        training part (the first 80 %) or, `held_out`, the last 20 %; a window and its next
        observation never cross the split. Draws n start indices from `rng`."""
        self.check_window(window)
        low, high = (self.split, len(self._series)) if held_out else (0, self.split)
        starts = rng.integers(low, high - window, size=n)
        seg = self._series[starts[:, None] + np.arange(window + 1)]  # (n, window + 1, D)
        return Samples(seg[:, :window].reshape(n, window * self.dim), seg[:, window].copy(), None)

    @override
    def split_samples(
        self, n_train: int, n_test: int, window: int, rng: np.random.Generator
    ) -> tuple[Samples, Samples]:
        """Training samples from the first 80 %, then held-out samples from the last 20 %."""
        return self.samples(n_train, window, rng), self.samples(n_test, window, rng, held_out=True)

    # --- the System contract: a recording's "integrator" reads its training part ---

    @override
    def initial_states(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n start indices (n,) in the training part, with room for a default window."""
        self.check_window(self.window)
        return rng.integers(0, self.split - self.window, size=n)

    @override
    def advance(self, state: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """Observations (n, steps, D) from indices `state` (n,) on, and the indices after."""
        if steps and int(np.max(state)) + steps > self.split:
            raise BenchError(
                f"{self.label}: {steps} steps from a training start run past the training part "
                f"({self.split} observations)"
            )
        return self._series[state[:, None] + np.arange(steps)], state + steps

    @override
    def twin_trajectories(self, steps: int, eps: float, rng: np.random.Generator) -> np.ndarray:
        raise BenchError(f"{self.label}: a recorded series cannot make twin trajectories")


def _length_for(held_out: int) -> int:
    """The shortest series whose held-out part (after the 80/20 split) has `held_out` steps."""
    return next(
        t for t in itertools.count(held_out) if t - math.floor(TRAIN_FRACTION * t) >= held_out
    )


def register_file_series(path: str) -> None:
    """Register the system `file:<path>` (the resolver of the "file:" prefix). The file is
    read when the system is instantiated, so a bad file fails at planning, not here."""
    name = f"{PREFIX}{path}"
    if name in SYSTEMS:
        return
    cls = make_dataclass("FileSeries", [("path", str, field(default=path))], bases=(FileSeries,))
    cls.__doc__ = f"The recorded series in {path}"
    register_system(name)(cls)


def load_series(path: str) -> tuple[np.ndarray, str]:
    """The series in `path` as (T, D) float64 and the file's SHA-256, checked; cached by the
    file's (resolved path, mtime, size)."""
    label, file = f"{PREFIX}{path}", Path(path)
    if not path:
        raise BenchError(f"{label}: give a path, e.g. file:data/series.npy")
    if not file.exists():
        raise BenchError(f"{label}: no such file")
    if file.is_dir():
        raise BenchError(f"{label}: is a directory, expected a .npy or .csv file")
    if file.suffix.lower() not in (".npy", ".csv"):
        raise BenchError(f"{label}: expected a .npy or .csv file, got {file.suffix or 'none'!r}")
    try:
        stat = file.stat()
        key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in _loaded:
            raw = file.read_bytes()
            read = _read_npy if file.suffix.lower() == ".npy" else _read_csv
            _loaded[key] = (_checked(read(file, label), label), hashlib.sha256(raw).hexdigest())
    except OSError as e:
        raise BenchError(f"{label}: cannot read the file ({e.strerror or e})") from None
    return _loaded[key]


def _read_npy(file: Path, label: str) -> np.ndarray:
    with open(file, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            raise BenchError(f"{label}: not a .npy file (no NUMPY header)")
    try:
        data = np.load(file, allow_pickle=False)
    except (ValueError, EOFError, OSError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise BenchError(f"{label}: cannot read it as a .npy array ({reason})") from None
    if not isinstance(data, np.ndarray):
        raise BenchError(f"{label}: expected one array, got {type(data).__name__}")
    if not (np.issubdtype(data.dtype, np.integer) or np.issubdtype(data.dtype, np.floating)):
        raise BenchError(f"{label}: holds {data.dtype} values, expected integers or floats")
    return data


def _read_csv(file: Path, label: str) -> np.ndarray:
    try:
        with open(file, newline="", encoding="utf-8") as f:
            rows = [
                (n, row) for n, row in enumerate(csv.reader(f), 1) if any(c.strip() for c in row)
            ]
    except UnicodeDecodeError:
        raise BenchError(f"{label}: not a text CSV file (not UTF-8)") from None
    except csv.Error as e:
        raise BenchError(f"{label}: cannot parse it as CSV ({e})") from None
    if rows and not all(_is_number(c) for c in rows[0][1]):
        rows = rows[1:]  # a header row
    if not rows:
        return np.empty((0,))
    width = len(rows[0][1])
    values = np.empty((len(rows), width))
    for i, (line, row) in enumerate(rows):
        if len(row) != width:
            raise BenchError(f"{label}: line {line} has {len(row)} fields, expected {width}")
        for j, text in enumerate(row):
            if not _is_number(text):
                raise BenchError(f"{label}: line {line}, column {j + 1}: {text!r} is not a number")
            values[i, j] = float(text)
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _checked(data: np.ndarray, label: str) -> np.ndarray:
    """data as (T, D) float64, or a BenchError for a wrong shape or non-finite values."""
    if data.ndim not in (1, 2):
        raise BenchError(f"{label}: expected shape (T,) or (T, D), got {data.shape}")
    if data.size == 0:
        raise BenchError(f"{label}: holds no observations (shape {data.shape})")
    series = np.asarray(data, dtype=np.float64).reshape(len(data), -1)
    bad = ~np.isfinite(series)
    if bad.any():
        row = int(np.argwhere(bad)[0][0])
        raise BenchError(
            f"{label}: {int(bad.sum())} non-finite values (NaN or inf), the first at row {row}"
        )
    return series
