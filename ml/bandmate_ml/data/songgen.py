"""Procedural multitrack songs: drums, bass, chords and lead as separate MIDI stems.

Every song is a pure function of its seed (numpy's PCG64), so a dataset is reproducible from a
list of seeds. The music has the structure an accompanist needs to learn from: a tempo, a key and
mode, a chord progression per section (pop, blues, jazz ii-V-I, modal vamps), a groove that shapes
every part (straight, swing, shuffle, bossa, waltz), sections with drum fills and crashes at their
boundaries, and instrument programs drawn from General MIDI families.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mido
import numpy as np

from ..instruments import class_of_program

TICKS_PER_BEAT = 480
DRUM_CHANNEL = 9

MODES = {
    "major": [0, 2, 4, 5, 7, 9, 11],
    "minor": [0, 2, 3, 5, 7, 8, 10],
    "dorian": [0, 2, 3, 5, 7, 9, 10],
    "mixolydian": [0, 2, 4, 5, 7, 9, 10],
}

# Progressions as (scale degree 0-6, chord quality or None = diatonic) per bar.
PROGRESSIONS = {
    "pop": [[0, 4, 5, 3], [0, 5, 3, 4], [5, 3, 0, 4], [0, 3, 4, 3], [0, 3, 0, 4]],
    "blues": [[0, 0, 0, 0, 3, 3, 0, 0, 4, 3, 0, 4]],
    "jazz": [[1, 4, 0, 0], [1, 4, 0, 5], [0, 5, 1, 4]],
    "modal": [[0, 6, 0, 6], [0, 3, 0, 3], [0, 0, 6, 3]],
}
STYLE_MODES = {
    "pop": ["major", "minor"],
    "blues": ["mixolydian"],
    "jazz": ["major", "minor"],
    "modal": ["dorian", "mixolydian", "minor"],
}
GROOVES = ["straight", "swing", "shuffle", "bossa", "waltz"]

# GM program ranges per role (families), drawn uniformly.
ROLE_PROGRAMS = {
    "bass": list(range(32, 40)),
    "chords": list(range(0, 8)) + list(range(16, 24)) + list(range(24, 32)) + list(range(48, 52)) + list(range(88, 96)),
    "lead": list(range(56, 88)) + list(range(8, 16)) + [24, 25, 26, 27, 29, 30],
}

KICK, SNARE, SIDESTICK, CLOSED_HAT, OPEN_HAT, RIDE, CRASH = 36, 38, 37, 42, 46, 51, 49
TOMS = [50, 48, 47, 45, 43]


@dataclass
class Note:
    start: float  # beats
    duration: float  # beats
    pitch: int
    velocity: int


@dataclass
class Stem:
    name: str
    program: int
    is_drum: bool
    notes: list[Note] = field(default_factory=list)

    @property
    def instrument_class(self) -> str:
        return class_of_program(self.program, self.is_drum)


@dataclass
class Song:
    seed: int
    tempo: float
    key: int
    mode: str
    style: str
    groove: str
    beats_per_bar: int
    sections: list[tuple[str, int]]  # (name, bars)
    stems: list[Stem]

    @property
    def bars(self) -> int:
        return sum(b for _, b in self.sections)

    @property
    def duration_s(self) -> float:
        return self.bars * self.beats_per_bar * 60.0 / self.tempo

    def describe(self) -> dict:
        return {
            "seed": self.seed,
            "tempo": round(self.tempo, 2),
            "key": int(self.key),
            "mode": self.mode,
            "style": self.style,
            "groove": self.groove,
            "beats_per_bar": self.beats_per_bar,
            "sections": [[n, b] for n, b in self.sections],
        }


def _feel(groove: str, beat_pos: float) -> float:
    """Moves off-beat eighths later for swung grooves (beat_pos in beats)."""
    if groove not in ("swing", "shuffle"):
        return beat_pos
    whole, frac = divmod(beat_pos, 1.0)
    if abs(frac - 0.5) < 1e-6:
        return whole + (2.0 / 3.0 if groove == "shuffle" else 0.62)
    return beat_pos


def _chord_pitches(key: int, mode: str, degree: int, seventh: bool) -> list[int]:
    scale = MODES[mode]
    tones = [scale[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in (0, 2, 4, 6)]
    tones = tones if seventh else tones[:3]
    return [key + t for t in tones]


def _drums(rng, song_bars, beats, groove, section_starts, chorus_bars) -> list[Note]:
    notes: list[Note] = []
    hat = RIDE if groove in ("swing", "bossa") else CLOSED_HAT
    for bar in range(song_bars):
        b0 = bar * beats
        is_fill = (bar + 1) in section_starts
        loud = bar in chorus_bars
        vel = lambda base: int(np.clip(base + rng.integers(-8, 9) + (8 if loud else 0), 30, 127))
        if bar in section_starts:
            notes.append(Note(b0, 1.0, CRASH, vel(100)))
        # time-keeping cymbal
        steps = [i * 0.5 for i in range(beats * 2)]
        if groove == "shuffle":
            steps = [i + f for i in range(beats) for f in (0.0, 2.0 / 3.0)]
        for s in steps:
            if is_fill and s >= beats - 2:
                break
            pos = _feel(groove, s) if groove != "shuffle" else s
            notes.append(Note(b0 + pos, 0.25, hat, vel(70 if s % 1 == 0 else 55)))
        # kick / snare pattern
        if groove == "waltz":
            hits = [(0.0, KICK), (1.0, SNARE), (2.0, SNARE)]
        elif groove == "bossa":
            hits = [(0.0, KICK), (1.5, KICK), (2.0, KICK), (3.5, KICK), (0.0, SIDESTICK), (1.5, SIDESTICK),
                    (3.0, SIDESTICK), (2.5, SIDESTICK)]
        else:
            variant = rng.integers(0, 3)
            hits = [(0.0, KICK), (1.0, SNARE), (3.0, SNARE)]
            hits += [(2.0, KICK)] if variant == 0 else [(2.5, KICK)] if variant == 1 else [(2.0, KICK), (2.5, KICK)]
        for pos, drum in hits:
            if is_fill and pos >= beats - 2:
                continue
            notes.append(Note(b0 + _feel(groove, pos), 0.25, drum, vel(95 if drum == KICK else 90)))
        if is_fill:  # tom / snare fill over the last two beats
            n = int(rng.choice([4, 6, 8]))
            for i in range(n):
                pos = beats - 2 + 2.0 * i / n
                drum = SNARE if rng.random() < 0.4 else TOMS[min(i * len(TOMS) // n, len(TOMS) - 1)]
                notes.append(Note(b0 + pos, 0.2, drum, vel(85 + 3 * i)))
    return notes


def _bass(rng, chords, beats, groove, key) -> list[Note]:
    notes: list[Note] = []
    for bar, tones in enumerate(chords):
        b0 = bar * beats
        root = 36 + tones[0] % 12
        fifth = root + 7
        if groove == "swing":  # walking quarter notes
            nxt = chords[(bar + 1) % len(chords)][0]
            approach = 36 + nxt % 12 + (-1 if rng.random() < 0.5 else 1)
            line = [root, root + (tones[1] - tones[0]), fifth, approach][:beats]
            pattern = [(float(i), 0.9, p) for i, p in enumerate(line)]
        elif groove == "bossa":
            pattern = [(0.0, 1.4, root), (1.5, 0.4, fifth), (2.0, 1.4, fifth - 12 if fifth > 45 else fifth), (3.5, 0.4, root)]
        elif groove == "waltz":
            pattern = [(0.0, 0.9, root), (1.0, 0.9, fifth), (2.0, 0.9, fifth)]
        else:
            style = rng.integers(0, 3)
            if style == 0:
                pattern = [(i * 0.5, 0.45, root if i % 4 != 3 else fifth) for i in range(beats * 2)]
            elif style == 1:
                pattern = [(0.0, 1.4, root), (1.5, 0.5, root), (2.0, 0.9, fifth), (3.0, 0.9, root + 12)]
            else:
                pattern = [(0.0, 0.9, root), (1.0, 0.9, root), (2.0, 0.9, fifth), (3.0, 0.9, fifth + 2)]
        for pos, dur, pitch in pattern:
            if pos < beats:
                notes.append(Note(b0 + _feel(groove, pos), dur, int(pitch), int(np.clip(90 + rng.integers(-10, 10), 1, 127))))
    return notes


def _chord_part(rng, chords, beats, groove) -> list[Note]:
    notes: list[Note] = []
    comp = rng.integers(0, 3)
    for bar, tones in enumerate(chords):
        b0 = bar * beats
        voicing = [60 + (t - 60) % 12 if t < 60 or t > 72 else t for t in tones]
        voicing = sorted(set(voicing))
        if groove == "waltz":
            hits = [(1.0, 0.9), (2.0, 0.9)]
        elif groove == "bossa":
            hits = [(0.0, 0.9), (1.5, 0.9), (3.0, 0.45), (2.5, 0.4)]
        elif groove in ("swing", "shuffle"):
            hits = [(0.0, 0.6), (1.5, 0.45), (3.0, 0.6)] if comp else [(1.0, 0.5), (3.0, 0.5)]
        else:
            hits = [(0.0, beats - 0.1)] if comp == 0 else [(0.0, 0.9), (1.5, 0.9), (3.0, 0.9)] if comp == 1 else [(i * 1.0, 0.45) for i in range(beats)]
        for pos, dur in hits:
            for p in voicing:
                notes.append(Note(b0 + _feel(groove, pos), dur, int(p), int(np.clip(72 + rng.integers(-8, 8), 1, 127))))
    return notes


def _lead(rng, chords, beats, groove, key, mode, sections) -> list[Note]:
    """Motif-based melody: a rhythm motif per section, pitches from chord and scale tones."""
    notes: list[Note] = []
    scale = [(key + s) % 12 for s in MODES[mode]]
    bar = 0
    prev = 72
    for name, n_bars in sections:
        if name == "intro":
            bar += n_bars
            continue
        grid = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5][: beats * 2]
        motif = sorted(rng.choice(grid, size=int(rng.integers(3, len(grid))), replace=False).tolist())
        for b in range(bar, bar + n_bars):
            if b % 4 == 3 and rng.random() < 0.6:  # breathe at phrase ends
                continue
            tones = chords[b]
            for i, pos in enumerate(motif):
                if i == 0 or pos in (0.0, 2.0):
                    cands = [72 + (t % 12) + o for t in tones for o in (-12, 0, 12)]
                else:
                    cands = [60 + s + o for s in scale for o in (0, 12)]
                cands = [c for c in cands if 60 <= c <= 88]
                pitch = min(cands, key=lambda c: abs(c - prev) + rng.random() * 5)
                prev = pitch
                end = motif[i + 1] if i + 1 < len(motif) else beats
                dur = max(0.2, (end - pos) * 0.9)
                notes.append(Note(b * beats + _feel(groove, pos), dur, int(pitch), int(np.clip(88 + rng.integers(-10, 10), 1, 127))))
        bar += n_bars
    return notes


def generate_song(seed: int, min_duration_s: float = 30.0, max_duration_s: float = 60.0) -> Song:
    rng = np.random.default_rng(seed)
    groove = str(rng.choice(GROOVES))
    beats = 3 if groove == "waltz" else 4
    style = str(rng.choice(["pop", "blues", "jazz", "modal"] if groove != "waltz" else ["pop", "jazz", "modal"]))
    if groove == "bossa":
        style = str(rng.choice(["jazz", "pop", "modal"]))
    tempo = float(rng.uniform(70, 170))
    key = int(rng.integers(0, 12))
    mode = str(rng.choice(STYLE_MODES[style]))
    target_s = float(rng.uniform(min_duration_s, max_duration_s))
    bar_s = beats * 60.0 / tempo

    verse_prog = PROGRESSIONS[style][rng.integers(len(PROGRESSIONS[style]))]
    chorus_prog = PROGRESSIONS[style][rng.integers(len(PROGRESSIONS[style]))]
    unit = len(verse_prog)  # sections are whole progressions
    sections: list[tuple[str, int]] = [("intro", unit if unit <= 4 else 4)]
    order = ["verse", "chorus", "verse", "chorus", "bridge", "chorus"]
    i = 0
    while (sum(b for _, b in sections) + unit) * bar_s <= target_s or len(sections) < 2:
        sections.append((order[i % len(order)], unit))
        i += 1
    seventh = style == "jazz" or (style == "blues")

    chords: list[list[int]] = []
    for name, n_bars in sections:
        prog = chorus_prog if name == "chorus" else verse_prog
        if name == "bridge":
            prog = [3, 4, 3, 4]
        for b in range(n_bars):
            chords.append(_chord_pitches(key, mode, prog[b % len(prog)], seventh))

    section_starts, chorus_bars = set(), set()
    bar = 0
    for name, n_bars in sections:
        section_starts.add(bar)
        if name == "chorus":
            chorus_bars.update(range(bar, bar + n_bars))
        bar += n_bars

    song_bars = len(chords)
    stems = [
        Stem("drums", 0, True, _drums(rng, song_bars, beats, groove, section_starts, chorus_bars)),
        Stem("bass", int(rng.choice(ROLE_PROGRAMS["bass"])), False, _bass(rng, chords, beats, groove, key)),
        Stem("chords", int(rng.choice(ROLE_PROGRAMS["chords"])), False, _chord_part(rng, chords, beats, groove)),
        Stem("lead", int(rng.choice(ROLE_PROGRAMS["lead"])), False, _lead(rng, chords, beats, groove, key, mode, sections)),
    ]
    return Song(seed, tempo, key, mode, style, groove, beats, sections, stems)


def stem_to_midi(song: Song, stem: Stem) -> mido.MidiFile:
    """One stem as a type-0 MIDI file carrying the song's tempo and meter."""
    mid = mido.MidiFile(type=0, ticks_per_beat=TICKS_PER_BEAT)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    channel = DRUM_CHANNEL if stem.is_drum else 0
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(song.tempo), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=song.beats_per_bar, denominator=4, time=0))
    track.append(mido.Message("control_change", channel=channel, control=7, value=100, time=0))
    if not stem.is_drum:
        track.append(mido.Message("program_change", channel=channel, program=stem.program, time=0))
    events = []
    for n in stem.notes:
        on = int(round(n.start * TICKS_PER_BEAT))
        off = on + max(1, int(round(n.duration * TICKS_PER_BEAT)))
        events.append((on, 1, n.pitch, n.velocity))
        events.append((off, 0, n.pitch, 0))
    events.sort(key=lambda e: (e[0], e[1]))  # note-offs before note-ons at the same tick
    now = 0
    for tick, is_on, pitch, vel in events:
        kind = "note_on" if is_on else "note_off"
        track.append(mido.Message(kind, channel=channel, note=pitch, velocity=vel, time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=TICKS_PER_BEAT))
    return mid
