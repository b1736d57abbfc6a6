"""Random audio crops for autoencoder training: single stems and mixes of random stem subsets."""

from __future__ import annotations

import numpy as np

from .slakh import Track


def db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x.astype(np.float64) ** 2) + 1e-12))


class AudioCropSampler:
    def __init__(self, tracks: list[Track], segment: int, silence_db: float = -60.0, seed: int = 0):
        self.tracks = tracks
        self.segment = segment
        self.silence_db = silence_db
        self.rng = np.random.default_rng(seed)

    def sample_one(self) -> np.ndarray:
        for _ in range(20):
            track = self.tracks[self.rng.integers(len(self.tracks))]
            n = len(track.stems[0].audio)
            if n <= self.segment:
                continue
            start = int(self.rng.integers(0, n - self.segment))
            if self.rng.random() < 0.5 or len(track.stems) == 1:
                idx = [int(self.rng.integers(len(track.stems)))]
            else:
                k = int(self.rng.integers(2, len(track.stems) + 1))
                idx = self.rng.choice(len(track.stems), size=k, replace=False).tolist()
            x = sum(track.stems[i].audio[start:start + self.segment] for i in idx)
            if db(x) > self.silence_db:
                x = x * self.rng.uniform(0.5, 1.5)
                peak = np.abs(x).max()
                return (x / peak * 0.95 if peak > 0.95 else x).astype(np.float32)
        return np.zeros(self.segment, np.float32)

    def batch(self, size: int) -> np.ndarray:
        return np.stack([self.sample_one() for _ in range(size)])
