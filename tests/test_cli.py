"""Bad input at every entry point: one line naming the problem, exit status 2, no traceback."""

import os

import pytest

from bench.cli import main

QUICK = ["run", "--profile", "quick", "--systems", "logistic", "--saes", "relu"]


@pytest.fixture
def run_cli(capsys, tmp_path):
    def run(*argv: str) -> tuple[int, str]:
        try:
            code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
        except SystemExit as e:  # argparse usage errors
            code = e.code
        err = capsys.readouterr().err
        return code, err

    return run


BAD = {
    "unknown system": (["run", "--systems", "lorenz63"], "unknown system 'lorenz63'; valid: "),
    "unknown sae": (["run", "--saes", "sparse"], "unknown SAE 'sparse'; valid: "),
    "unknown profile": (["run", "--profile", "huge"], "unknown profile 'huge'; valid: quick"),
    "unknown device": (["run", "--device", "tpu"], "unknown device 'tpu'; valid: auto, cpu"),
    "unknown executor": ([*QUICK, "--executor", "dask"], "unknown executor 'dask'; valid: local"),
    "set without =": ([*QUICK, "--set", "k"], "--set expects key=value, got 'k'"),
    "set unknown key": ([*QUICK, "--set", "depth=3"], "unknown key 'depth'"),
    "set wrong type": ([*QUICK, "--set", "epochs=two"], "--set epochs=two: expected an integer"),
    "set sae not in run": ([*QUICK, "--set", "topk.k=3"], "'topk' is not in this run"),
    "k above d_sae": (["run", "--saes", "topk", "--set", "k=200"], "k must be in 1..d_sae=128"),
    "k zero": (["run", "--saes", "ksparse_chaos", "--set", "k=0"], "k must be positive"),
    "negative size": ([*QUICK, "--set", "n_train=-5"], "n_train must be positive, got -5"),
    "zero seeds": ([*QUICK, "--seeds", "0"], "--seeds must be positive, got 0"),
    "zero threads": ([*QUICK, "--threads", "0"], "--threads must be a positive integer, got 0"),
    "zero lr": ([*QUICK, "--set", "lr=0"], "lr must be positive, got 0.0"),
    "system blows up": ([*QUICK, "--set", "logistic.r=4.5"], "logistic: r must be in (0, 4]"),
    "henon escapes": (
        ["run", "--systems", "henon", "--set", "henon.a=2.0"],
        "henon: trajectory left the attractor",
    ),
    "seeds not int": ([*QUICK, "--seeds", "two"], "argument --seeds: invalid int value"),
    "missing runs file": (["leaderboard", "--runs", "{tmp}/none.jsonl"], "no runs file at"),
    "unknown command": (["train"], "invalid choice: 'train'"),
    "unknown experiment": (["reproduce", "v5"], "unknown experiment 'v5'; choose one of"),
    "reproduce zero seeds": (["reproduce", "henon", "--seeds", "0"], "seeds"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_gives_one_clear_line(run_cli, case):
    argv, message = BAD[case]
    code, err = run_cli(*argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_file_that_is_not_a_results_file_is_one_line(run_cli, tmp_path):
    (tmp_path / "README.md").write_text("# Title\n\nprose\n" * 400)
    code, err = run_cli("leaderboard", "--runs", "{tmp}/README.md")
    assert code == 2
    assert err == (
        f"chaos-sae-bench: error: {tmp_path}/README.md is not a results file: "
        "none of its 800 lines is a cell's record\n"
    )


def test_an_empty_runs_file_holds_no_finished_cells(run_cli, tmp_path):
    (tmp_path / "runs.jsonl").write_text("")
    code, err = run_cli("leaderboard", "--runs", "{tmp}/runs.jsonl")
    assert code == 2 and err.endswith("runs.jsonl holds no finished cells\n")


def test_cuda_requested_without_cuda(run_cli):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, err = run_cli(*QUICK, "--device", "cuda")
    assert code == 2 and "CUDA is not available here" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_directory(run_cli, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, err = run_cli(*QUICK, "--out", str(locked / "sub"))
    assert code == 2 and "cannot create output directory" in err


def test_output_path_is_a_file(run_cli, tmp_path):
    (tmp_path / "taken").write_text("")
    code, err = run_cli(*QUICK, "--out", "{tmp}/taken/results")
    assert code == 2 and "cannot create output directory" in err


def test_list_names_every_system_and_sae(run_cli, capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in [
        "logistic",
        "henon",
        "lorenz96",
        "mackey_glass",
        "relu",
        "l1",
        "topk",
        "jumprelu",
        "gated",
        "ksparse_chaos",
    ]:
        assert f"  {name} " in out


def test_counts_read_as_english():
    from bench.run.progress import plural

    assert [plural(1, "cell"), plural(2, "cell"), plural(1, "thread")] == [
        "1 cell",
        "2 cells",
        "1 thread",
    ]


def test_every_option_has_help():
    from bench.cli import parser

    sub = next(a for a in parser()._actions if a.dest == "command")
    for name, command in sub.choices.items():
        for action in command._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.option_strings or action.dest} has no help"
