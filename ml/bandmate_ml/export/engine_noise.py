"""The Node engine's seeded Gaussian noise (apps/inference/src/engine/gaussian-noise.ts), bit for bit:
mulberry32 uniforms in (0, 1) and Box–Muller pairs (cos first, then the spare sin), float64 math,
stored as float32. With it Python streams the exported graphs with exactly the noise the engine
feeds for a given `--seed`, so evaluation and the parity check run the engine's computation."""

from __future__ import annotations

import math

import numpy as np

_M32 = 0xFFFFFFFF


def _imul(a: int, b: int) -> int:
    """Math.imul: 32-bit wrap-around multiplication (result as unsigned; only the bits matter)."""
    return (a * b) & _M32


class EngineNoise:
    def __init__(self, seed: int):
        self.state = seed & _M32
        self.spare: float | None = None

    def _uniform(self) -> float:
        self.state = (self.state + 0x6D2B79F5) & _M32
        t = self.state
        t = _imul(t ^ (t >> 15), t | 1)
        t ^= (t + _imul(t ^ (t >> 7), t | 61)) & _M32
        return (((t ^ (t >> 14)) & _M32) + 1) / 4294967297

    def _next(self) -> float:
        if self.spare is not None:
            s, self.spare = self.spare, None
            return s
        r = math.sqrt(-2 * math.log(self._uniform()))
        a = 2 * math.pi * self._uniform()
        self.spare = r * math.sin(a)
        return r * math.cos(a)

    def fill(self, n: int) -> np.ndarray:
        return np.array([self._next() for _ in range(n)], np.float32)


def engine_noise(seed: int, frames: int, noise_size: int) -> np.ndarray:
    """[1, frames, noise_size]: the noise the engine feeds over `frames` frames (any chunking k, since it
    draws k·noiseSize values per step from one stream)."""
    return EngineNoise(seed).fill(frames * noise_size).reshape(1, frames, noise_size)
