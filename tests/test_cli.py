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
    # refused before anything trains, a dry run included
    "one-number windows": (
        [*QUICK, "--set", "window=1", "--dry-run"],
        "logistic: a window of 1 step(s) × 1 number(s) gives d_in = 1; SAEs need d_in ≥ 2",
    ),
    "one test window": ([*QUICK, "--set", "n_test=1", "--dry-run"], "n_test must be ≥ 2"),
    "bool without scope": (
        ["run", "--saes", "jumprelu", "--set", "jumprelu.ste_to_input=yes", "--dry-run"],
        "--set jumprelu.ste_to_input=yes: expected true or false",
    ),
    "matched-l0 with nothing to match": (
        ["run", "--saes", "relu", "kl_sparse", "--matched-l0", "--dry-run"],
        "--matched-l0 plans no cell: relu, kl_sparse have no L0 control",
    ),
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


def test_a_bare_command_lists_the_commands(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    for command in ("list", "run", "leaderboard", "randomness", "reproduce"):
        assert f"\n    {command}" in err  # one help line each
    assert "Commands: list, run, leaderboard, randomness, stream, reproduce" in " ".join(
        err.split()
    )


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit:
        main(["--version"])
    assert exit.value.code == 0
    assert capsys.readouterr().out == f"chaos-sae-bench {version('chaos-sae-bench')}\n"


def test_run_help_names_every_group_and_device_and_the_defaults(capsys):
    from bench.registry import GROUPS

    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps at the terminal's width
    assert f"groups {' | '.join(GROUPS)} | all (default: core)" in text
    assert "auto | cpu | cuda | cuda:N (default: auto)" in text
    assert "quick | paper | default | full (default: default)" in text


def test_every_out_option_shows_its_default():
    from bench.cli import parser

    sub = next(a for a in parser()._actions if a.dest == "command")
    for name, command in sub.choices.items():
        for action in command._actions:
            if action.dest == "out":
                assert "%(default)s" in action.help, name


def test_matched_l0_names_the_saes_it_leaves_out(capsys, tmp_path):
    argv = ["run", "--systems", "logistic", "--saes", "l1", "relu", "--matched-l0", "--dry-run"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("--matched-l0 leaves out relu: no L0 control\n3 cells: 0 already in")


def test_bit_counts_take_the_notation_the_help_uses():
    import argparse

    from bench.cli import bit_count

    assert bit_count("1e9") == 10**9 and bit_count("1_000_000") == bit_count("1000000") == 10**6
    for bad in ("0", "-5", "1.5", "1e-3", "lots", "nan", "inf"):
        with pytest.raises(argparse.ArgumentTypeError, match="positive whole number"):
            bit_count(bad)


def test_a_bad_bit_count_is_one_line(capsys):
    from bench.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["stream", "--control", "pcg64", "--bits", "1.5"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("argument --bits: expected a positive whole number of bits, got '1.5'")
