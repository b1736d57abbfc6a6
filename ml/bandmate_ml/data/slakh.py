"""Loader for multitrack data in the Slakh2100 layout.

    TrackXXXXX/metadata.yaml   stems: {S00: {inst_class, program_num, is_drum, audio_rendered}, ...}
    TrackXXXXX/stems/S00.flac  (or .wav), one file per rendered stem
    TrackXXXXX/mix.flac        (optional; we rebuild mixes from stems)

Real Slakh2100 (44.1 kHz, or the 16 kHz "redux" release) and our generated songs share it, so
`--data-root /path/to/slakh2100/train` trains on the real dataset with no other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
import yaml
from scipy.signal import resample_poly

from ..instruments import INSTRUMENT_INDEX, SLAKH_CLASS_TO_CLASS, class_of_program

AUDIO_EXTS = (".flac", ".wav")


class DatasetLayoutError(RuntimeError):
    pass


@dataclass
class StemAudio:
    stem_id: str
    instrument: str  # one of instruments.INSTRUMENTS
    audio: np.ndarray  # float32 mono at the requested rate

    @property
    def instrument_index(self) -> int:
        return INSTRUMENT_INDEX[self.instrument]


@dataclass
class Track:
    name: str
    stems: list[StemAudio]
    sample_rate: int


def list_tracks(root: str | Path) -> list[Path]:
    root = Path(root)
    if not root.is_dir():
        raise DatasetLayoutError(f"{root} is not a directory (expected Track*/metadata.yaml under it)")
    tracks = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("Track") and (p / "metadata.yaml").exists())
    if not tracks:
        raise DatasetLayoutError(f"no Track*/metadata.yaml under {root}")
    return tracks


def _instrument(meta: dict) -> str:
    if meta.get("is_drum"):
        return "drums"
    cls = meta.get("inst_class")
    if cls in SLAKH_CLASS_TO_CLASS:
        return SLAKH_CLASS_TO_CLASS[cls]
    if cls in INSTRUMENT_INDEX:
        return cls
    if meta.get("program_num") is not None:
        return class_of_program(int(meta["program_num"]))
    raise DatasetLayoutError(f"stem has neither a known inst_class nor program_num: {meta}")


def read_audio(path: Path, sample_rate: int) -> np.ndarray:
    audio, sr = sf.read(path, dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if sr != sample_rate:
        g = gcd(sr, sample_rate)
        audio = resample_poly(audio, sample_rate // g, sr // g).astype(np.float32)
    return audio


def load_track(track_dir: str | Path, sample_rate: int) -> Track:
    track_dir = Path(track_dir)
    meta = yaml.safe_load((track_dir / "metadata.yaml").read_text()) or {}
    stems_meta = meta.get("stems") or {}
    stems = []
    for sid in sorted(stems_meta):
        sm = stems_meta[sid] or {}
        if sm.get("audio_rendered") is False:
            continue
        files = [track_dir / "stems" / f"{sid}{ext}" for ext in AUDIO_EXTS]
        path = next((f for f in files if f.exists()), None)
        if path is None:
            continue  # Slakh lists some stems that were never rendered
        stems.append(StemAudio(sid, _instrument(sm), read_audio(path, sample_rate)))
    if not stems:
        raise DatasetLayoutError(f"{track_dir}: no rendered stems found under stems/")
    n = max(len(s.audio) for s in stems)
    for s in stems:
        s.audio = np.pad(s.audio, (0, n - len(s.audio)))
    return Track(track_dir.name, stems, sample_rate)
