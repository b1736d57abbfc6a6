"""Generator training options: the critic warm-up keeps the generator on regression alone."""

import copy

import numpy as np
import torch

from bandmate_ml.training.generator import load_generator, train_generator


def _tracks(n=2, frames=60, c=8):
    rng = np.random.default_rng(0)
    return [{"targets": rng.standard_normal((2, frames, c)).astype(np.float32),
             "mixes": rng.standard_normal((2, 1, frames, c)).astype(np.float32),
             "instruments": np.array([0, 3]), "target_db": np.zeros((2, frames)), "mix_db": np.zeros((2, 1, frames))}
            for _ in range(n)]


CFG = {"samples_per_frame": 960, "sample_rate": 24000, "data": {"silence_db": -60},
       "generator": {"d_model": 32, "layers": 1, "heads": 4, "kv_heads": 2, "ffn_hidden": 64, "noise_size": 4,
                     "window": 16, "tf_s": -0.12, "seq_frames": 20, "batch_size": 2, "lr": 1e-3,
                     "max_minutes": 5, "max_steps": 4, "checkpoint_minutes": 5,
                     "adversarial": {"disc_channels": 16, "disc_lr": 1e-3, "disc_mix": "present",
                                     "w_adv": 1.0, "w_fm": 2.0, "w_reg": 1.0, "disc_warmup_steps": 0}}}


def _train(tmp_path, name, **adv):
    cfg = copy.deepcopy(CFG)
    cfg["generator"]["adversarial"].update(adv)
    run = tmp_path / name
    run.mkdir()
    gen, _ = load_generator(train_generator(cfg, _tracks(), run, "adversarial", resume=False))
    return torch.cat([p.detach().flatten() for p in gen.parameters()])


def test_critic_warmup_leaves_generator_on_regression(tmp_path):
    # Within the warm-up the critic's weights must not reach the generator: any w_adv/w_fm gives the same weights.
    a = _train(tmp_path, "a", disc_warmup_steps=4, w_adv=1.0, w_fm=2.0)
    b = _train(tmp_path, "b", disc_warmup_steps=4, w_adv=50.0, w_fm=0.0)
    assert torch.equal(a, b)
    # Without it they differ, so the comparison above can fail.
    c = _train(tmp_path, "c", disc_warmup_steps=0, w_adv=1.0, w_fm=2.0)
    d = _train(tmp_path, "d", disc_warmup_steps=0, w_adv=50.0, w_fm=0.0)
    assert not torch.equal(c, d)
