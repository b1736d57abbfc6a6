"""Causal convolutions whose left context is explicit state.

Every layer reads its past from a state tensor and returns the new one, so the same forward pass
serves training (state = zeros, a whole segment at once) and streaming (one frame at a time,
state carried between calls). Both compute exactly the same numbers, which the tests check.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class StateIO:
    """Hands each streaming layer its input state in module order and collects the new states."""

    def __init__(self, states: list[torch.Tensor]):
        self.states = list(states)
        self.next_states: list[torch.Tensor] = []
        self._i = 0

    def take(self) -> torch.Tensor:
        s = self.states[self._i]
        self._i += 1
        return s

    def put(self, s: torch.Tensor) -> None:
        self.next_states.append(s)


class CausalConv1d(nn.Module):
    """Conv1d where output j depends on inputs < (j+1)·stride only; past samples live in state.

    The state holds the last `context = (K-1)·dilation + 1 - stride` input samples. Inputs must be
    a multiple of `stride` long, which holds when steps are whole latent frames.
    """

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, stride=stride, dilation=dilation)
        self.cin, self.stride = cin, stride
        self.context = (kernel - 1) * dilation + 1 - stride
        if self.context < 0:
            raise ValueError("kernel too short for its stride")

    def state_shape(self, batch: int) -> tuple[int, ...] | None:
        return (batch, self.cin, self.context) if self.context > 0 else None

    def forward(self, x: torch.Tensor, io: StateIO) -> torch.Tensor:
        if self.context > 0:
            x = torch.cat([io.take(), x], dim=-1)
            io.put(x[..., x.shape[-1] - self.context:])
        return self.conv(x)


class CausalUpsample(nn.Module):
    """Causal conv to cout·r channels, then a 1-D pixel shuffle: each input step becomes r samples."""

    def __init__(self, cin: int, cout: int, ratio: int, kernel: int = 3):
        super().__init__()
        self.conv = CausalConv1d(cin, cout * ratio, kernel)
        self.cout, self.ratio = cout, ratio

    def forward(self, x: torch.Tensor, io: StateIO) -> torch.Tensor:
        y = self.conv(x, io)
        b, _, t = y.shape
        return y.reshape(b, self.cout, self.ratio, t).permute(0, 1, 3, 2).reshape(b, self.cout, t * self.ratio)


class CausalResBlock(nn.Module):
    def __init__(self, channels: int, dilation: int):
        super().__init__()
        self.conv1 = CausalConv1d(channels, channels, 3, dilation=dilation)
        self.conv2 = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor, io: StateIO) -> torch.Tensor:
        return x + self.conv2(F.elu(self.conv1(F.elu(x), io)))


def streaming_layers(module: nn.Module) -> list[tuple[str, CausalConv1d]]:
    """Layers that carry state, in the order forward() visits them (registration order)."""
    return [(n, m) for n, m in module.named_modules() if isinstance(m, CausalConv1d) and m.context > 0]


def state_name(module_path: str, prefix: str) -> str:
    return prefix + "_" + module_path.replace("stages.", "s").replace("layers.", "l").replace(".", "_")
