"""Training pairs as in Slakh-based accompaniment work (stream-music-gen's SelectStems).

One target stem; the input mix is a random non-empty subset of the other stems; a window is
rejected unless at least half of its frames are above `silence_db` in both the target and the
mix. The mix window is shifted by tf frames relative to the target: output frame t is paired
with mix frame t+tf (tf < 0: the model hears the mix late, as it will live).
"""

from __future__ import annotations

import numpy as np


class LatentPairSampler:
    def __init__(self, tracks: list[dict], seq_frames: int, tf_frames: int, silence_db: float = -60.0,
                 min_active: float = 0.5, seed: int = 0):
        self.tracks = [t for t in tracks if t["targets"].shape[1] >= seq_frames + abs(tf_frames) + 1 and t["mixes"].size]
        if not self.tracks:
            raise ValueError(f"no track is longer than {seq_frames + abs(tf_frames)} frames")
        self.L, self.tf = seq_frames, tf_frames
        self.silence_db, self.min_active = silence_db, min_active
        self.rng = np.random.default_rng(seed)
        self.rejected = 0

    def sample(self) -> tuple[np.ndarray, np.ndarray, int]:
        L, tf = self.L, self.tf
        for _ in range(50):
            tr = self.tracks[self.rng.integers(len(self.tracks))]
            s = int(self.rng.integers(tr["targets"].shape[0]))
            m = int(self.rng.integers(tr["mixes"].shape[1]))
            n = tr["targets"].shape[1]
            lo, hi = max(0, -tf), n - L - max(0, tf)
            start = int(self.rng.integers(lo, hi + 1))
            tgt_active = (tr["target_db"][s, start:start + L] > self.silence_db).mean()
            mix_active = (tr["mix_db"][s, m, start + tf:start + tf + L] > self.silence_db).mean()
            if tgt_active >= self.min_active and mix_active >= self.min_active:
                return tr["mixes"][s, m, start + tf:start + tf + L], tr["targets"][s, start:start + L], int(tr["instruments"][s])
            self.rejected += 1
        raise RuntimeError("could not find a non-silent window in 50 tries: check the data and silence_db")

    def batch(self, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = [self.sample() for _ in range(size)]
        return (np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]), np.array([r[2] for r in rows], np.int64))
