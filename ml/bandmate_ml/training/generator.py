"""Generator training: one parallel causal pass per batch, adversarial or plain supervised.

`adversarial`: hinge GAN with the sequence discriminator + feature matching + a small L1
regression term for stability (LiveBand's recipe, with our own weights: see the model card).
`supervised`: the same network and data trained with L1 regression only (the baseline).
Both see exactly the inputs streaming will see: mix latents delayed by D = k − t_f frames (the
engine's convention, bandmate_ml.timing), Gaussian noise, instrument. There is no teacher forcing:
the generator never reads target latents.

`init_from`: start from another generator checkpoint's weights (generator, and discriminator when
both are adversarial), e.g. one trained for another t_f, with fresh optimisers, step 0 and the
warm-up; the checkpoint records where it started from. `resume` continues this run's own checkpoint
and refuses one trained for a different t_f.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..data.pairs import LatentPairSampler
from ..instruments import INSTRUMENTS
from ..losses.adversarial import discriminator_hinge, feature_matching, generator_hinge
from ..models.discriminator import SequenceDiscriminator
from ..models.generator import AccompanimentGenerator
from ..timing import tf_from_config
from .checkpoint import TrainLog, load_checkpoint, save_checkpoint


def latent_stats(tracks: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    z = np.concatenate([t["targets"].reshape(-1, t["targets"].shape[-1]) for t in tracks])
    return torch.from_numpy(z.mean(0)).float(), torch.from_numpy(z.std(0) + 1e-5).float()


def train_generator(cfg: dict, tracks: list[dict], run_dir: Path, mode: str, resume: bool,
                    max_minutes: float | None = None, max_steps: int | None = None, seed: int = 0,
                    init_from: Path | None = None) -> Path:
    assert mode in ("adversarial", "supervised")
    g_cfg = cfg["generator"]
    tf_s, _, delay = tf_from_config(cfg)
    latent_size = tracks[0]["targets"].shape[-1]
    torch.manual_seed(seed)
    gen = AccompanimentGenerator.from_config(g_cfg, latent_size, len(INSTRUMENTS))
    mean, std = latent_stats(tracks)
    gen.latent_mean.copy_(mean)
    gen.latent_std.copy_(std)
    opt_g = torch.optim.AdamW(gen.parameters(), lr=g_cfg["lr"], betas=(0.8, 0.99), weight_decay=0.01)
    adv = g_cfg["adversarial"]
    disc = opt_d = None
    if mode == "adversarial":
        disc = SequenceDiscriminator(latent_size, len(INSTRUMENTS), adv["disc_channels"])
        opt_d = torch.optim.AdamW(disc.parameters(), lr=adv["disc_lr"], betas=(0.5, 0.9))
    ckpt_path = run_dir / f"generator_{mode}.pt"
    step, trained_s, init_info = 0, 0.0, None
    if resume and ckpt_path.exists():
        ck = load_checkpoint(ckpt_path)
        if ck.get("mix_delay_frames") != delay:
            raise SystemExit(f"{ckpt_path} was trained with mix delay {ck.get('mix_delay_frames')} frames, this config wants "
                             f"{delay} (t_f = {tf_s} s): move it away, or start from it with --init-from")
        gen.load_state_dict(ck["model"])
        opt_g.load_state_dict(ck["opt"])
        if disc is not None:
            disc.load_state_dict(ck["disc"])
            opt_d.load_state_dict(ck["opt_d"])
        step, trained_s, init_info = ck["step"], ck["trained_s"], ck.get("init_from")
        print(f"resumed {mode} at step {step}", flush=True)
    elif init_from is not None:
        ck = load_checkpoint(Path(init_from))
        gen.load_state_dict(ck["model"])
        if disc is not None and "disc" in ck:
            disc.load_state_dict(ck["disc"])
        init_info = {"path": Path(init_from).name, "mode": ck.get("mode"), "steps": int(ck["step"]),
                     "minutes": round(ck["trained_s"] / 60, 1), "mix_delay_frames": ck.get("mix_delay_frames", -ck.get("tf_frames", 0)),  # old: mix frame i+tf_frames
                     "disc": disc is not None and "disc" in ck}
        print(f"{mode}: initialised from {init_from} ({init_info})", flush=True)
    sampler = LatentPairSampler(tracks, g_cfg["seq_frames"], delay, cfg["data"]["silence_db"], seed=seed + step)
    disc_sees_present = mode == "adversarial" and g_cfg["adversarial"].get("disc_mix", "heard") == "present"
    print(f"{mode}: {sum(p.numel() for p in gen.parameters()) / 1e6:.2f} M params, t_f={tf_s} s -> mix delay D={delay} frames "
          f"(output frame i hears mix frames <= i-{delay}), {len(sampler.tracks)} tracks", flush=True)
    log = TrainLog(run_dir / f"generator_{mode}_log.jsonl")
    max_minutes = max_minutes if max_minutes is not None else g_cfg["max_minutes"]
    max_steps = max_steps if max_steps is not None else g_cfg["max_steps"]
    t_start, last_ck, base = time.time(), time.time(), trained_s

    def save():
        extra = {"disc": disc.state_dict(), "opt_d": opt_d.state_dict()} if disc is not None else {}
        save_checkpoint(ckpt_path, model=gen.state_dict(), opt=opt_g.state_dict(), step=step, trained_s=trained_s,
                        config=g_cfg, latent_size=latent_size, tf_s=tf_s, mix_delay_frames=delay, mode=mode,
                        init_from=init_info, **extra)

    gen.train()
    while step < max_steps and trained_s < max_minutes * 60:
        for group in opt_g.param_groups:  # linear warm-up over the first 100 steps
            group["lr"] = g_cfg["lr"] * min(1.0, (step + 1) / 100)
        batch = [torch.from_numpy(a) for a in sampler.batch(g_cfg["batch_size"], context=disc_sees_present)]
        mix, tgt, inst = batch[:3]
        mix_n, tgt_n = gen.normalize(mix), gen.normalize(tgt)
        noise = torch.randn(mix.shape[0], mix.shape[1], gen.noise_size)
        fake, _ = gen.forward_normalized(mix_n, noise, inst, gen.initial_state(mix.shape[0]))
        reg = F.l1_loss(fake, tgt_n)
        row = {"reg_l1": float(reg.detach())}
        if mode == "supervised":
            loss_g = reg
        else:
            # The critic's view of the mix: at the target's time (config), or as the generator heard it.
            seen = gen.normalize(batch[3]) if disc_sees_present else mix_n
            d_real, _ = disc(seen, tgt_n, inst)
            d_fake, _ = disc(seen, fake.detach(), inst)
            loss_d = discriminator_hinge(d_real, d_fake)
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            d_fake, f_fake = disc(seen, fake, inst)
            with torch.no_grad():
                _, f_real = disc(seen, tgt_n, inst)
            g_adv, fm = generator_hinge(d_fake), feature_matching(f_real, f_fake)
            # A fresh critic's first gradients are noise: let it learn before the generator follows it.
            critic_on = float(step >= adv.get("disc_warmup_steps", 0))
            loss_g = critic_on * (adv["w_adv"] * g_adv + adv["w_fm"] * fm) + adv["w_reg"] * reg
            row.update(loss_d=float(loss_d.detach()), g_adv=float(g_adv.detach()), fm=float(fm.detach()))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        torch.nn.utils.clip_grad_norm_(gen.parameters(), 1.0)
        opt_g.step()
        step += 1
        trained_s = base + time.time() - t_start
        if step % 20 == 0 or step == 1:
            log.write(step=step, minutes=trained_s / 60, fake_std=float(fake.detach().std()), **row)
        if time.time() - last_ck > g_cfg["checkpoint_minutes"] * 60:
            save()
            last_ck = time.time()
    save()
    print(f"{mode}: {step} steps, {trained_s / 60:.1f} min -> {ckpt_path}", flush=True)
    return ckpt_path


def load_generator(path: Path) -> tuple[AccompanimentGenerator, dict]:
    ck = load_checkpoint(path)
    gen = AccompanimentGenerator.from_config(ck["config"], ck["latent_size"], len(INSTRUMENTS))
    gen.load_state_dict(ck["model"])
    return gen.eval(), ck
