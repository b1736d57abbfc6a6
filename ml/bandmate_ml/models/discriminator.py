"""Sequence-level discriminator: judges whole (mix, accompaniment) latent sequences.

Training-only (never exported), so it may look at the whole sequence in both directions. It sees
the mix as the generator saw it, so it can punish accompaniment that does not fit the mix as well
as accompaniment that does not look like real latents.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SequenceDiscriminator(nn.Module):
    def __init__(self, latent_size: int, n_instruments: int, channels: int = 256, acc_size: int | None = None):
        """`latent_size`: the mix's channels; `acc_size`: the accompaniment's (default: the same)."""
        super().__init__()
        self.inp = nn.Conv1d(latent_size + (acc_size or latent_size), channels, 5, padding=2)
        self.instrument = nn.Embedding(n_instruments, channels)
        self.convs = nn.ModuleList([nn.Conv1d(channels, channels, 5, stride=2, padding=2) for _ in range(3)])
        self.head = nn.Conv1d(channels, 1, 3, padding=1)

    def forward(self, mix_n: torch.Tensor, acc_n: torch.Tensor, instrument: torch.Tensor):
        """Normalised latents [B, T, D] -> logits [B, T/8] and intermediate features (for feature matching)."""
        x = self.inp(torch.cat([mix_n, acc_n], -1).transpose(1, 2)) + self.instrument(instrument)[:, :, None]
        feats = []
        for conv in self.convs:
            x = conv(F.leaky_relu(x, 0.2))
            feats.append(x)
        return self.head(F.leaky_relu(x, 0.2)).squeeze(1), feats
