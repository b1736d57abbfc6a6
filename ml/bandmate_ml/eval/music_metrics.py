"""What a listener checks in a part: is it on the beat, in the key, and as loud as the band.

`harmonic_fit`: the share of the part's chroma energy on the pitch classes the rest of the band is
sounding at that moment (from the score), over frames where the part sounds. `grid_deviation`:
how far note onsets sit from the nearest eighth of the beat grid. Beat F is `metrics.beat_f_measure`
of the beats tracked in the part against the score's beat grid.
"""

from __future__ import annotations

import librosa
import numpy as np

from .metrics import beat_f_measure, beats

CHROMA_HOP = 2048


def sounding_pitch_classes(notes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """notes [N, 4] (start_s, end_s, pitch, velocity) of the pitched band parts -> [len(times), 12] bool."""
    out = np.zeros((len(times), 12), bool)
    for start, end, pitch, _ in notes:
        out[(times >= start) & (times < end), int(pitch) % 12] = True
    return out


def harmonic_fit(part: np.ndarray, sr: int, band_notes: np.ndarray, skip_s: float = 2.0) -> float:
    c = librosa.feature.chroma_stft(y=part, sr=sr, n_fft=4096, hop_length=CHROMA_HOP)
    times = (np.arange(c.shape[1]) * CHROMA_HOP + 2048) / sr
    rms = librosa.feature.rms(y=part, frame_length=4096, hop_length=CHROMA_HOP)[0][: c.shape[1]]
    pcs = sounding_pitch_classes(band_notes, times)
    use = (rms > 10 ** (-50 / 20)) & pcs.any(1) & (times >= skip_s)
    if not use.any():
        return float("nan")
    return float((c * pcs.T)[:, use].sum() / (c[:, use].sum() + 1e-9))


def eighth_grid(beat_times: np.ndarray) -> np.ndarray:
    mids = (beat_times[:-1] + beat_times[1:]) / 2
    return np.sort(np.concatenate([beat_times, mids]))


def grid_deviation_ms(onsets_s: np.ndarray, beat_times: np.ndarray, skip_s: float = 2.0) -> float:
    onsets_s = onsets_s[onsets_s >= skip_s]
    if len(onsets_s) == 0:
        return float("nan")
    grid = eighth_grid(beat_times)
    idx = np.clip(np.searchsorted(grid, onsets_s), 1, len(grid) - 1)
    d = np.minimum(np.abs(onsets_s - grid[idx - 1]), np.abs(onsets_s - grid[idx]))
    return float(np.median(d) * 1000)


def level_dbfs(audio: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(audio.astype(np.float64) ** 2)) + 1e-9))


def score_part(part: np.ndarray, sr: int, beat_times: np.ndarray, band_notes: np.ndarray, onsets_s: np.ndarray | None) -> dict:
    return {
        "beat_f": beat_f_measure(beat_times, beats(part, sr)),
        "harmonic_fit": harmonic_fit(part, sr, band_notes),
        "grid_ms": grid_deviation_ms(onsets_s, beat_times) if onsets_s is not None else float("nan"),
        "level_db": level_dbfs(part),
    }
