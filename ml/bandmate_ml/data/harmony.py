"""Chords written as Roman numerals, their re-harmonisation and voice leading.

Progressions are text so that a musician can read and extend them: bars are separated by `|`,
chords inside a bar share it evenly, `-` holds the previous chord. A numeral's case gives the
triad (I major, i minor), accidentals are relative to the major scale of the key (bVII, bIII),
`/V` makes a secondary chord (V7/V) and `/3`, `/5`, `/7` an inversion (the bass note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MODES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
}

_DEGREE = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_NUMERAL = r"[b#]?(?:VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)"
_TOKEN = re.compile(rf"^({_NUMERAL})(o|ø|\+)?(maj7|7sus4|sus4|sus2|add9|7|6|9|5)?(?:/({_NUMERAL}|[357]))?$")


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    intervals: tuple[int, ...]  # above the root, root first
    bass: int  # pitch class of the lowest note (differs from root in inversions)

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple(sorted({(self.root + i) % 12 for i in self.intervals}))

    def member(self, which: str) -> int:
        """Pitch class of a chord member named as bass patterns name it: R, 3, 5, 6, 7."""
        iv = self.intervals
        if which == "3":
            return (self.root + (iv[1] if len(iv) > 2 else iv[-1])) % 12
        if which == "5":
            fifth = [i for i in iv if i in (6, 7, 8)]
            return (self.root + (fifth[0] if fifth else 7)) % 12
        if which == "6":
            return (self.root + 9) % 12
        if which == "7":
            sev = [i for i in iv if i in (9, 10, 11)]
            return (self.root + sev[0]) % 12 if sev else self.root
        return self.root

    def transposed(self, semitones: int) -> Chord:
        return Chord((self.root + semitones) % 12, self.intervals, (self.bass + semitones) % 12)


def _numeral_offset(numeral: str) -> tuple[int, bool]:
    acc = {"b": -1, "#": 1}.get(numeral[0], 0)
    body = numeral.lstrip("b#")
    return (_DEGREE[body.upper()] + acc) % 12, body.isupper()


@lru_cache(maxsize=None)
def parse_chord(token: str) -> Chord:
    """A chord symbol relative to a tonic of 0 (transpose it to the key)."""
    m = _TOKEN.match(token)
    if m is None:
        raise ValueError(f"cannot read chord {token!r}: write e.g. I, vi7, bVII, V7/V, I/3, iiø7, IVmaj7")
    numeral, quality, ext, slash = m.groups()
    root, major = _numeral_offset(numeral)
    if quality == "o":
        iv = [0, 3, 6] + ([9] if ext == "7" else [])
    elif quality == "ø":
        iv = [0, 3, 6, 10]
    elif quality == "+":
        iv = [0, 4, 8]
    else:
        iv = [0, 4, 7] if major else [0, 3, 7]
        if ext == "5":
            iv = [0, 7]
        elif ext in ("7", "9"):
            iv += [10] + ([14] if ext == "9" else [])
        elif ext == "maj7":
            iv += [11]
        elif ext == "6":
            iv += [9]
        elif ext == "add9":
            iv += [14]
        elif ext in ("sus4", "7sus4"):
            iv[1] = 5
            iv += [10] if ext == "7sus4" else []
        elif ext == "sus2":
            iv[1] = 2
    chord = Chord(root, tuple(iv), root)
    if slash and slash in "357":
        chord = Chord(root, chord.intervals, chord.member(slash))
    elif slash:
        target, _ = _numeral_offset(slash)
        chord = Chord((root + target) % 12, chord.intervals, (root + target) % 12)
    return chord


@dataclass(frozen=True)
class ChordEvent:
    start: float  # beats from the song start
    end: float
    chord: Chord  # absolute pitch classes
    key: int  # tonic of the key in force (after modulations)
    mode: str


def parse_progression(text: str, beats_per_bar: int) -> list[tuple[float, float, str]]:
    """(start beat, length in beats, symbol) relative to the progression start; `-` extends."""
    out: list[list] = []
    for b, bar in enumerate(text.split("|")):
        tokens = bar.split()
        step = beats_per_bar / len(tokens)
        for k, tok in enumerate(tokens):
            if tok == "-" and out:
                out[-1][1] += step
            else:
                parse_chord(tok)  # fail early on a typo
                out.append([b * beats_per_bar + k * step, step, tok])
    return [tuple(o) for o in out]


def chord_scale(key: int, mode: str, chord: Chord) -> list[int]:
    """The mode's scale bent towards the chord: a scale tone yields to a chromatic chord tone next to it."""
    scale = {(key + s) % 12 for s in MODES[mode]}
    pcs = set(chord.pitch_classes)
    altered = pcs - scale  # e.g. F# of D7 in C major
    return sorted(pcs | {pc for pc in scale if not {(pc + 1) % 12, (pc - 1) % 12} & altered})


def reharmonise(rng, events: list[tuple[float, float, Chord]], p_secondary: float, p_borrowed: float,
                p_inversion: float, mode: str) -> list[tuple[float, float, Chord]]:
    """Adds secondary dominants, borrowed chords and stepwise-bass inversions (tonic = 0)."""
    out: list[tuple[float, float, Chord]] = []
    for i, (start, length, chord) in enumerate(events):
        if mode in ("major", "mixolydian") and chord.root == 5 and chord.intervals[:3] == (0, 4, 7) \
                and rng.random() < p_borrowed:
            chord = Chord(5, (0, 3, 7) + chord.intervals[3:], 5)  # IV -> iv from the parallel minor
        nxt = events[i + 1][2] if i + 1 < len(events) else None
        if nxt is not None and length >= 2 and nxt.root != 0 and nxt.intervals[1:3] in ((4, 7), (3, 7)) \
                and chord.root != (nxt.root + 7) % 12 and rng.random() < p_secondary:
            # the chord's second half (its last beat in odd lengths) becomes the next one's dominant
            tail = length / 2 if (length / 2) % 1 == 0 else 1.0
            out.append((start, length - tail, chord))
            dom = (nxt.root + 7) % 12
            out.append((start + length - tail, tail, Chord(dom, (0, 4, 7, 10), dom)))
            continue
        out.append((start, length, chord))
    if p_inversion > 0:
        for i in range(1, len(out) - 1):
            start, length, chord = out[i]
            prev_bass, next_bass = out[i - 1][2].bass, out[i + 1][2].bass
            if chord.bass != chord.root or len(chord.intervals) < 3 or rng.random() >= p_inversion:
                continue
            for member in ("3", "5"):
                pc = chord.member(member)
                if _step(prev_bass, pc) and _step(pc, next_bass):
                    out[i] = (start, length, Chord(chord.root, chord.intervals, pc))
                    break
    return out


def _step(a: int, b: int) -> bool:
    return min((a - b) % 12, (b - a) % 12) in (1, 2)


def voice_lead(prev: list[int] | None, chord: Chord, lo: int, hi: int, size: int = 4,
               drop_root: bool = False) -> list[int]:
    """The close voicing of the chord in [lo, hi] that moves least from the previous one."""
    pcs = list(chord.pitch_classes)
    if drop_root and len(pcs) >= 4:
        pcs.remove(chord.root)
    tones = pcs[:size] if len(pcs) > size else pcs
    best, best_cost = None, None
    centre = (lo + hi) // 2 if prev is None else sum(prev) / len(prev)
    for inv in range(len(tones)):
        order = tones[inv:] + tones[:inv]
        for base in range(lo, lo + 12):
            if base % 12 != order[0]:
                continue
            voicing, last = [base], base
            for pc in order[1:]:
                last = last + ((pc - last) % 12 or 12)
                voicing.append(last)
            for shift in (0, 12):
                v = [p + shift for p in voicing]
                if v[-1] > hi:
                    continue
                if prev:
                    cost = sum(min(abs(p - q) for q in prev) for p in v) + abs(sum(v) / len(v) - centre)
                else:
                    cost = abs(sum(v) / len(v) - centre)
                if best_cost is None or cost < best_cost:
                    best, best_cost = v, cost
    return best if best is not None else sorted(lo + (pc - lo) % 12 for pc in tones)
