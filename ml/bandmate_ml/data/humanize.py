"""From a score in beats to a performance in seconds: tempo drift, rubato, swing, loose ensemble.

Parts are written on a straight grid in beats; everything a real band does to that grid happens
here, once, so every part and the chord spans go through the same tempo map and swing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .song import Note

# (spread of the part's constant offset from the drums, per-onset jitter), seconds. The drummer
# is the clock the others play around; pads and leads sit loosest.
PART_TIMING = {
    "drums": (0.0, 0.002),
    "bass": (0.006, 0.005),
    "keys": (0.007, 0.007),
    "guitar": (0.007, 0.008),
    "pad": (0.010, 0.010),
    "lead": (0.010, 0.011),
}
MIN_NOTE_S = 0.03


@dataclass(frozen=True)
class Feel:
    swing: float = 0.5  # position of the off-beat eighth within the beat (0.5 straight, 2/3 triplet)
    drift: float = 0.03  # largest slow tempo deviation, as a fraction
    rubato: float = 0.0  # phrase-level push and pull, as a fraction of the beat
    ritardando: float = 1.0  # how much longer the last beat is than nominal (1 = none)
    rit_beats: int = 0
    looseness: float = 1.0  # scales every part's timing spread


def tempo_map(rng: np.random.Generator, n_beats: int, tempo: float, beats_per_bar: int, feel: Feel,
              push: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Onset of every beat in seconds, and the end of the last beat. `push`: per-beat tempo lift."""
    t = np.arange(n_beats) / max(n_beats, 1)
    curve = np.zeros(n_beats)
    for _ in range(3):  # a few slow waves: the band rushes and settles over the song
        curve += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * (rng.uniform(0.3, 2.5) * t + rng.uniform(0, 1)))
    curve *= feel.drift / max(np.abs(curve).max(), 1e-9)
    if push is not None:
        curve += push
    curve -= curve.mean()  # the nominal tempo stays the average
    curve *= feel.drift / max(np.abs(curve).max(), 1e-9)  # and the drift peaks at feel.drift
    factor = 1.0 + curve
    beat_s = 60.0 / tempo / factor
    if feel.rubato > 0:
        phrase = 2 * beats_per_bar
        phase = rng.uniform(0, 2 * np.pi)
        beat_s *= 1 + feel.rubato * np.sin(2 * np.pi * (np.arange(n_beats) % phrase) / phrase + phase)
        beat_s *= 1 + 0.3 * feel.rubato * rng.standard_normal(n_beats)
    if feel.rit_beats > 0 and feel.ritardando != 1.0:
        k = min(feel.rit_beats, n_beats)
        ramp = np.linspace(0, 1, k) ** 2
        beat_s[-k:] *= 1 + (feel.ritardando - 1) * ramp
    edges = np.concatenate([[0.0], np.cumsum(beat_s)])
    return edges[:-1], float(edges[-1])


def swing(pos: np.ndarray, amount: float) -> np.ndarray:
    """Moves off-beat eighths to `amount` of the beat; sixteenths follow in proportion."""
    pos = np.asarray(pos, dtype=float)
    whole = np.floor(pos + 1e-9)
    f = pos - whole
    bent = np.where(f <= 0.5, f / 0.5 * amount, amount + (f - 0.5) / 0.5 * (1 - amount))
    return whole + bent


def beats_to_seconds(pos: np.ndarray, beat_times: np.ndarray, end_s: float) -> np.ndarray:
    edges = np.concatenate([beat_times, [end_s]])
    idx = np.clip(np.floor(pos + 1e-9).astype(int), 0, len(beat_times) - 1)
    return edges[idx] + (pos - idx) * (edges[idx + 1] - edges[idx])


@dataclass
class Performance:
    """One song's timing: the tempo map, the swing and each part's place around the beat."""
    beat_times: np.ndarray
    end_s: float
    feel: Feel
    rng: np.random.Generator

    def __post_init__(self):
        self.offsets = {role: float(self.rng.normal(0, spread * self.feel.looseness)) if spread else 0.0
                        for role, (spread, _) in PART_TIMING.items()}

    def seconds(self, pos) -> np.ndarray:
        return beats_to_seconds(swing(np.asarray(pos, float), self.feel.swing), self.beat_times, self.end_s)

    def play(self, role: str, events: list[tuple], vel_sd: float = 5.0, strum_s: float = 0.0) -> list[Note]:
        """Events (beat, length in beats, pitch, velocity[, strum direction]) -> notes in seconds, humanised."""
        if not events:
            return []
        ev = np.array(events, dtype=float)
        pos, length, pitch, vel = ev.T[:4]
        direction = ev[:, 4] if ev.shape[1] > 4 else np.ones(len(ev))
        start = self.seconds(pos)
        end = self.seconds(pos + length)
        _, jitter_sd = PART_TIMING[role]
        # notes struck together (a chord) move together, with a small spread inside the group
        groups, inverse = np.unique(np.round(pos, 4), return_inverse=True)
        group_shift = self.rng.normal(0, jitter_sd * self.feel.looseness, len(groups))[inverse]
        inner = self.rng.normal(0, 0.0015 if role != "drums" else 0.0005, len(pos))
        if strum_s > 0:  # guitar strums: strings one after another, low to high down, high to low up
            idx = np.lexsort((pitch * direction, inverse))
            rank = np.empty(len(pos))
            rank[idx] = np.arange(len(pos)) - np.searchsorted(inverse[idx], inverse[idx])
            inner = inner + rank * strum_s
        shift = self.offsets[role] + group_shift + inner
        start = np.clip(start + shift, 0.0, self.end_s - MIN_NOTE_S)
        end = np.clip(end + shift + self.rng.normal(0, jitter_sd, len(pos)), start + MIN_NOTE_S, self.end_s)
        vel = np.clip(np.round(vel + self.rng.normal(0, vel_sd, len(pos))), 1, 127)
        return _without_overlaps(start, end, pitch.astype(int), vel.astype(int))


def _without_overlaps(start, end, pitch, vel) -> list[Note]:
    # a same-pitch note must end before the next one starts, or its note-off would cut the next
    order = np.lexsort((start, pitch))
    start, end, pitch, vel = start[order], end[order], pitch[order], vel[order]
    same = pitch[1:] == pitch[:-1]
    nxt = np.where(same, start[1:] - 0.002, np.inf)
    end[:-1] = np.minimum(end[:-1], nxt)
    keep = end - start >= 0.01
    order = np.lexsort((pitch[keep], start[keep]))
    s, e, p, v = start[keep][order], end[keep][order], pitch[keep][order], vel[keep][order]
    return [Note(float(a), float(b), int(c), int(d)) for a, b, c, d in zip(s, e, p, v)]
