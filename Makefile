# One virtualenv in .venv; every target installs what it needs first (a stamp per set of extras,
# and one per torch build). GPU users pick their torch build with TORCH_SPEC, e.g.
# `make leaderboard TORCH_SPEC=torch` (PyPI's default Linux wheel is a CUDA build); the default
# pins the CPU wheel. Changing TORCH_SPEC reinstalls torch: its stamp is named by the spec.
PYTHON ?= python3
TORCH_SPEC ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin
TORCH := $(VENV)/.torch-$(shell printf '%s' '$(TORCH_SPEC)' | cksum | cut -d' ' -f1)
DEV := $(VENV)/.installed-dev
TEST := $(VENV)/.installed-dev,ray
# Your run of `make leaderboard` (resumable, git-ignored). The committed reference run is
# results/reference/, made by `make leaderboard OUT=results/reference` on a fresh clone.
OUT ?= results/latest
# Worker processes for the run (auto: one per core); JOBS=1 runs every cell in one process.
JOBS ?= auto
# The profile of the leaderboard and fronts runs (`make leaderboard PROFILE=paper`: the seed
# paper's budget).
PROFILE ?= default

.PHONY: setup leaderboard fronts test test-dysts lint docs bench-kernels bench-systems bench-scaling bench-budget reproduce clean

setup: $(DEV)

$(TORCH):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet "$(TORCH_SPEC)"
	rm -f $(VENV)/.torch-* $(VENV)/.installed-*
	touch $@

$(VENV)/.installed-%: pyproject.toml $(TORCH)
	$(BIN)/pip install --quiet -e ".[$*]"
	touch $@

# The default profile over every SAE (all groups), then the matched-L0 run (coefficient SAEs
# calibrated to L0 = k; TopK-style cells are shared with the first run), the reference curves
# (PCA and sparse coding at k = 8, 16, 64; k = 32 is the first run's), then the tables.
leaderboard: $(DEV)
	$(BIN)/chaos-sae-bench run --profile $(PROFILE) --saes all --jobs $(JOBS) --out $(OUT)
	$(BIN)/chaos-sae-bench run --profile $(PROFILE) --saes all --matched-l0 --jobs $(JOBS) --out $(OUT)
	$(BIN)/chaos-sae-bench run --profile $(PROFILE) --saes reference --seeds 1 --set k=8,16,64 --jobs $(JOBS) --out $(OUT)
	$(BIN)/chaos-sae-bench leaderboard --runs $(OUT)/runs.jsonl --out $(OUT)

# Fronts: every SAE at L0 = 8, 16 and 64 besides the main run's 32, one seed (k-set SAEs at
# k = target, coefficient SAEs calibrated to it; cells the leaderboard ran are skipped), and
# synth_hierarchy at L0 = 3 and 4 too (its true L0 is 4.7: SynthSAEBench-16k's 20 and 25 at its
# scale); then the tables again. Run after `make leaderboard` with the same OUT.
fronts: $(DEV)
	$(BIN)/chaos-sae-bench run --profile $(PROFILE) --saes all --matched-l0 --seeds 1 --set target_l0=8,16,64 --jobs $(JOBS) --out $(OUT)
	$(BIN)/chaos-sae-bench run --profile $(PROFILE) --systems synth_hierarchy --saes all --matched-l0 --seeds 1 --set target_l0=3,4 --jobs $(JOBS) --out $(OUT)
	$(BIN)/chaos-sae-bench leaderboard --runs $(OUT)/runs.jsonl --out $(OUT)

# The whole suite, Ray executor test included; kernel benchmarks run as correctness tests.
# One pytest worker per core (pytest-xdist; tests handed out one by one): on 2 cores the
# suite takes about half the wall time.
test: $(TEST)
	$(BIN)/python -m pytest -q --benchmark-disable -n auto

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The reference pages in docs/, generated from the code: metrics.md from METRICS, saes.md and
# systems.md from the registry, cli.md from the parser, extending.md's lists; the prose around
# them is docs/templates/. tests/test_docs.py keeps the committed pages equal to the code's.
docs: $(DEV)
	$(BIN)/python -m bench.docs docs

# pytest-benchmark's JSON keeps every round (8 MB); the committed copy keeps the statistics.
bench-kernels: $(DEV)
	mkdir -p results/benchmarks .benchmarks
	$(BIN)/python -m pytest tests/benchmarks -q --benchmark-only \
		--benchmark-json .benchmarks/kernels-full.json --benchmark-group-by=group
	$(BIN)/python -c "import json; d = json.load(open('.benchmarks/kernels-full.json')); \
		[b['stats'].pop('data') for b in d['benchmarks']]; \
		json.dump(d, open('results/benchmarks/kernels.json', 'w'), indent=1)"
	$(BIN)/python tests/benchmarks/kernel_ratios.py | tee results/benchmarks/kernel_ratios.txt

# Ours against dysts at matched accuracy, batched and single-trajectory, 10k and 100k samples
# (about 10 minutes, mostly dysts); writes results/benchmarks/systems.md.
# dysts pins pandas < 3, so the comparison runs in a virtualenv of its own.
bench-systems: pyproject.toml
	test -x .venv-dysts/bin/python || $(PYTHON) -m venv .venv-dysts
	.venv-dysts/bin/pip install --quiet "$(TORCH_SPEC)"
	.venv-dysts/bin/pip install --quiet -e ".[dysts]"
	.venv-dysts/bin/python tests/benchmarks/systems_benchmark.py --dysts-repeats 1

# The quick matrix with --jobs 1 against --jobs auto, cell time against n_train, d_sae and the
# window (log-log slopes), sae-lens' step against a bare torch step, where a default-profile
# cell's time goes (data, training, each metric family, calibration), training GFLOP/s against
# a one-core matmul peak, and lockstep training of 4 SAEs against one at a time (about 20
# minutes on the idle 2-core machine); writes results/benchmarks/scaling.md.
bench-scaling: $(DEV)
	$(BIN)/python tests/benchmarks/scaling.py

# The dysts bridge's tests, in the dysts virtualenv (CI skips them: dysts pins pandas < 3).
test-dysts: pyproject.toml
	test -x .venv-dysts/bin/python || $(PYTHON) -m venv .venv-dysts
	.venv-dysts/bin/pip install --quiet "$(TORCH_SPEC)"
	.venv-dysts/bin/pip install --quiet -e ".[dysts,dev]"
	.venv-dysts/bin/python -m pytest -q -rs tests/test_dysts_bridge.py

# The budget study behind the default profile (core SAEs, 1×–64× the samples, one seed; the
# matched-L0 matrix on 1×–16× only). Its records are committed, in results/benchmarks/budget/
# (a rerun resumes there: nothing trains again); report results/benchmarks/budget.md.
bench-budget: $(DEV)
	$(BIN)/python tests/benchmarks/budget.py --jobs $(JOBS) --matched-rungs 3

reproduce: $(DEV)
	$(BIN)/chaos-sae-bench reproduce all --out results/reproduction

clean:
	rm -rf $(VENV) .venv-dysts .pytest_cache .ruff_cache
