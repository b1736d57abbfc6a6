"""Causal audio autoencoder with continuous latents (24 kHz mono -> D-dim latents at 25 frames/s).

Encoder: strided causal convs (one per stride) with dilated causal residual blocks.
Decoder: the mirror image, upsampling with causal convs + 1-D pixel shuffle. Both are causal at
frame granularity: latent frame i depends on audio samples < (i+1)·S only, and audio frame i on
latents <= i only. All left context is explicit state (see streaming.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .streaming import CausalConv1d, CausalResBlock, CausalUpsample, StateIO, state_name, streaming_layers


class _Stage(nn.Module):
    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, x, io):
        for layer in self.layers:
            x = layer(x, io) if not isinstance(layer, nn.ELU) else layer(x)
        return x


class StreamingModel(nn.Module):
    state_prefix = "state"

    def state_specs(self, batch: int = 1) -> list[tuple[str, tuple[int, ...]]]:
        return [(state_name(n, self.state_prefix), m.state_shape(batch)) for n, m in streaming_layers(self)]

    def initial_state(self, batch: int = 1, device=None) -> list[torch.Tensor]:
        return [torch.zeros(shape, device=device) for _, shape in self.state_specs(batch)]


class CausalEncoder(StreamingModel):
    state_prefix = "enc"

    def __init__(self, channels: list[int], strides: list[int], latent_size: int):
        super().__init__()
        stages, cin = [], 1
        for c, s in zip(channels, strides):
            stages.append(_Stage([CausalConv1d(cin, c, 2 * s, stride=s), CausalResBlock(c, 1), CausalResBlock(c, 3), nn.ELU()]))
            cin = c
        self.stages = nn.ModuleList(stages)
        self.out = CausalConv1d(cin, latent_size, 3)
        self.samples_per_frame = 1
        for s in strides:
            self.samples_per_frame *= s

    def forward(self, audio: torch.Tensor, states: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """audio [B, S·n] -> latents [B, n, D], next states."""
        io = StateIO(states)
        x = audio.unsqueeze(1)
        for stage in self.stages:
            x = stage(x, io)
        return self.out(x, io).transpose(1, 2), io.next_states


class CausalDecoder(StreamingModel):
    state_prefix = "dec"

    def __init__(self, channels: list[int], strides: list[int], latent_size: int):
        super().__init__()
        chans = list(reversed(channels))
        self.inp = CausalConv1d(latent_size, chans[0], 3)
        stages = []
        for i, s in enumerate(reversed(strides)):
            cout = chans[i + 1] if i + 1 < len(chans) else 16
            stages.append(_Stage([CausalResBlock(chans[i], 1), CausalResBlock(chans[i], 3), nn.ELU(), CausalUpsample(chans[i], cout, s)]))
        self.stages = nn.ModuleList(stages)
        self.out = CausalConv1d(16, 1, 7)

    def forward(self, latents: torch.Tensor, states: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """latents [B, n, D] -> audio [B, S·n], next states."""
        io = StateIO(states)
        x = self.inp(latents.transpose(1, 2), io)
        for stage in self.stages:
            x = stage(x, io)
        return torch.tanh(self.out(F.elu(x), io)).squeeze(1), io.next_states


class AutoEncoder(nn.Module):
    def __init__(self, channels: list[int], strides: list[int], latent_size: int, latent_noise: float = 0.0):
        super().__init__()
        self.encoder = CausalEncoder(channels, strides, latent_size)
        self.decoder = CausalDecoder(channels, strides, latent_size)
        self.latent_noise = latent_noise
        self.samples_per_frame = self.encoder.samples_per_frame
        self.latent_size = latent_size

    @classmethod
    def from_config(cls, ae_cfg: dict) -> "AutoEncoder":
        return cls(ae_cfg["channels"], ae_cfg["strides"], ae_cfg["latent_size"], ae_cfg.get("latent_noise", 0.0))

    def encode(self, audio: torch.Tensor) -> torch.Tensor:
        return self.encoder(audio, self.encoder.initial_state(audio.shape[0], audio.device))[0]

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        return self.decoder(latents, self.decoder.initial_state(latents.shape[0], latents.device))[0]

    def forward(self, audio: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encode(audio)
        zn = z + self.latent_noise * torch.randn_like(z) if self.training and self.latent_noise > 0 else z
        return self.decode(zn), z
