"""Synthetic onset strengths (one per 10 ms hop) for testing the beat tracker: clicks on a tempo
map with human timing, accents and a noise floor."""

from __future__ import annotations

import numpy as np


def click_onsets(segments: list[tuple[float, float]], seed: int = 0, jitter_s: float = 0.008,
                 noise: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """`segments`: (seconds, bpm) in order; bpm 0 is silence. Returns (onsets per hop, beat times)."""
    rng = np.random.default_rng(seed)
    total = sum(s for s, _ in segments)
    hops = int(round(total * 100))
    x = np.abs(rng.normal(0, noise, hops))
    beats, t0 = [], 0.0
    for seconds, bpm in segments:
        if bpm > 0:
            period = 60.0 / bpm
            t = t0
            while t < t0 + seconds - 1e-9:
                beats.append(t)
                t += period
        else:
            x[int(t0 * 100): int((t0 + seconds) * 100)] = 0.0
        t0 += seconds
    for k, b in enumerate(beats):
        h = int(round((b + rng.normal(0, jitter_s)) * 100))
        if 0 <= h < hops:
            x[h] += (1.5 if k % 4 == 0 else 1.0) * rng.uniform(0.8, 1.2)
            if h + 1 < hops:
                x[h + 1] += 0.3
    return x, np.asarray(beats)
