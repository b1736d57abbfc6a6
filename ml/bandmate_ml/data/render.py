"""MIDI stems -> mono audio at the model rate with FluidSynth and General MIDI soundfonts.

A rendered song is written in the Slakh2100 layout (`TrackXXXXX/metadata.yaml`, `MIDI/Sxx.mid`,
`stems/Sxx.flac`, `mix.flac`) so that one loader (`slakh.py`) serves generated and real data.
Rendering with several soundfonts (one drawn per song) keeps the model from learning one
font's timbres as the only sound of an instrument.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import yaml

from .songgen import Song, generate_song, stem_to_midi

DEFAULT_SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
# Free General MIDI fonts packaged in Debian main (`apt-get install <package>`), for `soundfonts=`.
FREE_GM_SOUNDFONTS = {
    "fluid-soundfont-gm": DEFAULT_SOUNDFONT,  # MIT
    "timgm6mb-soundfont": "/usr/share/sounds/sf2/TimGM6mb.sf2",  # GPL-2
    "musescore-general-soundfont-small": "/usr/share/sounds/sf3/MuseScore_General.sf3",  # MIT
    "fluidr3mono-gm-soundfont": "/usr/share/sounds/sf3/FluidR3Mono_GM.sf3",  # MIT
}


def installed_soundfonts() -> list[str]:
    """The free GM fonts of FREE_GM_SOUNDFONTS present on this machine."""
    return [path for path in FREE_GM_SOUNDFONTS.values() if Path(path).exists()]


def soundfont_for(seed: int, soundfonts: list[str]) -> str:
    """One font per song, a function of its seed alone (its own stream, not the song's)."""
    return soundfonts[random.Random(f"soundfont-{seed}").randrange(len(soundfonts))]


RENDER_TIMEOUT_S = 300


class RenderError(RuntimeError):
    pass


def check_fluidsynth(soundfont: str = DEFAULT_SOUNDFONT) -> None:
    if shutil.which("fluidsynth") is None:
        raise RenderError("fluidsynth not found: install it with `apt-get install fluidsynth fluid-soundfont-gm`")
    if not Path(soundfont).exists():
        raise RenderError(f"soundfont {soundfont} not found: `apt-get install fluid-soundfont-gm` or pass --soundfont")


def render_midi(midi_path: Path, sample_rate: int, soundfont: str = DEFAULT_SOUNDFONT, gain: float = 0.5) -> np.ndarray:
    """Renders one MIDI file to mono float32 audio (reverb and chorus off: dry stems)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.wav"
        cmd = [
            "fluidsynth", "-ni", "-q", "-g", str(gain), "-r", str(sample_rate),
            "-o", "synth.reverb.active=0", "-o", "synth.chorus.active=0",
            "-o", "synth.cpu-cores=1", "-F", str(out), soundfont, str(midi_path),
        ]
        try:
            # fluidsynth has been seen rendering one short file without end (tens of GB): bounded.
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RENDER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RenderError(f"fluidsynth took over {RENDER_TIMEOUT_S} s on {midi_path}") from None
        if proc.returncode != 0 or not out.exists():
            raise RenderError(f"fluidsynth failed on {midi_path}: {proc.stderr.strip()[:500]}")
        audio, sr = sf.read(out, dtype="float32", always_2d=True)
    if sr != sample_rate:
        raise RenderError(f"fluidsynth wrote {sr} Hz, expected {sample_rate}")
    return audio.mean(axis=1)


def render_song(song: Song, track_dir: Path, sample_rate: int, soundfont: str = DEFAULT_SOUNDFONT) -> None:
    (track_dir / "MIDI").mkdir(parents=True, exist_ok=True)
    (track_dir / "stems").mkdir(parents=True, exist_ok=True)
    n = int(round(song.duration_s * sample_rate))
    stems_meta = {}
    mix = np.zeros(n, np.float32)
    for i, stem in enumerate(song.stems):
        sid = f"S{i:02d}"
        midi_path = track_dir / "MIDI" / f"{sid}.mid"
        stem_to_midi(song, stem).save(midi_path)
        audio = render_midi(midi_path, sample_rate, soundfont)
        audio = np.pad(audio, (0, max(0, n - len(audio))))[:n]  # cut the release tail at the song end
        sf.write(track_dir / "stems" / f"{sid}.flac", audio, sample_rate, subtype="PCM_16")
        mix += audio
        stems_meta[sid] = {
            "audio_rendered": True,
            "inst_class": stem.instrument_class,
            "is_drum": stem.is_drum,
            "program_num": stem.program,
            "midi_program_name": stem.name,
            "role": stem.name,
        }
    peak = float(np.abs(mix).max()) or 1.0
    sf.write(track_dir / "mix.flac", mix / max(peak, 1.0), sample_rate, subtype="PCM_16")
    meta = {"source": "bandmate-songgen", "sample_rate": sample_rate, "soundfont": Path(soundfont).name,
            "song": song.describe(), "stems": stems_meta}
    (track_dir / "metadata.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))


def render_dataset(out_dir: Path, seeds: list[int], sample_rate: int, min_s: float, max_s: float,
                   soundfont: str = DEFAULT_SOUNDFONT, log=print, soundfonts: list[str] | None = None) -> None:
    """Renders generate_song(seed) for every seed; with `soundfonts`, each song draws one of them."""
    fonts = list(soundfonts) if soundfonts else [soundfont]
    for font in fonts:
        check_fluidsynth(font)
    songs = (generate_song(seed, min_s, max_s) for seed in seeds)
    render_songs(out_dir, songs, sample_rate, fonts, log, total=len(seeds))


def render_songs(out_dir: Path, songs, sample_rate: int, soundfonts: list[str], log=print,
                 total: int | None = None) -> None:
    """Renders songs (generated or hand-written) as Track<seed> folders; finished tracks are kept."""
    for k, song in enumerate(songs):
        track_dir = out_dir / f"Track{song.seed:05d}"
        if (track_dir / "metadata.yaml").exists():
            continue  # resumable
        font = soundfont_for(song.seed, soundfonts)
        tmp_dir = out_dir / f".tmp_Track{song.seed:05d}"
        shutil.rmtree(tmp_dir, ignore_errors=True)
        render_song(song, tmp_dir, sample_rate, font)
        tmp_dir.rename(track_dir)
        log(f"[{k + 1}/{total or '?'}] {track_dir.name}: {song.style}/{song.groove} {song.tempo:.0f} BPM "
            f"{song.beats_per_bar}/{song.beat_unit} {song.duration_s:.1f}s {[s.program for s in song.stems]} "
            f"{Path(font).name}")
