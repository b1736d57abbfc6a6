"""Listening evaluation of the structured accompanist on held-out songs, beside the bars it must clear.

For each held-out song and instrument (drums, bass, keys) the part is played against the mix of
the *other* stems, as the engine would play it live: mix features delayed by k − t_f, the beat grid
when the metronome runs, the engine's seeded noise, the decoder's note events, and a SoundFont render
of them. Rows: the learned player (metronome on, and listening only), a hand-written follower (a
fixed groove on the metronome's beats, the root / chord it hears), the random-pairing floor (another
song's real part) and the real part. Every row is scored by the same `score_part`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import mido
import numpy as np
import torch

from ..data.control_decoder import NoteEvent, Thresholds, decode
from ..data.control_frames import CONTROL_SIZE, FRAME_S, INSTRUMENTS, LAYOUT
from ..data.control_pairs import conditioning, delay_hops, song_frames
from ..data.render import render_midi
from ..export.control_package import SYNTH_PROGRAMS
from ..export.engine_noise import engine_noise
from ..features.beat_tracker import onset_strength, tracked_grid
from ..features.mix_features import SAMPLE_RATE, frames_from_hops
from .music_metrics import score_part

SPF = int(FRAME_S * SAMPLE_RATE)
PITCHED = ("bass", "keys", "lead", "guitar", "pad", "chords")


GRIDS = ("metronome", "tracker", "none")


def learned_controls(gen, song: dict, inst: str, tf_s: float, seed: int, grid: str) -> tuple[np.ndarray, np.ndarray]:
    """The part as the engine plays it, and the cond rows it was given (the decoder places moved
    notes on their grid); `grid`: the metronome's, the beat tracker's (the engine's choice without a
    metronome), or none at all (the generator finding the beat alone)."""
    assert grid in GRIDS
    n = song_frames(song)
    hops = song[f"hops_{inst}"].astype(np.float32)
    feats = frames_from_hops(hops, delay_hops(tf_s), n)
    cond = conditioning(tf_s, song["beat_times"], song["beats_per_bar"], n, grid == "metronome")
    if grid == "tracker":
        cond[:, 1:] = tracked_grid(onset_strength(hops), delay_hops(tf_s), n)
    noise = engine_noise(seed, n, gen.noise_size).reshape(1, n, gen.noise_size)
    with torch.no_grad():
        y, _ = gen(torch.from_numpy(feats)[None], torch.from_numpy(cond)[None], torch.from_numpy(noise).float(),
                   torch.tensor([INSTRUMENTS.index(inst)]), gen.initial_state(1))
    return y[0].numpy(), cond


def follower_controls(song: dict, inst: str, tf_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The bar a learned player must clear: on the metronome's beats, what it hears (1 s chroma)."""
    n = song_frames(song)
    cond = conditioning(tf_s, song["beat_times"], song["beats_per_bar"], n, True)
    feats = frames_from_hops(song[f"hops_{inst}"].astype(np.float32), delay_hops(tf_s), n)
    chroma_1s = feats[:, 3 * 66 + 24: 3 * 66 + 36]  # last hop of the frame, the 1 s chroma average
    phase, rate, bar = cond[:, 2], cond[:, 5] / 10, cond[:, 6]
    bpb = int(song["beats_per_bar"])
    y = np.full((n, CONTROL_SIZE), -10.0, np.float32)

    def put(name, i, value, lane=0):
        y[i, LAYOUT[name][0] + lane] = value

    for i in range(n):
        for sub in (0.0, 0.5):  # the eighths that start in this frame
            to_next = (sub - phase[i]) % 1.0
            if rate[i] <= 0 or to_next >= rate[i]:
                continue
            off = to_next / rate[i]
            beat_in_bar = int(round((bar[i] * bpb + to_next) % bpb - sub)) % bpb
            if inst == "drums":
                lanes = [3] + ([] if sub else [0] if beat_in_bar % 2 == 0 else [1])
                for lane in lanes:
                    put("drums_onset", i, 10.0, lane), put("drums_offset", i, off, lane), put("drums_velocity", i, 0.7, lane)
            elif sub == 0.0:
                put(f"{inst}_onset", i, 10.0), put(f"{inst}_offset", i, off), put(f"{inst}_velocity", i, 0.7)
        if inst != "drums":
            put(f"{inst}_held", i, 10.0)
            top = np.argsort(-chroma_1s[i], kind="stable")
            if inst == "bass":
                put("bass_pitch", i, 10.0, (int(top[0]) - 4) % 12)
            else:
                for pc in top[:3]:
                    put("keys_pc", i, 10.0, int(pc))
    return y, cond


def events_to_audio(events: list[NoteEvent], inst: str, n_samples: int, soundfont: str) -> np.ndarray:
    prog = SYNTH_PROGRAMS[inst]
    mid = mido.MidiFile(type=0, ticks_per_beat=960)
    tr = mido.MidiTrack()
    mid.tracks.append(tr)
    tr.append(mido.MetaMessage("set_tempo", tempo=500000, time=0))
    ch = prog["channel"]
    if ch != 9:
        tr.append(mido.Message("program_change", channel=ch, program=prog["program"], time=0))
    now = 0
    # Notes still sounding at the end are released there: a sustained preset (an organ) never
    # fades by itself, and fluidsynth renders until every voice is silent.
    on: set[int] = set()
    for e in sorted(events, key=lambda e: (e.sample, e.on)):
        (on.add if e.on else on.discard)(e.key)
    events = list(events) + [NoteEvent(n_samples, False, k, 0) for k in sorted(on)]
    for e in sorted(events, key=lambda e: (e.sample, e.on)):
        tick = int(round(e.sample / SAMPLE_RATE * 1920))
        kind = "note_on" if e.on else "note_off"
        tr.append(mido.Message(kind, channel=ch, note=e.key, velocity=e.velocity if e.on else 0, time=tick - now))
        now = tick
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "part.mid"
        mid.save(path)
        audio = render_midi(path, SAMPLE_RATE, soundfont) if events else np.zeros(n_samples, np.float32)
    return np.pad(audio, (0, max(0, n_samples - len(audio))))[:n_samples]


def band_notes(song: dict, inst: str, all_notes: dict[str, np.ndarray]) -> np.ndarray:
    rows = [v for k, v in all_notes.items() if k != inst and k in PITCHED]
    return np.concatenate(rows) if rows else np.zeros((0, 4))


def onsets_of(events: list[NoteEvent]) -> np.ndarray:
    return np.array(sorted({e.sample for e in events if e.on}), np.float64) / SAMPLE_RATE


def play(part: tuple[np.ndarray, np.ndarray], inst: str, thresholds: Thresholds, n_samples: int, soundfont: str):
    """`part`: control frames and their cond rows."""
    controls, cond = part
    events = decode(controls, inst, SPF, thresholds, cond)
    return events_to_audio(events, inst, n_samples, soundfont), onsets_of(events)


def summarise(rows: dict[str, list[dict]]) -> dict[str, dict[str, tuple[float, float, int]]]:
    """Per row and metric: mean ± standard error over songs (NaNs skipped)."""
    out = {}
    for name, per_song in rows.items():
        out[name] = {}
        for metric in per_song[0]:
            v = np.array([r[metric] for r in per_song], np.float64)
            v = v[~np.isnan(v)]
            se = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else float("nan")
            out[name][metric] = (float(v.mean()) if len(v) else float("nan"), se, int(len(v)))
    return out


def mean_over_seeds(scores: list[dict]) -> dict:
    return {k: float(np.nanmean([s[k] for s in scores])) if not all(np.isnan(s[k]) for s in scores) else float("nan")
            for k in scores[0]}
