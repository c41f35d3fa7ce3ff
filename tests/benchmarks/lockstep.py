"""`make bench-scaling` section 6: would lockstep training of same-shape SAEs pay on CPU?

Issue 24's lever: train N same-shape SAEs (seeds, L0 targets, calibration candidates) in one
pass. Measured side by side in one run, on the same random windows and batches:
(a) sae-lens' `MultiSAETrainer` driving N TopK SAEs on one shared batch stream (a minimal
    one-hook data provider) against N `SAETrainer` runs one after another, both with
    `bench.train.train_sae`'s settings (constant lr, sae-lens' clipping, dead-latent window of
    one pass; no learning curve), checked to reach bit-identical weights;
(b) the bare torch step of `bare_step` for N models with stacked weights, through
    `torch.func.stack_module_state` + `vmap(grad)` and through batched matmuls with one
    backward, against N bare steps one model after another; each model clipped on its own
    and Adam's update elementwise, so the weights agree with the sequential ones to rounding
    (the largest difference is reported).
Times are medians of `repeats`. The library is not changed; nothing here is kept.
"""

import statistics
from functools import partial

import torch
from bare_step import GRAD_CLIP, bare_loss, bare_train, sae_params
from timing import Work, clock

N_MODELS = 4
HOOK = "windows"  # the one hook every SAE of the lockstep trainer reads
NAMES = ("W_enc", "b_enc", "W_dec", "b_dec")


def build_saes(sae: str, *, d_in: int, cfg) -> dict[str, object]:
    """N sae-lens training SAEs of variant `sae`, model i built after torch.manual_seed(i)."""
    from bench.registry import get_sae

    variant = get_sae(sae)()
    out = {}
    for i in range(N_MODELS):
        torch.manual_seed(i)
        out[f"sae{i}"] = variant.build(d_in, cfg, "cpu")
    return out


def trainer_config(n_rows: int, batch: int, lr: float):
    """One pass over n_rows windows at `batch` with `bench.train.train_sae`'s settings."""
    from sae_lens import LoggingConfig
    from sae_lens.config import SAETrainerConfig

    steps = n_rows // batch
    return SAETrainerConfig(
        total_training_samples=steps * batch,
        train_batch_size_samples=batch,
        lr=lr,
        lr_end=lr,
        device="cpu",
        dead_feature_window=steps,
        feature_sampling_window=steps,
        logger=LoggingConfig(log_to_wandb=False),
        n_checkpoints=0,
        checkpoint_path=None,
    )


def trainers(data: torch.Tensor, *, cfg, repeats: int) -> tuple[list[float], list[float]]:
    """(a): seconds of N SAETrainer runs in turn and of one MultiSAETrainer run, each repeat."""
    from sae_lens import SAETrainer
    from sae_lens.training import multi_sae_trainer

    from baselines.sae_lens_adapter import quiet_trainer_progress
    from bench.train import batches

    quiet_trainer_progress()
    if not isinstance(multi_sae_trainer.tqdm, partial):  # its own bar, as SAETrainer's
        multi_sae_trainer.tqdm = partial(multi_sae_trainer.tqdm, disable=True)
    trainer_cfg = trainer_config(len(data), cfg.batch_size, cfg.lr)
    d_in = data.shape[1]

    def one_at_a_time() -> dict:
        saes = build_saes("topk", d_in=d_in, cfg=cfg)
        for sae in saes.values():
            SAETrainer(trainer_cfg, sae, batches(data, cfg.batch_size, 0)).fit()
        return saes

    def lockstep() -> dict:
        saes = build_saes("topk", d_in=d_in, cfg=cfg)
        shared = ({HOOK: x} for x in batches(data, cfg.batch_size, 0))  # MultiHookDataProvider
        hooks = dict.fromkeys(saes, HOOK)
        multi_sae_trainer.MultiSAETrainer(trainer_cfg, saes, hooks, shared).fit()
        return saes

    times: dict[str, list[float]] = {"alone": [], "together": []}
    last: dict[str, dict] = {}
    runs = [("alone", one_at_a_time), ("together", lockstep)]
    for i in range(repeats):  # alternated, so a change in the machine's load hits both
        for name, fn in runs if i % 2 == 0 else runs[::-1]:
            seconds, last[name] = clock(fn)
            times[name].append(seconds)
    for n, sae in last["alone"].items():  # the same steps on the same batches: the same weights
        for key, value in sae.state_dict().items():
            assert torch.equal(value, last["together"][n].state_dict()[key]), f"{n}.{key}"
    return times["alone"], times["together"]


def clip_each(params: list[torch.Tensor]) -> None:
    """Clip each stacked model's gradient (leading axis: model) to norm GRAD_CLIP on its own,
    as `torch.nn.utils.clip_grad_norm_` clips one model's."""
    norms = torch.stack([p.grad.flatten(1).norm(dim=1) for p in params]).norm(dim=0)  # (N,)
    scale = (GRAD_CLIP / (norms + 1e-6)).clamp(max=1.0)
    for p in params:
        p.grad.mul_(scale.view(-1, *[1] * (p.dim() - 1)))


def stacked_params(models: list, *, bias_axis: bool) -> list[torch.Tensor]:
    """Leaf copies of the models' (W_enc, b_enc, W_dec, b_dec), stacked along a new leading
    axis by `torch.func.stack_module_state`; with bias_axis the biases are (N, 1, ·), as
    `bare_loss`'s batched matmuls want them."""
    from torch.func import stack_module_state

    params, _ = stack_module_state(models)
    out = [params[name].detach().clone() for name in NAMES]
    if bias_axis:
        out[1], out[3] = out[1].unsqueeze(1), out[3].unsqueeze(1)
    return [p.requires_grad_() for p in out]


def stacked_train(params, data, *, batch: int, coef: float, lr: float, vmapped: bool) -> None:
    """Train the N models stacked in `params` in place on data (n, d_in) in order: each step
    one vmap(grad) of the one-model loss, or one pass of batched matmuls and one backward;
    then clipping per model and one Adam over the stacked tensors (elementwise: N Adams)."""
    from torch.func import grad, vmap

    step_grads = vmap(grad(lambda p, x: bare_loss(x, *p, coef)), in_dims=(0, None))
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999))
    for x in data.split(batch):
        if vmapped:
            grads = step_grads(tuple(p.detach() for p in params), x)
            for p, g in zip(params, grads, strict=True):
                p.grad = g
        else:
            bare_loss(x, *params, coef).sum().backward()  # the sum: each model its own gradient
        clip_each(params)
        opt.step()
        opt.zero_grad()


def bare_steps(data: torch.Tensor, *, cfg, repeats: int) -> tuple[dict[str, list[float]], dict]:
    """(b): seconds of the N bare-step models in turn, with vmap and with batched matmuls (each
    repeat), and each stacked form's largest weight difference from the models in turn."""
    from bench.registry import get_sae

    models = list(build_saes("l1", d_in=data.shape[1], cfg=cfg).values())
    coef, batch = get_sae("l1")().l1_coefficient, cfg.batch_size

    def in_turn() -> list[torch.Tensor]:  # each weight (N, ...) after training
        trained = [sae_params(m) for m in models]
        for params in trained:
            bare_train(params, data, batch=batch, coef=coef, lr=cfg.lr)
        return [torch.stack([p[i] for p in trained]).detach() for i in range(len(NAMES))]

    def stacked(vmapped: bool) -> list[torch.Tensor]:
        params = stacked_params(models, bias_axis=not vmapped)
        stacked_train(params, data, batch=batch, coef=coef, lr=cfg.lr, vmapped=vmapped)
        return [p.detach().reshape(N_MODELS, -1) for p in params]

    runs = {"in_turn": in_turn, "vmap": partial(stacked, True), "bmm": partial(stacked, False)}
    times: dict[str, list[float]] = {name: [] for name in runs}
    last: dict[str, list[torch.Tensor]] = {}
    for i in range(repeats):  # rotated, so a change in the machine's load hits all
        order = list(runs)[i % 3 :] + list(runs)[: i % 3]
        for name in order:
            seconds, last[name] = clock(runs[name])
            times[name].append(seconds)
    reference = [w.reshape(N_MODELS, -1) for w in last["in_turn"]]
    diffs = {
        name: max((a - b).abs().max().item() for a, b in zip(last[name], reference, strict=True))
        for name in ("vmap", "bmm")
    }
    return times, diffs


def lockstep_section(
    *, steps: int, repeats: int, batch: int = 256, d_in: int = 800, d_sae: int = 128
) -> tuple[list[str], list[Work]]:
    """Section 6's markdown lines, and its runs as `Work` for the throughput section."""
    from bare_step import check_same_loss

    from bench.config import TrainConfig
    from bench.registry import get_sae

    torch.manual_seed(0)
    data = torch.randn(steps * batch, d_in)  # (steps · batch, d_in), one pass in order
    cfg = TrainConfig(n_train=len(data), epochs=1, batch_size=batch, d_sae=d_sae)
    check_same_loss(get_sae("l1")(), d_in, cfg, data[:batch])
    alone, together = trainers(data, cfg=cfg, repeats=repeats)
    bare, diffs = bare_steps(data, cfg=cfg, repeats=repeats)
    rows = [  # label, times, baseline times, same-weights column
        (f"(a) {N_MODELS} × sae-lens `SAETrainer`, one after another", alone, alone, "—"),
        (f"(a) sae-lens `MultiSAETrainer`, {N_MODELS} SAEs", together, alone, "bit for bit"),
        (
            f"(b) {N_MODELS} × bare step, one model after another",
            bare["in_turn"],
            bare["in_turn"],
            "—",
        ),
        (
            "(b) `stack_module_state` + `vmap(grad)`",
            bare["vmap"],
            bare["in_turn"],
            f"max abs diff {diffs['vmap']:.1e}",
        ),
        (
            "(b) stacked weights, batched matmuls, one backward",
            bare["bmm"],
            bare["in_turn"],
            f"max abs diff {diffs['bmm']:.1e}",
        ),
    ]
    lines = [
        "## 6. Lockstep training of same-shape SAEs",
        "",
        f"{N_MODELS} SAEs, d_in {d_in}, d_sae {d_sae}, batch {batch}, {steps} steps each on the "
        f"same {len(data)} random windows in the same batches, Adam lr {cfg.lr}, clipping at "
        f"{GRAD_CLIP:g} per model. (a) TopK (k = {cfg.k}) SAEs in sae-lens' trainers with "
        f"`bench.train`'s settings (no learning curve); `MultiSAETrainer` fed one shared batch "
        f"stream. (b) the bare sae-lens `standard` (L1) step of section 3, the {N_MODELS} models' "
        f"weights stacked by `torch.func.stack_module_state`. Medians of {repeats}, run in "
        f"alternation; ratio < 1: lockstep is faster.",
        "",
        "| training | s (median) | ms per model-step | ratio to one at a time | weights |",
        "|---|---|---|---|---|",
    ]
    works = []
    for label, times, base, same in rows:
        s, s0 = statistics.median(times), statistics.median(base)
        per = 1e3 * s / (steps * N_MODELS)
        lines.append(f"| {label} | {s:.3f} | {per:.3f} | {s / s0:.2f} | {same} |")
        works.append(Work(label, s, steps * N_MODELS, batch, d_in, d_sae))
    return lines, works
