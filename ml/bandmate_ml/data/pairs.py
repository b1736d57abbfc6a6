"""Training pairs as in Slakh-based accompaniment work (stream-music-gen's SelectStems).

One target stem; the input mix is a random non-empty subset of the other stems; a window is
rejected unless at least half of its frames are above `silence_db` in both the target and the
mix. The mix window is delayed by D = `delay_frames` (bandmate_ml.timing.mix_delay_frames, the
engine's convention): output frame i is paired with mix frame i − D, so after the causal generator
output frame i is conditioned on mix frames ≤ i − D, exactly as the engine feeds it live.

With `context=True` a pair also carries the mix at the target's own time (frames [start, start+L)):
for the discriminator only, which judges the accompaniment against the music it must fit. A critic
shown the delayed mix sees an echo of its input as aligned as the real part, so it cannot punish a
generator that merely echoes what it heard D frames ago (what our first adversarial runs learned).
"""

from __future__ import annotations

import numpy as np


class LatentPairSampler:
    def __init__(self, tracks: list[dict], seq_frames: int, delay_frames: int, silence_db: float = -60.0,
                 min_active: float = 0.5, seed: int = 0):
        self.tracks = [t for t in tracks if t["targets"].shape[1] >= seq_frames + abs(delay_frames) + 1 and t["mixes"].size]
        if not self.tracks:
            raise ValueError(f"no track is longer than {seq_frames + abs(delay_frames)} frames")
        self.L, self.delay = seq_frames, delay_frames
        self.silence_db, self.min_active = silence_db, min_active
        self.rng = np.random.default_rng(seed)
        self.rejected = 0

    def window(self, tr: dict, s: int, m: int, start: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Target stem `s` over frames [start, start+L) and mix `m` over [start−D, start−D+L): the pair
        for output frames start … start+L−1."""
        a = start - self.delay
        if a < 0 or a + self.L > tr["mixes"].shape[2] or start + self.L > tr["targets"].shape[1]:
            raise IndexError(f"window at {start} with delay {self.delay} is outside the track")
        return tr["mixes"][s, m, a:a + self.L], tr["targets"][s, start:start + self.L], int(tr["instruments"][s])

    def sample(self, context: bool = False) -> tuple:
        L, off = self.L, -self.delay  # the mix window starts D frames before the target window
        for _ in range(50):
            tr = self.tracks[self.rng.integers(len(self.tracks))]
            s = int(self.rng.integers(tr["targets"].shape[0]))
            m = int(self.rng.integers(tr["mixes"].shape[1]))
            n = tr["targets"].shape[1]
            lo, hi = max(0, -off), n - L - max(0, off)
            start = int(self.rng.integers(lo, hi + 1))
            tgt_active = (tr["target_db"][s, start:start + L] > self.silence_db).mean()
            mix_active = (tr["mix_db"][s, m, start + off:start + off + L] > self.silence_db).mean()
            if tgt_active >= self.min_active and mix_active >= self.min_active:
                pair = self.window(tr, s, m, start)
                return (*pair, tr["mixes"][s, m, start:start + L]) if context else pair
            self.rejected += 1
        raise RuntimeError("could not find a non-silent window in 50 tries: check the data and silence_db")

    def batch(self, size: int, context: bool = False) -> tuple:
        """(mix delayed by D, target, instrument[, mix at the target's time]) for `size` pairs."""
        rows = [self.sample(context) for _ in range(size)]
        out = (np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]), np.array([r[2] for r in rows], np.int64))
        return (*out, np.stack([r[3] for r in rows])) if context else out
