"""Finding the beat by listening: a causal tracker that gives the generator a beat grid when the
room's metronome is off.

The generator follows a grid far better than it infers one from 5 s of features, so without a
metronome the engine hands it the grid this tracker hears. Input: one onset strength per 10 ms hop
(the sum of the mix features' band flux, which the engine already computes). Each 40 ms frame it
re-estimates the beat period (autocorrelation of the last 6 s, its second harmonic reinforcing,
under a prior around 120 BPM) and the last beat (a comb over the recent onsets), and follows the
estimate with a phase-locked loop, so the grid moves smoothly and a tempo change takes a second
to be believed. Silence or no periodicity: no grid (the generator then plays as it was trained to
without one).

The Node engine (`apps/inference/src/engine/beat-tracker.ts`) runs the same arithmetic in float64;
`ml/scripts/decoder_fixture.py` writes cases both are tested against.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

HOPS_PER_FRAME = 4
HOP_S = 0.01


@dataclass(frozen=True)
class TrackerConfig:
    window_hops: int = 600        # 6 s of onsets
    warmup_hops: int = 300        # no grid before 3 s have been heard
    min_bpm: float = 60.0
    max_bpm: float = 200.0
    prior_bpm: float = 120.0
    prior_octaves: float = 0.9    # σ of the log-tempo prior
    harmonic: float = 0.5         # weight of the autocorrelation at twice the lag
    comb_beats: int = 6
    comb_decay: float = 0.8
    min_confidence: float = 0.05  # autocorrelation peak over the signal's energy
    phase_gain: float = 0.25      # PLL: share of the phase error corrected per frame
    tempo_gain: float = 0.25
    tempo_tolerance: float = 0.06  # a new period within this ratio is the same tempo
    switch_frames: int = 12       # frames a different tempo must persist to be adopted
    quiet_hops: int = 150         # no onset this long (against the window's loudest): no grid
    quiet_ratio: float = 0.2
    beats_per_bar: int = 4

    def to_json(self) -> dict:
        return asdict(self)


class BeatTracker:
    """Streaming: `push(onsets)` after each frame's features, `grid(frame)` for any later frame.
    `lead_hops` is how far the heard mix trails the output timeline (the engine's look-back d)."""

    def __init__(self, cfg: TrackerConfig, lead_hops: int):
        self.cfg, self.lead = cfg, lead_hops
        self.buf = np.zeros(0, np.float64)
        self.heard = 0                     # hops pushed so far
        self.period: float | None = None   # hops per beat
        self.beat: float = 0.0             # a beat's time, output-timeline hops
        self.beat_count = 0                # beats from the lock to `beat` (for the bar phase)
        self.candidate: float | None = None
        self.disagree = 0
        self.confident = False
        lags = np.arange(int(np.floor(6000.0 / cfg.max_bpm)), int(np.ceil(6000.0 / cfg.min_bpm)) + 1)
        self.lags = lags
        self.prior = np.exp(-0.5 * (np.log2(lags * cfg.prior_bpm / 6000.0) / cfg.prior_octaves) ** 2)

    def push(self, onsets) -> None:
        x = np.asarray(onsets, np.float64)
        self.buf = np.concatenate([self.buf, x])[-self.cfg.window_hops:]
        self.heard += len(x)
        if self.heard < self.cfg.warmup_hops:
            return
        est = self._estimate()
        if est is None:
            self.confident = False
            return
        self.confident = True
        period, beat = est
        if self.period is None:
            self.period, self.beat, self.beat_count = period, beat, 0
            return
        self._follow(period, beat)

    def _estimate(self) -> tuple[float, float] | None:
        cfg, x = self.cfg, self.buf
        n = len(x)
        if x[-cfg.quiet_hops:].max() < cfg.quiet_ratio * x.max():
            return None  # the band stopped
        smooth = np.convolve(x, np.ones(25), mode="same") / 25.0
        d = np.maximum(x - smooth, 0.0)
        d = d - d.mean()
        energy = float(np.dot(d, d)) / n
        if energy <= 1e-12:
            return None
        full = np.correlate(d, d, mode="full")[n - 1:]  # full[L] = Σ d[t] d[t−L]
        lmax2 = 2 * int(self.lags[-1])
        ac = np.zeros(lmax2 + 1)
        m = min(lmax2 + 1, n - 1)
        ac[:m] = full[:m] / (n - np.arange(m))
        raw = ac[self.lags] + cfg.harmonic * ac[2 * self.lags]
        k = int(np.argmax(raw * self.prior))  # the prior picks the peak; the peak's shape places it
        if ac[self.lags[k]] / energy < cfg.min_confidence:
            return None
        period = float(self.lags[k])
        if 0 < k < len(self.lags) - 1:
            a, b, c = raw[k - 1], raw[k], raw[k + 1]
            den = a - 2 * b + c
            if den < 0:
                period += 0.5 * (a - c) / den
        pos = np.maximum(x, 0.0)
        weights = cfg.comb_decay ** np.arange(cfg.comb_beats)
        offsets = np.round(np.arange(cfg.comb_beats) * period).astype(np.int64)
        best, best_phi = -1.0, 0
        for phi in range(int(period)):
            idx = n - 1 - phi - offsets
            ok = idx >= 0
            s = float(np.dot(pos[idx[ok]], weights[ok]))
            if s > best:
                best, best_phi = s, phi
        beat = float(self.heard - 1 - best_phi - self.lead)  # pushed hop j is at time j − lead
        return period, beat

    def _follow(self, period: float, beat: float) -> None:
        cfg = self.cfg
        if abs(period / self.period - 1.0) > cfg.tempo_tolerance:
            same = self.candidate is not None and abs(period / self.candidate - 1.0) <= cfg.tempo_tolerance
            self.candidate = period
            self.disagree = self.disagree + 1 if same else 1
            if self.disagree < cfg.switch_frames:
                return
            self.period, self.beat, self.beat_count = period, beat, 0
            self.candidate, self.disagree = None, 0
            return
        self.candidate, self.disagree = None, 0
        beats = (beat - self.beat) / self.period
        whole = float(np.round(beats))
        err = beats - whole  # in beats, within ±0.5
        self.beat += (whole + cfg.phase_gain * err) * self.period
        self.beat_count += int(whole)
        self.period += cfg.tempo_gain * (period - self.period)

    def grid(self, frame: int) -> np.ndarray | None:
        """[phase, beats per frame, bar phase] at output frame `frame`'s start, or None (no grid)."""
        if self.period is None or not self.confident:
            return None
        idx = (HOPS_PER_FRAME * frame - self.beat) / self.period
        phase = idx - np.floor(idx)
        bpb = self.cfg.beats_per_bar
        bar = (idx + self.beat_count) / bpb
        return np.array([phase, HOPS_PER_FRAME / self.period, bar - np.floor(bar)])


def onset_strength(hops: np.ndarray) -> np.ndarray:
    """The tracker's input from mix features [.., HOP_FEATURES]: the hop's summed band flux."""
    from .mix_features import FLUX_SLICE

    return hops[..., FLUX_SLICE].astype(np.float64).sum(-1)


def tracked_grid(onsets: np.ndarray, lead_hops: int, n_frames: int, cfg: TrackerConfig = TrackerConfig()) -> np.ndarray:
    """The grid rows the engine gives frames 0…n−1 (as `beat_conditioning`'s 9 columns; zeros where
    the tracker has none): frame i's grid uses onsets heard before it (hops < 4i − lead)."""
    from ..data.control_frames import COND_GRID

    tr = BeatTracker(cfg, lead_hops)
    out = np.zeros((n_frames, COND_GRID), np.float32)
    for i in range(n_frames):
        a, b = HOPS_PER_FRAME * (i - 1) - lead_hops, HOPS_PER_FRAME * i - lead_hops
        if i > 0:
            chunk = np.zeros(HOPS_PER_FRAME)
            lo, hi = max(a, 0), min(b, len(onsets))
            if hi > lo:
                chunk[lo - a: hi - a] = onsets[lo:hi]
            tr.push(chunk)
        g = tr.grid(i)
        if g is not None:
            out[i] = grid_row(g, cfg)
    return out


def grid_row(g: np.ndarray, cfg: TrackerConfig) -> np.ndarray:
    """The tracker's [phase, beats per frame, bar phase] as `beat_conditioning`'s 9 columns."""
    phase, rate, bar = g
    two_pi = 2 * np.pi
    return np.array([1.0, phase, np.sin(two_pi * phase), np.cos(two_pi * phase), rate * 10,
                     bar, np.sin(two_pi * bar), np.cos(two_pi * bar), cfg.beats_per_bar / 8], np.float32)
