"""Training windows for the structured accompanist: what the engine feeds it, and what the part played.

For a window of output frames [s, s+L) at look-back t_f the generator gets the mix features delayed
by (k − t_f) = 4 + |t_f|/10 ms hops (the engine's delay, `frames_from_hops`), the conditioning
(t_f, and the beat grid at each output frame when the metronome is on) and noise; the target is
the stem's control frames over the same output frames. t_f and metronome on/off are drawn per
window, so one model serves every look-back in its range, with or without a metronome.
"""

from __future__ import annotations

import numpy as np

from ..features.mix_features import HOP, SAMPLE_RATE, frames_from_hops
from .control_frames import COND_SIZE, FRAME_S, INSTRUMENTS, beat_conditioning, block, control_targets

HOP_S = HOP / SAMPLE_RATE


def delay_hops(tf_s: float) -> int:
    """Hops the engine delays the mix for one-frame chunks at look-back t_f (≤ 0, a multiple of 10 ms)."""
    d = (FRAME_S - tf_s) / HOP_S
    if abs(d - round(d)) > 1e-6:
        raise ValueError(f"t_f = {tf_s} s is not a multiple of the 10 ms feature hop")
    return int(round(d))


def conditioning(tf_s: float, beat_times, beats_per_bar: int, n_frames: int, grid_on: bool) -> np.ndarray:
    cond = np.zeros((n_frames, COND_SIZE), np.float32)
    cond[:, 0] = tf_s / 0.2
    cond[:, 1:] = beat_conditioning(np.asarray(beat_times), int(beats_per_bar), n_frames, grid_on)
    return cond


def song_frames(song: dict) -> int:
    return int(song["duration_s"] // FRAME_S)


class ControlPairSampler:
    def __init__(self, songs: list[dict], seq_frames: int, tf_choices: list[float], grid_prob: float, seed: int = 0):
        self.L, self.tf_choices, self.grid_prob = seq_frames, tf_choices, grid_prob
        self.set_songs(songs)
        self.rng = np.random.default_rng(seed)

    def set_songs(self, songs: list[dict]) -> None:
        self.songs = [s for s in songs if song_frames(s) > self.L]
        if not self.songs:
            raise ValueError(f"no song is longer than {self.L} frames")

    def sample(self, present: bool = False) -> tuple:
        song = self.songs[self.rng.integers(len(self.songs))]
        insts = [i for i in INSTRUMENTS if f"hops_{i}" in song]
        inst = insts[self.rng.integers(len(insts))]
        tf = float(self.tf_choices[self.rng.integers(len(self.tf_choices))])
        n = song_frames(song)
        start = int(self.rng.integers(0, n - self.L + 1))
        feats = frames_from_hops(song[f"hops_{inst}"].astype(np.float32), delay_hops(tf), self.L, start)
        y, m = control_targets(song[f"notes_{inst}"], inst, n)
        full_cond = conditioning(tf, song["beat_times"], song["beats_per_bar"], n, self.rng.random() < self.grid_prob)
        truth = beat_conditioning(np.asarray(song["beat_times"]), int(song["beats_per_bar"]), n, True)
        y[:, block("beat")] = truth[:, 2:4]  # the beat as played, whether or not the generator is told it
        m[:, block("beat")] = 1
        sl = slice(start, start + self.L)
        row = (feats, full_cond[sl], y[sl], m[sl], INSTRUMENTS.index(inst))
        if present:  # the mix at the part's own time: for the critic only (training never streams it)
            row += (frames_from_hops(song[f"hops_{inst}"].astype(np.float32), 0, self.L, start),)
        return row

    def batch(self, size: int, present: bool = False) -> tuple[np.ndarray, ...]:
        """(features as heard, cond, targets, mask, instrument[, features at the part's time])."""
        rows = [self.sample(present) for _ in range(size)]
        out = tuple(np.stack([r[k] for r in rows]) for k in range(4)) + (np.array([r[4] for r in rows], np.int64),)
        return out + (np.stack([r[5] for r in rows]),) if present else out
