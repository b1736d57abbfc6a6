"""Autoencoder training loop: time-boxed, checkpointed, resumable."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from ..data.audio_crops import AudioCropSampler
from ..data.slakh import load_track, list_tracks
from ..losses.spectral import reconstruction_loss
from ..models.autoencoder import AutoEncoder
from .checkpoint import TrainLog, load_checkpoint, save_checkpoint


def train_autoencoder(cfg: dict, data_root: Path, run_dir: Path, resume: bool, max_minutes: float | None = None,
                      max_steps: int | None = None, max_tracks: int | None = None) -> Path:
    ae_cfg = cfg["autoencoder"]
    torch.manual_seed(0)
    model = AutoEncoder.from_config(ae_cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=ae_cfg["lr"], betas=(0.8, 0.99))
    ckpt_path = run_dir / "autoencoder.pt"
    step, trained_s = 0, 0.0
    if resume and ckpt_path.exists():
        ck = load_checkpoint(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, trained_s = ck["step"], ck["trained_s"]
        print(f"resumed at step {step} ({trained_s / 60:.1f} min trained)", flush=True)
    paths = list_tracks(data_root)[:max_tracks]
    tracks = [load_track(p, cfg["sample_rate"]) for p in paths]
    print(f"{len(tracks)} tracks, {sum(len(t.stems[0].audio) for t in tracks) / cfg['sample_rate'] / 60:.1f} min of audio; "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f} M params", flush=True)
    seg = int(ae_cfg["segment_s"] * cfg["sample_rate"]) // model.samples_per_frame * model.samples_per_frame
    sampler = AudioCropSampler(tracks, seg, cfg["data"]["silence_db"], seed=step)
    log = TrainLog(run_dir / "autoencoder_log.jsonl")
    max_minutes = max_minutes if max_minutes is not None else ae_cfg["max_minutes"]
    max_steps = max_steps if max_steps is not None else ae_cfg["max_steps"]
    sched_total = max(1, max_steps)
    t_start, last_ck = time.time(), time.time()
    base_trained = trained_s
    model.train()
    while step < max_steps and trained_s < max_minutes * 60:
        x = torch.from_numpy(sampler.batch(ae_cfg["batch_size"]))
        y, z = model(x)
        loss, parts = reconstruction_loss(y, x)
        loss = loss + 1e-3 * z.pow(2).mean()  # keeps the latent scale bounded for the generator
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        trained_s = base_trained + time.time() - t_start
        if step % 25 == 0 or step == 1:
            log.write(step=step, minutes=trained_s / 60, loss=float(loss.detach()), z_std=float(z.detach().std()), **parts)
        if time.time() - last_ck > ae_cfg["checkpoint_minutes"] * 60:
            save_checkpoint(ckpt_path, model=model.state_dict(), opt=opt.state_dict(), step=step, trained_s=trained_s, config=ae_cfg)
            last_ck = time.time()
    save_checkpoint(ckpt_path, model=model.state_dict(), opt=opt.state_dict(), step=step, trained_s=trained_s, config=ae_cfg)
    print(f"autoencoder: {step} steps, {trained_s / 60:.1f} min -> {ckpt_path}", flush=True)
    return ckpt_path


def load_autoencoder(path: Path) -> AutoEncoder:
    ck = load_checkpoint(path)
    model = AutoEncoder.from_config(ck["config"])
    model.load_state_dict(ck["model"])
    return model.eval()
