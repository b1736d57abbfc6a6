"""Writing a song by hand: note names, chord names, lines of `pitch/beats` tokens, drum bars.

Only the timing of a sketch is played through the humanizer the generated songs use (a little
drift, loose parts), with the sketch's fixed seed, so a written song sounds played, not quantised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .grooves import DRUM_NOTES
from .humanize import Feel, Performance, tempo_map
from .song import ChordSpan, Song, Stem

_LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_QUALITY = {"": (0, 4, 7), "m": (0, 3, 7), "7": (0, 4, 7, 10), "m7": (0, 3, 7, 10), "maj7": (0, 4, 7, 11),
            "6": (0, 4, 7, 9), "m7b5": (0, 3, 6, 10)}


def pitch(name: str) -> int:
    """MIDI number of a note name: C4 = 60, F#3, Bb5."""
    m = re.fullmatch(r"([A-G])([#b]?)(-?\d)", name)
    if m is None:
        raise ValueError(f"cannot read note {name!r}: write e.g. C4, F#3, Bb5")
    letter, acc, octave = m.groups()
    return 12 * (int(octave) + 1) + _LETTER[letter] + {"#": 1, "b": -1, "": 0}[acc]


def chord_tones(name: str) -> tuple[int, tuple[int, ...]]:
    """Root pitch class and pitch classes of a chord name: Ebm7, Cbmaj7, D, E7, Bm7b5."""
    m = re.fullmatch(r"([A-G])([#b]?)(.*)", name)
    if m is None or m.group(3) not in _QUALITY:
        raise ValueError(f"cannot read chord {name!r}: qualities are {sorted(_QUALITY)}")
    root = (_LETTER[m.group(1)] + {"#": 1, "b": -1, "": 0}[m.group(2)]) % 12
    return root, tuple(sorted({(root + i) % 12 for i in _QUALITY[m.group(3)]}))


def voicing(name: str, lowest: int = 55) -> list[int]:
    """The chord's tones stacked upwards from the first at or above `lowest`."""
    root, pcs = chord_tones(name)
    ordered = sorted(pcs, key=lambda pc: (pc - root) % 12)
    out = []
    for pc in ordered:
        p = lowest + (pc - lowest) % 12
        while out and p <= out[-1]:
            p += 12
        out.append(p)
    return out


@dataclass
class Sketch:
    """A song as it is written: per part (beat, beats, pitch, velocity), chords by beat."""
    style: str
    seed: int
    tempo: float
    beats_per_bar: int
    beat_unit: int
    key: int
    mode: str
    groove: str
    swing: float
    programs: dict[str, int]
    sections: list[tuple[str, int]] = field(default_factory=list)
    parts: dict[str, list] = field(default_factory=lambda: {"drums": [], "bass": [], "keys": [], "lead": []})
    chords: list[tuple[float, str]] = field(default_factory=list)  # (beat, name), each until the next

    def line(self, part: str, beat: float, text: str, velocity: int = 90) -> float:
        """Writes `pitch/beats` tokens one after another (`r/beats` rests); returns the end beat."""
        for token in text.split():
            name, beats = token.split("/")
            if name != "r":
                self.parts[part].append((beat, float(beats) * 0.95, pitch(name), velocity))
            beat += float(beats)
        return beat

    def drums(self, bar: int, cells_per_beat: int, voices: dict[str, str]) -> None:
        """One bar of drums, a character per cell: X accent, x normal, o ghost."""
        for voice, text in voices.items():
            for i, c in enumerate(text.replace(" ", "")):
                if c in "Xxo":
                    vel = {"X": 110, "x": 90, "o": 55}[c]
                    beat = bar * self.beats_per_bar + i / cells_per_beat
                    self.parts["drums"].append((beat, 0.25, DRUM_NOTES[voice], vel))

    def tune(self, part: str, beat: float, phrases: list[str], velocity: int = 90) -> float:
        """Phrases (one `line` each, usually a bar) one after another; returns the end beat."""
        for phrase in phrases:
            beat = self.line(part, beat, phrase, velocity)
        return beat

    def ending(self, bar: int, name: str, keys_lowest: int, bass: str) -> None:
        """The last bar: the band hits the chord together with a crash and holds it to the end."""
        bpb = self.beats_per_bar
        self.chord(bar, 0, name)
        self.parts["drums"] += [(bar * bpb, 1.0, DRUM_NOTES["crash"], 100), (bar * bpb, 0.5, DRUM_NOTES["kick"], 100)]
        self.hit("keys", bar * bpb, bpb, voicing(name, keys_lowest), 78)
        self.line("bass", bar * bpb, f"{bass}/{bpb}", 90)

    def hit(self, part: str, beat: float, beats: float, pitches: list[int], velocity: int = 80) -> None:
        self.parts[part] += [(beat, beats, p, velocity) for p in pitches]

    def chord(self, bar: int, beat: float, name: str) -> None:
        self.chords.append((bar * self.beats_per_bar + beat, name))

    def song(self) -> Song:
        bars = sum(n for _, n in self.sections)
        n_beats = bars * self.beats_per_bar
        rng = np.random.default_rng(self.seed)
        feel = Feel(swing=self.swing, drift=0.012, looseness=0.6)
        beat_times, end_s = tempo_map(rng, n_beats, self.tempo, self.beats_per_bar, feel)
        perf = Performance(beat_times, end_s, feel, rng)
        stems = [Stem(role, self.programs[role], role == "drums", perf.play(role, events, 3.0))
                 for role, events in self.parts.items()]
        starts = [b for b, _ in self.chords]
        times = perf.seconds(starts + [float(n_beats)])
        spans = [ChordSpan(float(times[i]), float(times[i + 1]), *chord_tones(name))
                 for i, (_, name) in enumerate(self.chords)]
        return Song(self.seed, self.tempo, self.key, self.mode, self.style, self.groove, self.beats_per_bar,
                    list(self.sections), stems, beat_times, spans, end_s, self.beat_unit, self.swing)
