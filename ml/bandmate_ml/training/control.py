"""Training the structured accompanist: one parallel causal pass per batch, supervised or adversarial.

No teacher forcing: the generator never reads the part it is learning, only the delayed mix
features, the conditioning and noise, exactly as it streams. `supervised`: the control losses
alone (the baseline and the pre-training). `adversarial`: LiveBand's recipe on control frames — a
sequence-level critic judges the part *as played* (decisions made, straight-through gradients)
against the mix at the part's own time (so an echo of what was heard lags and is caught), plus
feature matching, with the supervised losses kept as a regulariser. Time-boxed, checkpointed,
resumable; `init_from` starts from another checkpoint's weights (fresh optimisers, step 0).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ..data.control_dataset import SongFolders
from ..data.control_frames import CONTROL_SIZE, INSTRUMENTS
from ..data.control_pairs import ControlPairSampler
from ..features.mix_features import HOP_FEATURES
from ..losses.adversarial import discriminator_hinge, feature_matching, generator_hinge
from ..losses.control import as_played, control_loss
from ..models.control_generator import ControlGenerator
from ..models.discriminator import SequenceDiscriminator
from .checkpoint import TrainLog, load_checkpoint, save_checkpoint

FEATURES = 4 * HOP_FEATURES


def feature_stats(songs: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    hops = np.concatenate([s[k][::7].astype(np.float32) for s in songs[:400] for k in s if k.startswith("hops_")])
    mean, std = hops.mean(0), hops.std(0) + 1e-3
    return torch.from_numpy(np.tile(mean, 4)).float(), torch.from_numpy(np.tile(std, 4)).float()


def tf_choices(g: dict) -> list[float]:
    lo, hi = g["tf_range_s"]
    return [round(x, 2) for x in np.arange(lo, hi + 1e-9, 0.01)]


def train_control(cfg: dict, data: SongFolders, run_dir: Path, mode: str = "supervised", resume: bool = False,
                  init_from: Path | None = None, max_minutes: float | None = None, max_steps: int | None = None,
                  seed: int = 0) -> Path:
    assert mode in ("supervised", "adversarial")
    g = cfg["generator"]
    adv = g.get("adversarial", {})
    torch.manual_seed(seed)
    gen = ControlGenerator.from_config(g, FEATURES)
    opt = torch.optim.AdamW(gen.parameters(), lr=g["lr"] if mode == "supervised" else adv["lr"], betas=(0.8, 0.99),
                            weight_decay=0.01)
    disc = opt_d = None
    if mode == "adversarial":
        disc = SequenceDiscriminator(FEATURES, len(INSTRUMENTS), adv["disc_channels"], acc_size=CONTROL_SIZE)
        opt_d = torch.optim.AdamW(disc.parameters(), lr=adv["disc_lr"], betas=(0.5, 0.9))
    ckpt_path = run_dir / f"control_{mode}.pt"
    step, trained_s, origin = 0, 0.0, None
    if resume and ckpt_path.exists():
        ck = load_checkpoint(ckpt_path)
        gen.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        if disc is not None:
            disc.load_state_dict(ck["disc"])
            opt_d.load_state_dict(ck["opt_d"])
        step, trained_s, origin = ck["step"], ck["trained_s"], ck.get("init_from")
        print(f"resumed {mode} at step {step} ({trained_s / 60:.1f} min)", flush=True)
    elif init_from is not None:
        ck = load_checkpoint(init_from)
        gen.load_state_dict(ck["model"])
        origin = {"path": init_from.name, "mode": ck["mode"], "steps": int(ck["step"]), "minutes": round(ck["trained_s"] / 60, 1)}
        print(f"{mode}: initialised from {origin}", flush=True)
    else:
        mean, std = feature_stats(data.songs)
        gen.feature_mean.copy_(mean)
        gen.feature_std.copy_(std)
    sampler = ControlPairSampler(data.songs, g["seq_frames"], tf_choices(g), g["grid_prob"], seed=seed + step)
    print(f"control generator ({mode}): {sum(p.numel() for p in gen.parameters()) / 1e6:.2f} M params, "
          f"{len(sampler.songs)} songs, t_f in {tf_choices(g)[0]}…{tf_choices(g)[-1]} s", flush=True)
    log = TrainLog(run_dir / f"control_{mode}_log.jsonl")
    max_minutes = (g if mode == "supervised" else adv)["max_minutes"] if max_minutes is None else max_minutes
    max_steps = g["max_steps"] if max_steps is None else max_steps
    lr0 = opt.param_groups[0]["lr"] if not resume else (g["lr"] if mode == "supervised" else adv["lr"])
    t0, last_ck, base = time.time(), time.time(), trained_s

    def save():
        extra = {"disc": disc.state_dict(), "opt_d": opt_d.state_dict()} if disc is not None else {}
        save_checkpoint(ckpt_path, model=gen.state_dict(), opt=opt.state_dict(), step=step, trained_s=trained_s,
                        config=g, feature_size=FEATURES, mode=mode, init_from=origin, **extra)

    gen.train()
    while step < max_steps and trained_s < max_minutes * 60:
        warm = min(1.0, (step + 1) / 200)
        decay = 0.5 * (1 + np.cos(np.pi * min(1.0, trained_s / (max_minutes * 60))))
        for group in opt.param_groups:
            group["lr"] = lr0 * warm * (0.1 + 0.9 * decay)
        batch = [torch.from_numpy(a) for a in sampler.batch(g["batch_size"], present=disc is not None)]
        feats, cond, y, m, inst = batch[:5]
        noise = torch.randn(feats.shape[0], feats.shape[1], gen.noise_size)
        pred, _ = gen(feats, cond, noise, inst, gen.initial_state(feats.shape[0]))
        sup, parts = control_loss(pred, y, m)
        row = {"sup": float(sup.detach()), **parts}
        if disc is None:
            loss = sup
        else:
            present = (batch[5] - gen.feature_mean) / gen.feature_std
            real, fake = as_played(y, inst, logits=False), as_played(pred, inst, logits=True)
            d_real, _ = disc(present, real, inst)
            d_fake, _ = disc(present, fake.detach(), inst)
            loss_d = discriminator_hinge(d_real, d_fake)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            d_fake, f_fake = disc(present, fake, inst)
            with torch.no_grad():
                _, f_real = disc(present, real, inst)
            g_adv, fm = generator_hinge(d_fake), feature_matching(f_real, f_fake)
            critic_on = float(step >= adv["disc_warmup_steps"])
            loss = critic_on * (adv["w_adv"] * g_adv + adv["w_fm"] * fm) + adv["w_reg"] * sup
            row.update(loss_d=float(loss_d.detach()), g_adv=float(g_adv.detach()), fm=float(fm.detach()))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gen.parameters(), 1.0)
        opt.step()
        step += 1
        trained_s = base + time.time() - t0
        if step % 25 == 0 or step == 1:
            log.write(step=step, minutes=trained_s / 60, **row)
        if time.time() - last_ck > g["checkpoint_minutes"] * 60:
            save()
            last_ck = time.time()
            sampler.set_songs(data.refresh())
    save()
    print(f"{mode}: {step} steps, {trained_s / 60:.1f} min -> {ckpt_path}", flush=True)
    return ckpt_path


def load_control_generator(path: Path) -> tuple[ControlGenerator, dict]:
    ck = load_checkpoint(path)
    gen = ControlGenerator.from_config(ck["config"], ck["feature_size"])
    gen.load_state_dict(ck["model"])
    return gen.eval(), ck
