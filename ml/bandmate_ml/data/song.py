"""A multitrack song as the renderer and the training targets see it: notes in seconds, per stem.

Generated (`songgen.py`) and hand-written (`handwritten.py`) songs share these types, so one
renderer and one set of checks serve both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mido
import numpy as np

from ..instruments import class_of_program

DRUM_CHANNEL = 9
# MIDI files carry a fixed 120 BPM so that ticks are plain seconds (tick = s * 1920): the song's own
# tempo drift, swing and humanisation are already in the note times and must reach FluidSynth as-is.
MIDI_TICKS_PER_BEAT = 960
MIDI_TICKS_PER_SECOND = 2 * MIDI_TICKS_PER_BEAT
ROLES = ("drums", "bass", "keys", "lead", "guitar", "pad")


@dataclass(slots=True)
class Note:
    start_s: float
    end_s: float
    pitch: int
    velocity: int


@dataclass
class Stem:
    name: str  # the role: one of ROLES
    program: int  # GM program; for drums the kit (GS drum-kit program on channel 10)
    is_drum: bool
    notes: list[Note] = field(default_factory=list)

    @property
    def instrument_class(self) -> str:
        return class_of_program(self.program, self.is_drum)


@dataclass(frozen=True)
class ChordSpan:
    start_s: float
    end_s: float
    root_pc: int
    pitch_classes: tuple[int, ...]


@dataclass
class Song:
    seed: int
    tempo: float  # nominal BPM of the beat unit; the played tempo drifts around it (beat_times)
    key: int  # pitch class of the opening key
    mode: str
    style: str
    groove: str
    beats_per_bar: int
    sections: list[tuple[str, int]]  # (name, bars)
    stems: list[Stem]
    beat_times: np.ndarray  # onset in seconds of every beat of every bar
    chords: list[ChordSpan]
    duration_s: float
    beat_unit: int = 4  # the time signature's denominator (8 for 6/8, 7/8)
    swing: float = 0.5  # where the off-beat eighth falls, as a fraction of the beat

    @property
    def bars(self) -> int:
        return sum(b for _, b in self.sections)

    @property
    def downbeat_times(self) -> np.ndarray:
        return self.beat_times[:: self.beats_per_bar]

    def stem(self, name: str) -> Stem:
        for s in self.stems:
            if s.name == name:
                return s
        raise KeyError(f"song {self.seed} has no stem {name!r}; it has {[s.name for s in self.stems]}")

    def chord_at(self, t: float) -> ChordSpan | None:
        for c in self.chords:
            if c.start_s <= t < c.end_s:
                return c
        return None

    def describe(self) -> dict:
        return {
            "seed": self.seed,
            "tempo": round(float(self.tempo), 2),
            "key": int(self.key),
            "mode": self.mode,
            "style": self.style,
            "groove": self.groove,
            "beats_per_bar": self.beats_per_bar,
            "beat_unit": self.beat_unit,
            "swing": round(float(self.swing), 3),
            "duration_s": round(float(self.duration_s), 3),
            "sections": [[n, b] for n, b in self.sections],
            "programs": {s.name: s.program for s in self.stems},
        }


def stem_to_midi(song: Song, stem: Stem) -> mido.MidiFile:
    """One stem as a type-0 MIDI file whose ticks are exact seconds (see MIDI_TICKS_PER_SECOND)."""
    mid = mido.MidiFile(type=0, ticks_per_beat=MIDI_TICKS_PER_BEAT)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    channel = DRUM_CHANNEL if stem.is_drum else 0
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(120), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=song.beats_per_bar, denominator=song.beat_unit, time=0))
    track.append(mido.Message("control_change", channel=channel, control=7, value=100, time=0))
    track.append(mido.Message("program_change", channel=channel, program=stem.program, time=0))
    events = []
    for n in stem.notes:
        on = int(round(n.start_s * MIDI_TICKS_PER_SECOND))
        off = max(on + 1, int(round(n.end_s * MIDI_TICKS_PER_SECOND)))
        events.append((on, 1, n.pitch, n.velocity))
        events.append((off, 0, n.pitch, 0))
    events.sort(key=lambda e: (e[0], e[1]))  # note-offs before note-ons at the same tick
    now = 0
    for tick, is_on, pitch, vel in events:
        kind = "note_on" if is_on else "note_off"
        track.append(mido.Message(kind, channel=channel, note=pitch, velocity=vel, time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=MIDI_TICKS_PER_BEAT))
    return mid
