"""Causal decoder-only transformer that maps mix latents + noise + instrument to accompaniment latents.

LLaMA-style blocks: pre-norm RMSNorm, rotary positions, SwiGLU, query-key RMSNorm and
grouped-query attention. Attention looks back at most `window` frames; the past lives in a
fixed-size shift buffer per layer (keys stored *un-rotated*, after QK-norm) plus one `cache_len`
counter of how many buffer slots are filled. Rotary phases are applied on the fly at positions
relative to the buffer (0 … window+n-1), so positions never grow, however long a jam lasts.

One `forward` serves both uses: training calls it once on a whole segment with a zero state,
streaming calls it frame by frame with the state it returned. The attention mask is the same
banded causal mask in both cases, so streaming computes exactly what training computed.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def apply_rope(x: torch.Tensor, positions: torch.Tensor, inv_freq: torch.Tensor) -> torch.Tensor:
    """x [B, H, T, dh]; positions [T] (float)."""
    angles = positions[:, None] * inv_freq[None, :]  # [T, dh/2]
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Attention(nn.Module):
    def __init__(self, d: int, heads: int, kv_heads: int, window: int):
        super().__init__()
        assert d % heads == 0 and heads % kv_heads == 0
        self.h, self.hkv, self.dh, self.window = heads, kv_heads, d // heads, window
        self.q = nn.Linear(d, heads * self.dh, bias=False)
        self.kv = nn.Linear(d, 2 * kv_heads * self.dh, bias=False)
        self.o = nn.Linear(heads * self.dh, d, bias=False)
        self.q_norm, self.k_norm = RMSNorm(self.dh), RMSNorm(self.dh)
        self.register_buffer("inv_freq", 1.0 / (10000 ** (torch.arange(0, self.dh, 2).float() / self.dh)), persistent=False)

    def forward(self, x, k_cache, v_cache, cache_len):
        b, n, _ = x.shape
        w = self.window
        q = self.q_norm(self.q(x).view(b, n, self.h, self.dh).transpose(1, 2))
        k, v = self.kv(x).view(b, n, 2, self.hkv, self.dh).permute(2, 0, 3, 1, 4)
        k = self.k_norm(k)
        k_all = torch.cat([k_cache, k], dim=2)  # [B, Hkv, W+n, dh], un-rotated
        v_all = torch.cat([v_cache, v], dim=2)
        pos = torch.arange(w + n, device=x.device, dtype=torch.float32)
        qr = apply_rope(q, pos[w:], self.inv_freq)
        kr = apply_rope(k_all, pos, self.inv_freq)
        rep = self.h // self.hkv
        kr = kr.repeat_interleave(rep, dim=1)
        vr = v_all.repeat_interleave(rep, dim=1)
        # banded causal mask: query a (at buffer position W+a) sees keys a..W+a that are filled
        j = torch.arange(w + n, device=x.device)[None, None, :]
        a = torch.arange(n, device=x.device)[None, :, None]
        first_valid = (w - cache_len).view(b, 1, 1)
        allowed = (j <= a + w) & (j >= a) & (j >= first_valid)  # [B, n, W+n]
        scores = (qr @ kr.transpose(-1, -2)) / math.sqrt(self.dh)
        scores = scores + torch.where(allowed, 0.0, -1e9).unsqueeze(1).to(scores.dtype)
        out = torch.softmax(scores, dim=-1) @ vr
        out = out.transpose(1, 2).reshape(b, n, self.h * self.dh)
        total = k_all.shape[2]
        return self.o(out), k_all[:, :, total - w:], v_all[:, :, total - w:]


class SwiGLU(nn.Module):
    def __init__(self, d: int, hidden: int):
        super().__init__()
        self.w13 = nn.Linear(d, 2 * hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        a, g = self.w13(x).chunk(2, dim=-1)
        return self.w2(F.silu(a) * g)


class Block(nn.Module):
    def __init__(self, d, heads, kv_heads, ffn_hidden, window):
        super().__init__()
        self.norm1, self.norm2 = RMSNorm(d), RMSNorm(d)
        self.attn = Attention(d, heads, kv_heads, window)
        self.ffn = SwiGLU(d, ffn_hidden)

    def forward(self, x, k_cache, v_cache, cache_len):
        h, k_next, v_next = self.attn(self.norm1(x), k_cache, v_cache, cache_len)
        x = x + h
        return x + self.ffn(self.norm2(x)), k_next, v_next


class RollingKVState:
    """The explicit streaming state of a stack of `Block`s: per layer the last `window` keys and
    values, and how many of them are filled."""

    n_layers: int
    kv_heads: int
    window: int
    dh: int

    def state_specs(self, batch: int = 1) -> list[tuple[str, tuple[int, ...], str]]:
        specs = []
        for i in range(self.n_layers):
            shape = (batch, self.kv_heads, self.window, self.dh)
            specs += [(f"layer{i}_k", shape, "float32"), (f"layer{i}_v", shape, "float32")]
        return specs + [("cache_len", (batch,), "int64")]

    def initial_state(self, batch: int = 1, device=None) -> list[torch.Tensor]:
        return [torch.zeros(s, device=device, dtype=torch.int64 if t == "int64" else torch.float32)
                for _, s, t in self.state_specs(batch)]


class AccompanimentGenerator(nn.Module, RollingKVState):
    def __init__(self, latent_size: int, noise_size: int, n_instruments: int, d_model: int = 256, layers: int = 4,
                 heads: int = 4, kv_heads: int = 2, ffn_hidden: int = 688, window: int = 128):
        super().__init__()
        self.latent_size, self.noise_size, self.window = latent_size, noise_size, window
        self.kv_heads, self.dh, self.n_layers = kv_heads, d_model // heads, layers
        self.inp = nn.Linear(latent_size + noise_size, d_model)
        self.instrument = nn.Embedding(n_instruments, d_model)
        self.blocks = nn.ModuleList([Block(d_model, heads, kv_heads, ffn_hidden, window) for _ in range(layers)])
        self.norm = RMSNorm(d_model)
        self.out = nn.Linear(d_model, latent_size)
        # latent statistics of the training data; the graph takes and returns raw AE latents
        self.register_buffer("latent_mean", torch.zeros(latent_size))
        self.register_buffer("latent_std", torch.ones(latent_size))

    @classmethod
    def from_config(cls, g: dict, latent_size: int, n_instruments: int) -> "AccompanimentGenerator":
        return cls(latent_size, g["noise_size"], n_instruments, g["d_model"], g["layers"], g["heads"], g["kv_heads"],
                   g["ffn_hidden"], g["window"])

    def normalize(self, z: torch.Tensor) -> torch.Tensor:
        return (z - self.latent_mean) / self.latent_std

    def forward_normalized(self, mix_n, noise, instrument, states):
        """Normalised latents in and out (training losses live in this space)."""
        cache_len = states[-1]
        x = self.inp(torch.cat([mix_n, noise], dim=-1)) + self.instrument(instrument)[:, None, :]
        next_states = []
        for i, block in enumerate(self.blocks):
            x, k, v = block(x, states[2 * i], states[2 * i + 1], cache_len)
            next_states += [k, v]
        next_states.append(torch.clamp(cache_len + mix_n.shape[1], max=self.window))
        return self.out(self.norm(x)), next_states

    def forward(self, mix, noise, instrument, states):
        """mix [B, n, D] raw latents, noise [B, n, Z], instrument [B] int64 -> accompaniment [B, n, D]."""
        y, next_states = self.forward_normalized(self.normalize(mix), noise, instrument, states)
        return y * self.latent_std + self.latent_mean, next_states
