"""Hinge GAN losses and feature matching for the sequence-level discriminator."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_hinge(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def generator_hinge(fake_logits: torch.Tensor) -> torch.Tensor:
    return -fake_logits.mean()


def feature_matching(real_feats: list[torch.Tensor], fake_feats: list[torch.Tensor]) -> torch.Tensor:
    return sum(F.l1_loss(f, r.detach()) for r, f in zip(real_feats, fake_feats)) / len(real_feats)
