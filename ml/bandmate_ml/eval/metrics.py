"""Accompaniment metrics on audio: beat alignment, harmonic fit, spectral distance, codec quality.

Names say what is computed. None of these is FAD or COCOLA (no pretrained embedding models are
available offline); they are cheap, transparent proxies for the same questions.
"""

from __future__ import annotations

import librosa
import numpy as np


def beats(audio: np.ndarray, sr: int) -> np.ndarray:
    if np.sqrt(np.mean(audio ** 2)) < 1e-4:
        return np.zeros(0)
    _, t = librosa.beat.beat_track(y=audio, sr=sr, units="time")
    return np.asarray(t, dtype=np.float64)


def beat_f_measure(reference: np.ndarray, estimate: np.ndarray, window: float = 0.07) -> float:
    """F-measure of estimated vs reference beat times, ±70 ms, as mir_eval.beat.f_measure computes it
    (beats in the first 5 s are ignored, as mir_eval's trim_beats does)."""
    try:
        import mir_eval

        ref, est = mir_eval.beat.trim_beats(reference), mir_eval.beat.trim_beats(estimate)
        return float(mir_eval.beat.f_measure(ref, est, f_measure_threshold=window))
    except ImportError:  # same computation: greedy-free maximum matching within the window
        ref, est = reference[reference >= 5.0], estimate[estimate >= 5.0]
        if len(ref) == 0 or len(est) == 0:
            return 0.0
        used, hits = set(), 0
        for r in ref:
            cands = [i for i, e in enumerate(est) if abs(e - r) <= window and i not in used]
            if cands:
                used.add(min(cands, key=lambda i: abs(est[i] - r)))
                hits += 1
        p, rc = hits / len(est), hits / len(ref)
        return 0.0 if p + rc == 0 else 2 * p * rc / (p + rc)


def chroma(audio: np.ndarray, sr: int) -> np.ndarray:
    return librosa.feature.chroma_stft(y=audio, sr=sr, n_fft=4096, hop_length=2048)


def chroma_agreement(stem: np.ndarray, mix: np.ndarray, sr: int) -> float:
    """Mean per-frame Pearson correlation of 12-bin chroma between stem and mix, over frames where the
    stem sounds. Centred, so a flat (noise-like) chroma scores ~0 instead of the ~0.6 a plain cosine
    gives any flat vector."""
    a, b = chroma(stem, sr), chroma(mix, sr)
    n = min(a.shape[1], b.shape[1])
    a, b = a[:, :n], b[:, :n]
    rms = librosa.feature.rms(y=stem, frame_length=4096, hop_length=2048)[0][:n]
    active = rms > 10 ** (-50 / 20)
    if active.sum() == 0:
        return 0.0
    a = a - a.mean(0, keepdims=True)
    b = b - b.mean(0, keepdims=True)
    cos = (a * b).sum(0) / (np.linalg.norm(a, axis=0) * np.linalg.norm(b, axis=0) + 1e-9)
    return float(cos[active].mean())


def log_mel(audio: np.ndarray, sr: int) -> np.ndarray:
    m = librosa.feature.melspectrogram(y=audio, sr=sr, n_fft=1024, hop_length=240, n_mels=64)
    return np.log10(m + 1e-5)


def mel_l1(a: np.ndarray, b: np.ndarray, sr: int) -> float:
    """Mean absolute difference of log10 mel spectrograms (64 bands)."""
    x, y = log_mel(a, sr), log_mel(b, sr)
    n = min(x.shape[1], y.shape[1])
    return float(np.abs(x[:, :n] - y[:, :n]).mean())


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    n = min(len(reference), len(estimate))
    r, e = reference[:n].astype(np.float64), estimate[:n].astype(np.float64)
    alpha = np.dot(e, r) / (np.dot(r, r) + 1e-12)
    target = alpha * r
    return float(10 * np.log10((target ** 2).sum() / (((e - target) ** 2).sum() + 1e-12) + 1e-12))


def log_spectral_distance(reference: np.ndarray, estimate: np.ndarray, n_fft: int = 1024) -> float:
    """LSD in dB: RMS over frequency of the log-power difference, averaged over frames."""
    n = min(len(reference), len(estimate))
    R = np.abs(librosa.stft(reference[:n], n_fft=n_fft, hop_length=n_fft // 4)) ** 2
    E = np.abs(librosa.stft(estimate[:n], n_fft=n_fft, hop_length=n_fft // 4)) ** 2
    d = 10 * np.log10(R + 1e-10) - 10 * np.log10(E + 1e-10)
    return float(np.sqrt((d ** 2).mean(axis=0)).mean())
