"""The structured accompanist: LiveBand's causal transformer with musical control frames out.

Same blocks, rolling KV state and one-pass causal training as `generator.py`; what changes is what
goes in and out. In: the mix features of the frame it hears (4 hops, already delayed by the
engine), a conditioning vector (t_f, and the metronome's beat grid when the room runs one),
Gaussian noise and the instrument. Out: one control frame (`data/control_frames.py`): logits for
onsets, held notes, pitches and pitch classes; offsets and velocities through a sigmoid; the beat
phase it believes in (auxiliary).
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.control_frames import CONTROL_SIZE, COND_SIZE, INSTRUMENTS, LAYOUT
from .generator import Block, RMSNorm, RollingKVState


class ControlGenerator(nn.Module, RollingKVState):
    def __init__(self, feature_size: int, noise_size: int = 16, d_model: int = 192, layers: int = 4, heads: int = 4,
                 kv_heads: int = 2, ffn_hidden: int = 512, window: int = 128):
        super().__init__()
        self.feature_size, self.noise_size, self.window = feature_size, noise_size, window
        self.kv_heads, self.dh, self.n_layers = kv_heads, d_model // heads, layers
        self.inp = nn.Linear(feature_size + COND_SIZE + noise_size, d_model)
        self.instrument = nn.Embedding(len(INSTRUMENTS), d_model)
        self.blocks = nn.ModuleList([Block(d_model, heads, kv_heads, ffn_hidden, window) for _ in range(layers)])
        self.norm = RMSNorm(d_model)
        self.out = nn.Linear(d_model, CONTROL_SIZE)
        self.register_buffer("feature_mean", torch.zeros(feature_size))
        self.register_buffer("feature_std", torch.ones(feature_size))
        squash = torch.zeros(CONTROL_SIZE, dtype=torch.bool)
        for name, (a, b) in LAYOUT.items():
            if name.endswith("_offset") or name.endswith("_velocity"):
                squash[a:b] = True
        self.register_buffer("squash", squash, persistent=False)

    @classmethod
    def from_config(cls, g: dict, feature_size: int) -> "ControlGenerator":
        return cls(feature_size, g["noise_size"], g["d_model"], g["layers"], g["heads"], g["kv_heads"], g["ffn_hidden"],
                   g["window"])

    def forward(self, features, cond, noise, instrument, states):
        """features [B, n, F], cond [B, n, C], noise [B, n, Z], instrument [B] -> control [B, n, CONTROL_SIZE]."""
        cache_len = states[-1]
        f = (features - self.feature_mean) / self.feature_std
        x = self.inp(torch.cat([f, cond, noise], dim=-1)) + self.instrument(instrument)[:, None, :]
        next_states = []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, states[2 * i], states[2 * i + 1], cache_len)
            next_states += [k, v]
        next_states.append(torch.clamp(cache_len + features.shape[1], max=self.window))
        y = self.out(self.norm(x))
        return torch.where(self.squash, torch.sigmoid(y), y), next_states
