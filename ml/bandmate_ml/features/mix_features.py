"""What the structured accompanist hears: causal features of the mix, every 10 ms.

The same module runs two ways. Streaming (`forward`) takes one 40 ms frame of audio and an explicit
state and is exported to ONNX as the model's `features` graph, so the Node engine computes exactly
what training saw. Parallel (`song_features`) computes a whole song at once for training. Both
treat the time before the first sample as silence, and silence gives all-zero features and
all-zero state, so a mix delayed by d hops has the features of the undelayed mix shifted by d hops:
training gets any look-back t_f by shifting one precomputed array.

Per 10 ms hop (`HOP_FEATURES` values):
  chroma        12  pitch-class energy of the last 85 ms (2048-point Hann window), magnitude,
                    summing to one (zero in silence)
  chroma EMAs   36  the same chroma averaged over ~0.25 s, 1 s and 4 s: the chord and the key
  band flux      8  rise of log energy in 8 bands (0.15–12 kHz) over the last 10 ms: onsets
  band level     8  log energy in those bands over the last 21 ms (timbre: kick vs hat vs bass)
  loudness       2  log energy, and its rise over its own 2 s average (accents)
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

SAMPLE_RATE = 24000
HOP = 240
LONG = 2048
SHORT = 512
CHROMA_TAUS_S = (0.25, 1.0, 4.0)
LOUD_TAU_S = 2.0
BAND_EDGES_HZ = (60, 150, 300, 600, 1200, 2400, 4800, 8000, 12000)
CHROMA_HZ = (40.0, 2100.0)
HOP_FEATURES = 12 + 12 * len(CHROMA_TAUS_S) + 2 * (len(BAND_EDGES_HZ) - 1) + 2
HISTORY = LONG - HOP  # samples of the past the next hop's window needs
FLUX_SLICE = slice(12 + 12 * len(CHROMA_TAUS_S), 12 + 12 * len(CHROMA_TAUS_S) + len(BAND_EDGES_HZ) - 1)  # band flux in a hop


def _dft(n: int, bins: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n)[:, None]
    ang = 2 * np.pi * t * bins[None, :] / n
    win = np.hanning(n + 1)[:-1][:, None]  # periodic Hann
    return (win * np.cos(ang)).astype(np.float32), (-win * np.sin(ang)).astype(np.float32)


def _chroma_map(bins: np.ndarray, n: int) -> np.ndarray:
    """Each DFT bin spreads onto pitch classes by its distance in semitones (Gaussian, σ = 0.35)."""
    freqs = bins * SAMPLE_RATE / n
    midi = 69 + 12 * np.log2(freqs / 440.0)
    m = np.zeros((len(bins), 12), np.float32)
    for b, p in enumerate(midi):
        for note in (math.floor(p), math.floor(p) + 1):
            m[b, note % 12] += math.exp(-0.5 * ((p - note) / 0.35) ** 2)
    return m


def _band_map(n: int) -> np.ndarray:
    freqs = np.arange(n // 2 + 1) * SAMPLE_RATE / n
    edges = BAND_EDGES_HZ
    m = np.zeros((len(freqs), len(edges) - 1), np.float32)
    for k in range(len(edges) - 1):
        m[(freqs >= edges[k]) & (freqs < edges[k + 1]), k] = 1.0
    return m


def _ema_coef(tau_s: float) -> float:
    return math.exp(-HOP / SAMPLE_RATE / tau_s)


class MixFeatureExtractor(nn.Module):
    def __init__(self):
        super().__init__()
        lo, hi = CHROMA_HZ
        long_bins = np.arange(math.ceil(lo * LONG / SAMPLE_RATE), math.floor(hi * LONG / SAMPLE_RATE) + 1)
        short_bins = np.arange(SHORT // 2 + 1)
        lc, ls = _dft(LONG, long_bins)
        sc, ss = _dft(SHORT, short_bins)
        self.register_buffer("long_dft", torch.from_numpy(np.concatenate([lc, ls], 1)))
        self.register_buffer("short_dft", torch.from_numpy(np.concatenate([sc, ss], 1)))
        self.register_buffer("chroma_map", torch.from_numpy(_chroma_map(long_bins, LONG)))
        self.register_buffer("band_map", torch.from_numpy(_band_map(SHORT)))
        self.register_buffer("chroma_coef", torch.tensor([_ema_coef(t) for t in CHROMA_TAUS_S]).view(1, -1, 1))
        self.loud_coef = _ema_coef(LOUD_TAU_S)
        self.n_long, self.n_short = len(long_bins), len(short_bins)
        self.n_bands = len(BAND_EDGES_HZ) - 1

    # -- state -------------------------------------------------------------------------------
    def state_specs(self, batch: int = 1) -> list[tuple[str, tuple[int, ...], str]]:
        return [
            ("feat_history", (batch, HISTORY), "float32"),
            ("feat_chroma_ema", (batch, len(CHROMA_TAUS_S), 12), "float32"),
            ("feat_band_prev", (batch, self.n_bands), "float32"),
            ("feat_loud_ema", (batch, 1), "float32"),
        ]

    def initial_state(self, batch: int = 1) -> list[torch.Tensor]:
        return [torch.zeros(s) for _, s, _ in self.state_specs(batch)]

    # -- per-hop spectra (shared by both paths) ---------------------------------------------------
    def _spectra(self, long_frames: torch.Tensor, short_frames: torch.Tensor):
        """[..., LONG], [..., SHORT] -> chroma [..., 12], band log energy [..., bands], loudness [..., 1]."""
        lx = long_frames @ self.long_dft
        lp = lx[..., : self.n_long] ** 2 + lx[..., self.n_long:] ** 2
        # sqrt(e + 1e-8) − 1e-4, written as e / (sqrt(e + 1e-8) + 1e-4): the same value, and exactly
        # zero for silence on every CPU (the difference form left one float32 ulp on some kernels).
        energy = lp @ self.chroma_map
        chroma = energy / (torch.sqrt(energy + 1e-8) + 1e-4)
        chroma = chroma / (chroma.sum(-1, keepdim=True) + 1e-3)
        sx = short_frames @ self.short_dft
        sp = sx[..., : self.n_short] ** 2 + sx[..., self.n_short:] ** 2
        bands = torch.log1p(sp @ self.band_map) / 4.0
        loud = torch.log1p(sp.sum(-1, keepdim=True)) / 4.0
        return chroma, bands, loud

    # -- streaming (exported) -----------------------------------------------------------------------
    def forward(self, audio: torch.Tensor, history, chroma_ema, band_prev, loud_ema):
        """audio [B, 960·n] -> features [B, n, 4·HOP_FEATURES] and the next state."""
        x = torch.cat([history, audio], dim=1)
        hops = audio.shape[1] // HOP
        longs = torch.stack([x[:, j * HOP: j * HOP + LONG] for j in range(hops)], dim=1)
        shorts = torch.stack([x[:, j * HOP + LONG - SHORT: j * HOP + LONG] for j in range(hops)], dim=1)
        chroma, bands, loud = self._spectra(longs, shorts)
        coef = self.chroma_coef
        rows = []
        for j in range(hops):
            chroma_ema = coef * chroma_ema + (1 - coef) * chroma[:, j: j + 1, :]
            flux = torch.relu(bands[:, j] - band_prev)
            band_prev = bands[:, j]
            loud_ema = self.loud_coef * loud_ema + (1 - self.loud_coef) * loud[:, j]
            rows.append(torch.cat([chroma[:, j], chroma_ema.flatten(1), flux, bands[:, j], loud[:, j],
                                   loud[:, j] - loud_ema], dim=-1))
        feats = torch.stack(rows, dim=1).reshape(audio.shape[0], hops // 4, 4 * HOP_FEATURES)
        return feats, x[:, x.shape[1] - HISTORY:], chroma_ema, band_prev, loud_ema

    # -- parallel (training) --------------------------------------------------------------------------
    @torch.no_grad()
    def song_features(self, audio: np.ndarray) -> np.ndarray:
        """Mono float audio at 24 kHz -> [len // HOP, HOP_FEATURES] float32 (hop m ends at sample 240·(m+1))."""
        from scipy.signal import lfilter

        n_hops = len(audio) // HOP
        x = torch.from_numpy(np.concatenate([np.zeros(HISTORY, np.float32), audio[: n_hops * HOP].astype(np.float32)]))
        longs = x.unfold(0, LONG, HOP)[:n_hops]
        shorts = x[LONG - SHORT:].unfold(0, SHORT, HOP)[:n_hops]
        chroma, bands, loud = (t.numpy().astype(np.float64) for t in self._spectra(longs, shorts))
        emas = [lfilter([1 - _ema_coef(t)], [1, -_ema_coef(t)], chroma, axis=0) for t in CHROMA_TAUS_S]
        flux = np.maximum(np.diff(bands, axis=0, prepend=0.0), 0.0)
        a = self.loud_coef
        loud_ema = lfilter([1 - a], [1, -a], loud, axis=0)
        return np.concatenate([chroma, *emas, flux, bands, loud, loud - loud_ema], axis=1).astype(np.float32)


def frames_from_hops(hops: np.ndarray, delay_hops: int, n_frames: int, start_frame: int = 0) -> np.ndarray:
    """The features the streaming graph gives output frames [start, start+n) when the engine delays
    the mix by `delay_hops` hops: frame i gets hops 4i − d … 4i − d + 3 (zeros before the song)."""
    first = 4 * start_frame - delay_hops
    idx = first + np.arange(4 * n_frames)
    out = np.zeros((4 * n_frames, hops.shape[1]), np.float32)
    ok = (idx >= 0) & (idx < len(hops))
    out[ok] = hops[idx[ok]]
    return out.reshape(n_frames, 4 * hops.shape[1])
