"""Training and evaluation songs for the structured accompanist.

One song becomes one `.npz`: for each instrument it can play (drums, bass, keys), the 10 ms mix
features of the *other* stems (`hops_<inst>`, float16) and that stem's exact notes
(`notes_<inst>`: start_s, end_s, pitch, velocity); the beat grid; and, for held-out songs, the
audio itself (the part and the mix it must follow) for the listening evaluation. The mix level is
drawn per song and instrument (−32 … −14 dBFS RMS), as rooms differ.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import numpy as np

from ..features.mix_features import SAMPLE_RATE, MixFeatureExtractor
from .control_frames import INSTRUMENTS
from .render import DEFAULT_SOUNDFONT, render_midi
from .songgen import Song, stem_to_midi

ROLE_ALIASES = {"chords": "keys"}


def role_of(stem_name: str) -> str:
    return ROLE_ALIASES.get(stem_name, stem_name)


def note_array(song: Song, stem) -> np.ndarray:
    """[N, 4] start_s, end_s, pitch, velocity."""
    rows = [(n.start_s, n.end_s, n.pitch, n.velocity) for n in stem.notes]
    return np.asarray(rows, np.float64).reshape(-1, 4)


def stem_soundfont(song: Song, stem_name: str, soundfonts: list[str]) -> str:
    """Each stem's SoundFont, drawn from `soundfonts` by the song's seed and the stem alone."""
    return soundfonts[0] if len(soundfonts) == 1 else random.Random(f"soundfont-{song.seed}-{stem_name}").choice(soundfonts)


def render_stems(song: Song, soundfonts: list[str] | None = None) -> dict[str, np.ndarray]:
    """Every stem at the model rate; with several SoundFonts each stem is rendered with one of them,
    so the model hears a kit, a bass and keys that need not come from one font."""
    fonts = soundfonts or [DEFAULT_SOUNDFONT]
    n = int(round(song.duration_s * SAMPLE_RATE))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, stem in enumerate(song.stems):
            path = Path(tmp) / f"S{i:02d}.mid"
            stem_to_midi(song, stem).save(path)
            audio = render_midi(path, SAMPLE_RATE, stem_soundfont(song, stem.name, fonts))
            out[stem.name] = np.pad(audio, (0, max(0, n - len(audio))))[:n].astype(np.float32)
    return out


def at_level(audio: np.ndarray, dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    return audio * (10 ** (dbfs / 20) / rms) if rms > 1e-6 else audio


def build_song(song: Song, out_path: Path, extractor: MixFeatureExtractor, keep_audio: bool,
               soundfonts: list[str] | None = None) -> None:
    rng = np.random.default_rng(song.seed + 7_000_000)
    stems = render_stems(song, soundfonts)
    arrays: dict[str, np.ndarray] = {
        "beat_times": np.asarray(song.beat_times, np.float64),
        "beats_per_bar": np.int64(song.beats_per_bar),
        "duration_s": np.float64(song.duration_s),
        "seed": np.int64(song.seed),
    }
    for inst in INSTRUMENTS:
        target = [s for s in song.stems if role_of(s.name) == inst]
        if not target:
            continue
        others = [stems[s.name] for s in song.stems if role_of(s.name) != inst]
        mix = at_level(np.sum(others, axis=0), float(rng.uniform(-32, -14)))
        arrays[f"hops_{inst}"] = extractor.song_features(mix).astype(np.float16)
        arrays[f"notes_{inst}"] = note_array(song, target[0])
        arrays[f"program_{inst}"] = np.int64(target[0].program)
        if keep_audio:
            arrays[f"mix_{inst}"] = np.clip(mix * 32767, -32768, 32767).astype(np.int16)
            arrays[f"part_{inst}"] = np.clip(stems[target[0].name] * 32767, -32768, 32767).astype(np.int16)
    if keep_audio:  # every part's notes: the harmony the evaluation checks a part against
        for stem in song.stems:
            arrays[f"score_{stem.name}"] = note_array(song, stem)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.rename(out_path)


def load_song(path: Path) -> dict:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


class SongFolders:
    """The songs under some folders, loaded once each; `refresh` picks up songs written since (a
    training run can start while the data are still being rendered)."""

    def __init__(self, folders: list[Path]):
        self.folders, self.songs, self._seen = folders, [], set()
        self.refresh()

    def refresh(self) -> list[dict]:
        for p in sorted(p for f in self.folders for p in f.glob("song*.npz") if not p.name.endswith(".tmp.npz")):
            if p not in self._seen:
                self._seen.add(p)
                self.songs.append(load_song(p))
        return self.songs
