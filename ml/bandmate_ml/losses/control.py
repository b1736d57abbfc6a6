"""Supervised losses on control frames, each over the entries its mask marks (see control_targets)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..data.control_frames import LAYOUT, block

BINARY = ("drums_onset", "bass_onset", "bass_held", "keys_onset", "keys_held", "keys_pc")
REGRESSED = ("drums_offset", "drums_velocity", "bass_offset", "bass_velocity", "keys_offset", "keys_velocity")
WEIGHTS = {"onset": 1.0, "held": 0.5, "pc": 1.0, "pitch": 1.0, "offset": 2.0, "velocity": 0.5, "beat": 1.0}


def _weight(name: str) -> float:
    return WEIGHTS[name.split("_")[-1]]


def _masked_mean(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    return (x * m).sum() / m.sum().clamp(min=1.0)


def control_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, onset_pos_weight: float = 2.0) -> tuple[torch.Tensor, dict]:
    parts = {}
    for name in BINARY:
        sl = block(name)
        pw = torch.tensor(onset_pos_weight if name.endswith("onset") else 1.0)
        bce = F.binary_cross_entropy_with_logits(pred[..., sl], target[..., sl], pos_weight=pw, reduction="none")
        parts[name] = _masked_mean(bce, mask[..., sl])
    for name in REGRESSED:
        sl = block(name)
        parts[name] = _masked_mean((pred[..., sl] - target[..., sl]).abs(), mask[..., sl])
    sl = block("bass_pitch")
    held = mask[..., sl].amax(-1)
    ce = F.cross_entropy(pred[..., sl].flatten(0, 1), target[..., sl].argmax(-1).flatten(), reduction="none")
    parts["bass_pitch"] = _masked_mean(ce, held.flatten())
    sl = block("beat")
    parts["beat"] = _masked_mean((pred[..., sl] - target[..., sl]) ** 2, mask[..., sl])
    total = sum(_weight(k) * v for k, v in parts.items())
    assert set(parts) == set(LAYOUT) - set(), "every block of the layout has a loss"
    return total, {k: float(v.detach()) for k, v in parts.items()}


def as_played(control: torch.Tensor, instrument: torch.Tensor, logits: bool) -> torch.Tensor:
    """What the decoder makes of a control frame, for the critic: flags and pitches decided (hard,
    with straight-through gradients), offsets and velocities only where a note starts, the other
    instruments' blocks and the auxiliary beat zeroed. `logits=False`: targets (already 0/1), unchanged."""
    decided = {}
    for name in BINARY:
        p = torch.sigmoid(control[..., block(name)]) if logits else control[..., block(name)]
        decided[name] = (p > 0.5).float() + p - p.detach()
    p = torch.softmax(control[..., block("bass_pitch")], -1) if logits else control[..., block("bass_pitch")]
    decided["bass_pitch"] = (F.one_hot(p.argmax(-1), p.shape[-1]).float() + p - p.detach()) * decided["bass_held"]
    for name in REGRESSED:
        decided[name] = control[..., block(name)] * decided[name.split("_")[0] + "_onset"]
    decided["beat"] = torch.zeros_like(control[..., block("beat")])
    out = torch.cat([decided[name] for name in LAYOUT], -1)  # LAYOUT's order is the control vector's
    keep = torch.zeros(3, control.shape[-1], device=control.device)
    for i, inst in enumerate(("drums", "bass", "keys")):
        for name, (a, b) in LAYOUT.items():
            if name.startswith(inst):
                keep[i, a:b] = 1
    return out * keep[instrument][:, None, :]
