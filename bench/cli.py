"""`chaos-sae-bench`: list, run, leaderboard, randomness, stream, reproduce.

Parses arguments, turns every `BenchError` into one line on stderr and exit status 2 (`--debug`
shows the traceback), prints warnings as one line each, and keeps heavy imports (torch,
sae-lens) out of `--help` and `list`. A bare `chaos-sae-bench` prints the help (exit 2).
"""

import argparse
import os
import sys
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rich.console import Console

from bench.errors import BenchError

console = Console(stderr=False)


def cmd_list(args: argparse.Namespace) -> None:
    from bench import registry

    print("systems:")
    for name, cls in registry.systems().items():
        print(f"  {name:<16} {registry.summary(cls)}")
    for group in registry.GROUPS:
        members = {n: c for n, c in registry.saes().items() if c.group == group}
        title = "reference rows (not competitors)" if group == "reference" else f"{group} saes"
        if members:
            print(f"{title}:")
        for name, cls in members.items():
            print(f"  {name:<16} {registry.summary(cls)}")


def cmd_run(args: argparse.Namespace) -> None:
    from bench.config import profile
    from bench.device import resolve_device
    from bench.registry import sae_names, system_names
    from bench.run.cell import no_l0_control, plan
    from bench.run.matrix import run_matrix
    from bench.run.pool import resolve_jobs

    cfg, default_seeds = profile(args.profile)
    device = resolve_device(args.device)
    if args.threads < 1:
        raise BenchError(f"--threads must be a positive integer, got {args.threads}")
    saes = sae_names(args.saes)
    cells = plan(
        args.systems or system_names(),
        saes,
        args.seeds if args.seeds is not None else default_seeds,
        config=cfg,
        assignments=args.set,
        matched_l0=args.matched_l0,
        profile=args.profile,
    )
    if args.matched_l0 and (left_out := no_l0_control(saes)):
        console.print(
            f"--matched-l0 leaves out {', '.join(left_out)}: no L0 control", soft_wrap=True
        )
    if args.dry_run:
        from bench.run.matrix import describe_plan

        console.print(describe_plan(cells, Path(args.out) / "runs.jsonl"), soft_wrap=True)
        return
    run_matrix(
        cells,
        writable_dir(args.out) / "runs.jsonl",
        device=device,
        console=console,
        threads=args.threads,
        executor=args.executor,
        ray_address=args.ray_address,
        jobs=resolve_jobs(args.jobs, args.threads, device),
        save_dir=writable_dir(args.save_saes) if args.save_saes else None,
    )


def cmd_leaderboard(args: argparse.Namespace) -> None:
    from bench.report.leaderboard import write
    from bench.store import RunStore, skipped_note

    runs = Path(args.runs)
    if not runs.is_file():
        raise BenchError(f"no runs file at {runs}; run `chaos-sae-bench run` first")
    records, skipped = RunStore(runs).read()
    if not records and skipped:
        raise BenchError(
            f"{runs} is not a results file: none of its {skipped} lines is a cell's record"
        )
    if not records:
        raise BenchError(f"{runs} holds no finished cells")
    if skipped:
        print(f"chaos-sae-bench: warning: {skipped_note(runs, skipped)}", file=sys.stderr)
    files = write(records, writable_dir(args.out), console, reference=args.reference)
    from bench.report.browser import screenshot, unavailable

    page = files[-1] if files[-1].name == "index.html" else None  # None: every cell failed
    no_browser = unavailable()
    if page is not None and no_browser is None:  # Chromium and Playwright are here: picture it
        files.append(screenshot(page, Path(args.out) / "figures" / "leaderboard_page.png"))
    elif page is not None:
        console.print(f"[dim]no picture of the page: {no_browser}[/]")
    console.print("wrote " + ", ".join(str(f) for f in files), soft_wrap=True)


def cmd_randomness(args: argparse.Namespace) -> None:
    from bench.device import resolve_device
    from bench.randomness import command
    from bench.registry import sae_names, system_names

    command.check(args.bits, tuple(args.extractions), args.battery)
    command.run(
        args.systems or system_names(),
        sae_names(args.saes or ["all"]),
        args.bits,
        writable_dir(args.out),
        resolve_device(args.device),
        seed=args.seed,
        save_saes_dir=args.save_saes,
        extractions=tuple(args.extractions),
        battery=args.battery,
        profile_name=args.profile,
        console=console,
        jobs=args.jobs,
    )


def cmd_stream(args: argparse.Namespace) -> None:
    from bench.device import resolve_device
    from bench.randomness import emit

    emit.check_bits(args.bits)
    stream = emit.open_stream(
        system=args.system,
        sae=args.sae,
        saved=args.saved,
        control=args.control,
        extraction=args.extraction,
        profile_name=args.profile,
        seed=args.seed,
        device=resolve_device(args.device),
        save_saes_dir=args.save_saes,
        log=Console(stderr=True),
    )
    emit.run(stream, args.bits)


def cmd_reproduce(args: argparse.Namespace) -> None:
    from bench.device import resolve_device
    from bench.reproduce import run

    run(args.experiment, args.seeds, writable_dir(args.out), resolve_device(args.device))


def writable_dir(path: str | Path) -> Path:
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BenchError(f"cannot create output directory {path}: {e.strerror}") from None
    if not os.access(path, os.W_OK):
        raise BenchError(f"output directory {path} is not writable")
    return path


DEVICE_HELP = "auto | cpu | cuda | cuda:N (default: %(default)s)"


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the subcommand's usage is in its --help)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def bit_count(text: str) -> int:
    """A positive whole number of bits, written as `1000000`, `1_000_000` or `1e6`."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        value = float("nan")
    if not (1 <= value < float("inf") and value == int(value)):
        raise argparse.ArgumentTypeError(f"expected a positive whole number of bits, got {text!r}")
    return int(value)


def package_version() -> str:
    try:
        return version("chaos-sae-bench")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    from bench.config import PROFILES  # dataclasses only: cheap
    from bench.registry import GROUPS  # a tuple of names: imports no system or SAE

    p = OneLineParser(prog="chaos-sae-bench")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {package_version()}",
        help="show the version and exit",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("list", help="registered systems and SAEs").set_defaults(func=cmd_list)

    run = sub.add_parser("run", help="train every (system, SAE, seed) cell")
    run.add_argument("--systems", nargs="+", metavar="NAME", help="default: all")
    run.add_argument(
        "--saes",
        nargs="+",
        metavar="NAME",
        help=f"names or groups {' | '.join((*GROUPS, 'all'))} (default: core)",
    )
    run.add_argument("--seeds", type=int, help="seeds per cell (default: the profile's)")
    run.add_argument(
        "--profile", default="default", help=f"{' | '.join(PROFILES)} (default: %(default)s)"
    )
    run.add_argument("--device", default="auto", help=DEVICE_HELP)
    run.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        action="extend",
        help="override a setting: k=16, l1.l1_coefficient=2, lorenz96.forcing=10; "
        "a comma list is a sweep: k=8,16,64",
    )
    run.add_argument(
        "--matched-l0",
        action="store_true",
        help="calibrate coefficient SAEs to L0 = target_l0 (default: k), run k-set SAEs at "
        "k = target_l0; SAEs with no L0 control are left out",
    )
    run.add_argument(
        "--out", default="results/latest", help="directory of runs.jsonl (default: %(default)s)"
    )
    run.add_argument(
        "--dry-run", action="store_true", help="plan and count the cells, train nothing"
    )
    run.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads per cell (default 1: these small SAEs train faster on one)",
    )
    run.add_argument(
        "--jobs",
        default="auto",
        help="worker processes for the local executor (default auto: cores // --threads)",
    )
    run.add_argument(
        "--save-saes",
        metavar="DIR",
        help="keep each finished cell's SAE (sae-lens format) and record in DIR/<cell key>/",
    )
    run.add_argument("--executor", default="local", help="local | ray (default: %(default)s)")
    run.add_argument("--ray-address", default=None, help="Ray cluster (default: RAY_ADDRESS)")
    run.set_defaults(func=cmd_run)

    lb = sub.add_parser("leaderboard", help="tables, figures and the web page from runs.jsonl")
    lb.add_argument(
        "--runs", default="results/latest/runs.jsonl", help="records to read (default: %(default)s)"
    )
    lb.add_argument(
        "--out", default="results/latest", help="directory for the tables (default: %(default)s)"
    )
    lb.add_argument(
        "--reference",
        default="ksparse_chaos",
        help="the SAE Welch's t-tests compare every other SAE with (default: %(default)s)",
    )
    lb.set_defaults(func=cmd_leaderboard)

    rnd = sub.add_parser(
        "randomness", help="NIST SP 800-22 (and dieharder) on bits drawn from SAE latents"
    )
    rnd.add_argument("--systems", nargs="+", metavar="NAME", help="default: all")
    rnd.add_argument("--saes", nargs="+", metavar="NAME", help="names or groups (default: all)")
    rnd.add_argument(
        "--bits", type=bit_count, default=1_000_000, help="bits per stream (default 1e6)"
    )
    rnd.add_argument(
        "--out",
        default="results/latest/randomness",
        help="directory for randomness.md, .csv, .json and dieharder.csv; a run resumes the "
        "streams it finds there (default: %(default)s, git-ignored)",
    )
    rnd.add_argument(
        "--battery",
        default="nist",
        help="nist: NIST SP 800-22; dieharder: NIST SP 800-22 and dieharder (default: nist)",
    )
    rnd.add_argument(
        "--profile",
        default="default",
        help=f"the cells' profile: {' | '.join(PROFILES)} (default: default)",
    )
    rnd.add_argument("--device", default="auto", help=DEVICE_HELP)
    rnd.add_argument("--seed", type=int, default=0, help="the cells' seed (default 0)")
    rnd.add_argument(
        "--save-saes", type=Path, default=None, help="load (or save) trained SAEs here"
    )
    rnd.add_argument(
        "--extractions", nargs="+", default=["threshold", "lsb"], help="threshold | lsb"
    )
    rnd.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="streams assessed at once, in threads (default: %(default)s; results are the same)",
    )
    rnd.set_defaults(func=cmd_randomness)

    st = sub.add_parser("stream", help="endless bits from an SAE's latents on standard output")
    st.add_argument("--system", metavar="NAME", help="the system (with --sae or --control raw)")
    st.add_argument("--sae", metavar="NAME", help="the SAE of the (system, SAE) cell")
    st.add_argument("--saved", type=Path, metavar="DIR", help="a folder written by --save-saes")
    st.add_argument("--control", help="pcg64 | constant | raw (the system's raw orbit)")
    st.add_argument("--extraction", default="lsb", help="threshold | lsb (default: lsb)")
    st.add_argument(
        "--bits", type=bit_count, default=None, help="stop after N bits (default: never)"
    )
    st.add_argument("--profile", default="default", help="the cell's profile (default: default)")
    st.add_argument("--seed", type=int, default=0, help="the cell's and windows' seed (default 0)")
    st.add_argument("--save-saes", type=Path, default=None, help="load (or save) trained SAEs here")
    st.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N")
    st.set_defaults(func=cmd_stream)

    rep = sub.add_parser("reproduce", help="the seed paper's experiments")
    rep.add_argument("experiment", help="evolution | k-ablation | henon | divergence | all")
    rep.add_argument("--seeds", type=int, default=5, help="seeds per model (default: 5)")
    rep.add_argument(
        "--out",
        default="results/latest/reproduction",
        help="directory for tables (default: %(default)s, git-ignored)",
    )
    rep.add_argument("--device", default="auto", help=DEVICE_HELP)
    rep.set_defaults(func=cmd_reproduce)
    p.description = (
        "Benchmark sparse autoencoders on chaotic systems. Commands: "
        f"{', '.join(sub.choices)}; `chaos-sae-bench COMMAND --help` for each."
    )
    return p


def one_line_warning(message: Warning | str, *_where: object) -> str:
    """`warnings.formatwarning` for a person: the message alone, on one line."""
    return f"chaos-sae-bench: warning: {message}\n"


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.command is None:  # a bare `chaos-sae-bench`: what it can do
        cli.print_help(sys.stderr)
        return 2
    shown = warnings.formatwarning
    if not args.debug:
        warnings.formatwarning = one_line_warning
    try:
        args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:  # `chaos-sae-bench list | head`: the reader left; that is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except BenchError as e:
        if args.debug:
            raise
        print(f"chaos-sae-bench: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "chaos-sae-bench: interrupted; finished cells are saved, rerun the same "
            "command to resume",
            file=sys.stderr,
        )
        return 130
    finally:
        warnings.formatwarning = shown
    return 0


if __name__ == "__main__":
    sys.exit(main())
