"""Autoencoder reconstruction quality on held-out audio (streamed frame by frame, as deployed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..data.slakh import list_tracks, load_track
from .metrics import log_spectral_distance, mel_l1, si_sdr


@torch.no_grad()
def evaluate_codec(ae, tracks_dir: Path, sr: int, n_songs: int = 12, seconds: float = 10.0) -> dict:
    spf = ae.samples_per_frame
    rows = {"stems": [], "mixes": []}
    for tdir in list_tracks(tracks_dir)[:n_songs]:
        tr = load_track(tdir, sr)
        n = int(seconds * sr) // spf * spf
        start = min(int(5 * sr), max(0, len(tr.stems[0].audio) - n))
        clips = {"stems": [s.audio[start:start + n] for s in tr.stems],
                 "mixes": [sum(s.audio[start:start + n] for s in tr.stems)]}
        for kind, audios in clips.items():
            for a in audios:
                if np.sqrt(np.mean(a ** 2)) < 1e-3:
                    continue
                peak = np.abs(a).max()
                a = (a / peak * 0.95 if peak > 0.95 else a).astype(np.float32)
                rec = ae.decode(ae.encode(torch.from_numpy(a)[None]))[0].numpy()
                rows[kind].append({"si_sdr_db": si_sdr(a, rec), "lsd_db": log_spectral_distance(a, rec), "mel_l1": mel_l1(rec, a, sr)})
    return {k: {m: float(np.mean([r[m] for r in v])) for m in ("si_sdr_db", "lsd_db", "mel_l1")} | {"n": len(v)} for k, v in rows.items()}
