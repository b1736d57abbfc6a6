"""Supervised training of the structured accompanist: one parallel causal pass per batch.

No teacher forcing: the generator never reads the part it is learning, only the delayed mix
features, the conditioning and noise, exactly as it streams. Time-boxed, checkpointed, resumable.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ..data.control_pairs import ControlPairSampler
from ..features.mix_features import HOP_FEATURES
from ..losses.control import control_loss
from ..models.control_generator import ControlGenerator
from .checkpoint import TrainLog, load_checkpoint, save_checkpoint


def feature_stats(songs: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    hops = np.concatenate([s[k][::7].astype(np.float32) for s in songs[:400] for k in s if k.startswith("hops_")])
    mean, std = hops.mean(0), hops.std(0) + 1e-3
    return torch.from_numpy(np.tile(mean, 4)).float(), torch.from_numpy(np.tile(std, 4)).float()


def tf_choices(g: dict) -> list[float]:
    lo, hi = g["tf_range_s"]
    return [round(x, 2) for x in np.arange(lo, hi + 1e-9, 0.01)]


def train_control(cfg: dict, songs: list[dict], run_dir: Path, resume: bool, max_minutes: float | None = None,
                  max_steps: int | None = None, seed: int = 0) -> Path:
    g = cfg["generator"]
    torch.manual_seed(seed)
    gen = ControlGenerator.from_config(g, 4 * HOP_FEATURES)
    opt = torch.optim.AdamW(gen.parameters(), lr=g["lr"], betas=(0.9, 0.98), weight_decay=0.01)
    ckpt_path = run_dir / "control_supervised.pt"
    step, trained_s = 0, 0.0
    if resume and ckpt_path.exists():
        ck = load_checkpoint(ckpt_path)
        gen.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, trained_s = ck["step"], ck["trained_s"]
        print(f"resumed at step {step} ({trained_s / 60:.1f} min)", flush=True)
    else:
        mean, std = feature_stats(songs)
        gen.feature_mean.copy_(mean)
        gen.feature_std.copy_(std)
    sampler = ControlPairSampler(songs, g["seq_frames"], tf_choices(g), g["grid_prob"], seed=seed + step)
    print(f"control generator: {sum(p.numel() for p in gen.parameters()) / 1e6:.2f} M params, {len(sampler.songs)} songs, "
          f"t_f in {tf_choices(g)[0]}…{tf_choices(g)[-1]} s", flush=True)
    log = TrainLog(run_dir / "control_supervised_log.jsonl")
    max_minutes = g["max_minutes"] if max_minutes is None else max_minutes
    max_steps = g["max_steps"] if max_steps is None else max_steps
    t0, last_ck, base = time.time(), time.time(), trained_s

    def save():
        save_checkpoint(ckpt_path, model=gen.state_dict(), opt=opt.state_dict(), step=step, trained_s=trained_s,
                        config=g, feature_size=4 * HOP_FEATURES, mode="supervised")

    gen.train()
    while step < max_steps and trained_s < max_minutes * 60:
        warm = min(1.0, (step + 1) / 200)
        decay = 0.5 * (1 + np.cos(np.pi * min(1.0, trained_s / (max_minutes * 60))))
        for group in opt.param_groups:
            group["lr"] = g["lr"] * warm * (0.1 + 0.9 * decay)
        feats, cond, y, m, inst = (torch.from_numpy(a) for a in sampler.batch(g["batch_size"]))
        noise = torch.randn(feats.shape[0], feats.shape[1], gen.noise_size)
        pred, _ = gen(feats, cond, noise, inst, gen.initial_state(feats.shape[0]))
        loss, parts = control_loss(pred, y, m)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(gen.parameters(), 1.0)
        opt.step()
        step += 1
        trained_s = base + time.time() - t0
        if step % 25 == 0 or step == 1:
            log.write(step=step, minutes=trained_s / 60, loss=float(loss.detach()), **parts)
        if time.time() - last_ck > g["checkpoint_minutes"] * 60:
            save()
            last_ck = time.time()
    save()
    print(f"supervised: {step} steps, {trained_s / 60:.1f} min -> {ckpt_path}", flush=True)
    return ckpt_path


def load_control_generator(path: Path) -> tuple[ControlGenerator, dict]:
    ck = load_checkpoint(path)
    gen = ControlGenerator.from_config(ck["config"], ck["feature_size"])
    gen.load_state_dict(ck["model"])
    return gen.eval(), ck
