"""The band's parts written on a straight grid in beats, from grooves written as text.

A groove is one line per drum (or one line for a pitched part) with a character per sixteenth:
`.` rest, `-` hold the previous note, and a hit whose letter says how loud (drums: X accent,
x normal, o ghost) or what to play (bass: R chord bass, 5 fifth, 8 octave, 3 third, 7 seventh,
N next chord's bass, A chromatic approach to it; keys: X/x whole chord, l left hand, u right hand,
1-5 one voice of the chord from below; guitar: D/d down-strum, U up-strum, m muted scratch).
Spaces are for the eye. A groove may span several bars; bar b plays its bar b mod length.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from functools import lru_cache

from .harmony import Chord, ChordEvent, chord_scale, voice_lead

DRUM_NOTES = {
    "kick": 36, "snare": 38, "rim": 37, "clap": 39, "hat": 42, "pedal": 44, "open": 46, "ride": 51,
    "bell": 53, "crash": 49, "china": 52, "tom_hi": 50, "tom_mid": 47, "tom_lo": 45, "floor": 43,
    "tamb": 54, "cowbell": 56, "conga_hi": 63, "conga_mute": 62, "conga_lo": 64, "bongo_hi": 60,
    "bongo_lo": 61, "timbale_hi": 65, "timbale_lo": 66, "clave": 75, "shaker": 70,
}
LOUDNESS = {"X": 1.0, "x": 0.8, "o": 0.5, "g": 0.35}
Event = tuple[float, float, int, float]  # beat, length in beats, pitch, velocity


@lru_cache(maxsize=None)
def parse_grid(text: str, beats_per_bar: int) -> tuple[tuple[tuple[float, float, str], ...], ...]:
    """Per bar of the groove: (beat, length in beats, symbol) of every hit."""
    cells = text.replace(" ", "")
    per_bar = 4 * beats_per_bar
    if len(cells) % per_bar:
        raise ValueError(f"groove {text!r} has {len(cells)} sixteenths, not a whole number of "
                         f"{beats_per_bar}-beat bars ({per_bar} each)")
    bars = []
    for b in range(len(cells) // per_bar):
        row = cells[b * per_bar:(b + 1) * per_bar]
        hits = []
        for i, c in enumerate(row):
            if c in ".-":
                continue
            n = 1
            while i + n < len(row) and row[i + n] == "-":
                n += 1
            hits.append((i / 4, n / 4, c))
        bars.append(tuple(hits))
    return tuple(bars)


@dataclass
class BarPlan:
    section: str
    role: str  # play | fill | stop | hold | end
    level: float  # loudness of the bar, 1 = a chorus
    first_of_section: bool
    grooves: dict  # part -> groove name in the style
    silent: frozenset = frozenset()  # parts that sit this bar out (a keys-only intro)


@dataclass
class Score:
    """What every part reads: the bars' plan and the harmony in force at any beat."""
    beats_per_bar: int
    bars: list[BarPlan]
    harmony: list[ChordEvent]
    rng: random.Random

    def __post_init__(self):
        self._starts = [e.start for e in self.harmony]

    def event_index(self, pos: float) -> int:
        return max(0, bisect.bisect_right(self._starts, pos + 1e-6) - 1)

    def chord_at(self, pos: float) -> ChordEvent:
        return self.harmony[self.event_index(pos)]

    def next_chord(self, pos: float) -> ChordEvent:
        return self.harmony[min(self.event_index(pos) + 1, len(self.harmony) - 1)]

    def bar_velocity(self, bar: int, pos_in_bar: float, base: float) -> float:
        """Bar loudness with metric accents and a two-bar crescendo into a louder section."""
        plan = self.bars[bar]
        level = plan.level
        for ahead in (1, 2):
            nxt = self.bars[bar + ahead] if bar + ahead < len(self.bars) else None
            if nxt is not None and nxt.first_of_section:
                if nxt.level > level + 0.05:
                    progress = ((2 - ahead) * self.beats_per_bar + pos_in_bar) / (2 * self.beats_per_bar)
                    level += (nxt.level - level) * progress
                break
        accent = 8 if pos_in_bar == 0 else 3 if pos_in_bar == int(pos_in_bar) else 0
        if plan.first_of_section and pos_in_bar == 0:
            accent += 8  # the band lands the new section together
        return base * level + accent


def write_drums(score: Score, grooves: dict, fill_kind: str) -> list[Event]:
    bpb, rng, out = score.beats_per_bar, score.rng, []
    for bar, plan in enumerate(score.bars):
        if "drums" in plan.silent:
            continue
        b0 = bar * bpb
        vel = lambda pos, f: score.bar_velocity(bar, pos, 104 * f)  # noqa: E731
        if plan.first_of_section and bar > 0 or plan.role in ("stop", "end", "hold"):
            out.append((b0, 1.0, DRUM_NOTES["crash"], vel(0, 1.0)))
            out.append((b0, 0.5, DRUM_NOTES["kick"], vel(0, 1.0)))
        if plan.role in ("stop", "end", "hold"):
            if plan.role == "hold":
                out += [(b0 + k, 0.5, DRUM_NOTES["ride"], vel(k, 0.5)) for k in range(1, bpb)]
            if plan.role == "stop" and rng.random() < 0.6:  # a snare pickup into the next section
                out += [(b0 + bpb - 0.5, 0.25, DRUM_NOTES["snare"], vel(0.5, 0.8)),
                        (b0 + bpb - 0.25, 0.25, DRUM_NOTES["snare"], vel(0.5, 0.9))]
            continue
        fill_from = bpb - (rng.choice((1, 2)) if bpb >= 3 else 1) if plan.role == "fill" else bpb
        groove = grooves[plan.grooves["drums"]]
        for voice, text in groove.items():
            rows = parse_grid(text, bpb)
            for pos, _, sym in rows[bar % len(rows)]:
                if pos >= fill_from or (pos == 0 and plan.first_of_section and bar > 0 and voice in ("hat", "ride")):
                    continue
                out.append((b0 + pos, 0.25, DRUM_NOTES[voice], vel(pos, LOUDNESS.get(sym, 0.8))))
        if fill_from < bpb:
            out += _fill(rng, b0, fill_from, bpb, fill_kind, vel)
    return out


FILLS = {
    "toms": ("snare", "tom_hi", "tom_mid", "tom_lo", "floor"),
    "snare": ("snare", "snare", "snare", "tom_hi"),
    "jazz": ("snare", "tom_mid", "snare", "floor"),
    "latin": ("timbale_hi", "timbale_lo", "timbale_hi", "timbale_lo"),
    "light": ("rim", "tom_mid", "tom_lo"),
}


def _fill(rng, b0, start, end, kind, vel) -> list[Event]:
    voices = FILLS[kind]
    step = 0.5 if kind in ("light", "jazz") else rng.choice((0.25, 0.5))
    n = int(round((end - start) / step))
    out = []
    for i in range(n):
        pos = start + i * step
        if kind == "light" and rng.random() < 0.35:
            continue
        voice = voices[min(i * len(voices) // n, len(voices) - 1)]
        out.append((b0 + pos, step, DRUM_NOTES[voice], vel(pos, 0.7 + 0.3 * i / max(n - 1, 1))))
    out.append((b0 + start, 0.25, DRUM_NOTES["kick"], vel(start, 0.8)))
    return out


def _bar_window(score: Score, bar: int) -> tuple[float, str]:
    """Where the part stops sounding in this bar: after the hit in stops, at the bar end otherwise."""
    role = score.bars[bar].role
    return (0.5 if role == "stop" else score.beats_per_bar), role


def write_bass(score: Score, grooves: dict, lo: int = 28, hi: int = 55) -> list[Event]:
    bpb, out, prev = score.beats_per_bar, [], 40
    for bar, plan in enumerate(score.bars):
        if "bass" in plan.silent:
            continue
        b0 = bar * bpb
        limit, role = _bar_window(score, bar)
        if role in ("stop", "end", "hold"):
            ev = score.chord_at(b0)
            prev = _near(ev.chord.bass, prev, lo, hi)
            out.append((b0, limit if role == "stop" else bpb, prev, score.bar_velocity(bar, 0, 100)))
            continue
        name = plan.grooves["bass"]
        if grooves[name] == "walk":
            notes = _walk(score, bar, prev, lo, hi)
        else:
            notes = []
            rows = parse_grid(grooves[name], bpb)
            for pos, length, sym in rows[bar % len(rows)]:
                ev = score.chord_at(b0 + pos)
                pitch = _bass_pitch(score, sym, ev, b0 + pos, prev, lo, hi)
                end = min(pos + length, (ev.end - b0) if sym not in "NA" else pos + length)
                vel = score.bar_velocity(bar, pos, 96 if sym != "g" else 55)
                notes.append((b0 + pos, max(0.2, end - pos) * (0.5 if sym == "g" else 0.92), pitch, vel))
                prev = pitch if sym != "g" else prev
        out += notes
        if notes:
            prev = notes[-1][2]
    return out


def _near(pc: int, prev: int, lo: int, hi: int) -> int:
    cands = [p for p in range(lo, hi + 1) if p % 12 == pc]
    return min(cands, key=lambda p: abs(p - prev) + (3 if p > 45 else 0))


def _bass_pitch(score: Score, sym: str, ev: ChordEvent, pos: float, prev: int, lo: int, hi: int) -> int:
    chord = ev.chord
    if sym in "Rg":
        return _near(chord.bass, prev, lo, hi)
    if sym == "N":
        return _near(score.next_chord(pos).chord.bass, prev, lo, hi)
    if sym == "A":
        target = _near(score.next_chord(pos).chord.bass, prev, lo, hi)
        return target + (1 if target - 1 < lo or score.rng.random() < 0.5 else -1)
    root = _near(chord.bass, prev, lo, hi)
    if sym == "8":
        return root + 12 if root + 12 <= hi else root - 12
    pc = chord.member(sym)
    up = root + (pc - root) % 12
    return up if up <= hi else up - 12


def _walk(score: Score, bar: int, prev: int, lo: int, hi: int) -> list[Event]:
    """Quarter-note walking line: chord tones on the beat of a change, steps or a half step into the next."""
    bpb, out = score.beats_per_bar, []
    for beat in range(bpb):
        pos = bar * bpb + beat
        ev = score.chord_at(pos)
        nxt = score.next_chord(pos)
        if pos - 1 < ev.start <= pos + 1e-6:  # the chord arrived on or since the last beat
            pitch = _near(ev.chord.bass, prev, lo, hi)
        elif abs(nxt.start - (pos + 1)) < 1e-6 and nxt is not ev:
            target = _near(nxt.chord.bass, prev, lo, hi)
            pitch = target + score.rng.choice((-1, 1, -2 if (target - 2) % 12 in _scale_of(ev) else 1))
        else:
            tones = [p for p in range(prev - 5, prev + 6) if p % 12 in _scale_of(ev) and p != prev]
            pitch = score.rng.choice(tones) if tones else prev
        pitch = min(max(pitch, lo), hi)
        out.append((pos, 0.92, pitch, score.bar_velocity(bar, beat, 92)))
        prev = pitch
    return out


def _scale_of(ev: ChordEvent) -> set[int]:
    return set(chord_scale(ev.key, ev.mode, ev.chord))


class Voicer:
    """Voice-leads a part through the harmony: one voicing per chord event, kept between hits."""

    def __init__(self, lo: int, hi: int, size: int, drop_root: bool = False):
        self.lo, self.hi, self.size, self.drop_root = lo, hi, size, drop_root
        self.cache: dict[int, list[int]] = {}
        self.prev: list[int] | None = None

    def __call__(self, score: Score, index: int) -> list[int]:
        if index not in self.cache:
            chord = score.harmony[index].chord
            self.prev = voice_lead(self.prev, chord, self.lo, self.hi, self.size, self.drop_root)
            self.cache[index] = self.prev
        return self.cache[index]


def _left_hand(chord: Chord) -> list[int]:
    root = 36 + (chord.bass - 36) % 12
    return [root + 12 if root < 40 else root]


def write_keys(score: Score, grooves: dict, lo: int, hi: int, left_hand: bool, drop_root: bool = False,
               size: int = 4, gate: float = 0.92) -> list[Event]:
    bpb, out = score.beats_per_bar, []
    voicer = Voicer(lo, hi, size, drop_root)
    for bar, plan in enumerate(score.bars):
        if "keys" in plan.silent:
            continue
        b0 = bar * bpb
        limit, role = _bar_window(score, bar)
        name = plan.grooves["keys"]
        if role in ("stop", "end", "hold"):
            rows = ((0.0, limit if role == "stop" else float(bpb), "X"),),
        elif grooves[name] == "montuno":
            out += _montuno(score, bar, voicer)
            continue
        else:
            rows = parse_grid(grooves[name], bpb)
        for pos, length, sym in rows[bar % len(rows)]:
            idx = score.event_index(b0 + pos)
            ev = score.harmony[idx]
            upper = voicer(score, idx)
            lower = _left_hand(ev.chord) if left_hand else []
            if sym in "Xx":
                pitches = lower + upper
            elif sym == "l":
                pitches = lower or upper[:1]
            elif sym == "u":
                pitches = upper
            else:
                stack = lower + upper
                pitches = [stack[min(int(sym) - 1, len(stack) - 1)]]
            end = min(pos + length, ev.end - b0, limit)
            vel = score.bar_velocity(bar, pos, 84 if sym != "x" else 70)
            out += [(b0 + pos, max(0.1, end - pos) * gate, p, vel) for p in pitches]
    return out


def _montuno(score: Score, bar: int, voicer: Voicer) -> list[Event]:
    """Piano montuno: eighths alternating the chord's outer notes in octaves with its inner ones."""
    bpb, out = score.beats_per_bar, []
    rhythm = (0, 1, 1, 0, 1, 1, 0, 1) if bar % 2 == 0 else (1, 1, 0, 1, 1, 0, 1, 1)
    for i in range(2 * bpb):
        pos = bar * bpb + i * 0.5
        if not rhythm[i % len(rhythm)]:
            continue
        idx = score.event_index(pos)
        v = voicer(score, idx)
        top = v[-1]
        pitches = [top - 12, top] if i % 2 == 0 else v[1:-1] or v[:1]
        out += [(pos, 0.42, p, score.bar_velocity(bar, i * 0.5, 80)) for p in pitches]
    return out


def write_guitar(score: Score, grooves: dict) -> list[tuple[float, float, int, float, float]]:
    """Rhythm guitar: strummed six-string voicings (events end with the strum direction: 1 down,
    -1 up); muted scratches are short and soft."""
    bpb, out = score.beats_per_bar, []
    voicer = Voicer(45, 72, 5)
    for bar, plan in enumerate(score.bars):
        if "guitar" in plan.silent:
            continue
        b0 = bar * bpb
        limit, role = _bar_window(score, bar)
        rows = (((0.0, limit if role == "stop" else float(bpb), "D"),),) if role in ("stop", "end", "hold") \
            else parse_grid(grooves[plan.grooves["guitar"]], bpb)
        for pos, length, sym in rows[bar % len(rows)]:
            idx = score.event_index(b0 + pos)
            ev = score.harmony[idx]
            v = voicer(score, idx)
            shape = sorted(set([v[0] - 12 if v[0] - 12 >= 40 else v[0]] + v + [v[0] + 12]))
            if sym == "U":
                shape = shape[-3:]
            end = min(pos + length, ev.end - b0, limit)
            dur = 0.12 if sym == "m" else max(0.1, end - pos) * 0.9
            base = {"D": 86, "d": 70, "U": 66, "m": 50}.get(sym, 76)
            direction = -1.0 if sym == "U" else 1.0
            out += [(b0 + pos, dur, p, score.bar_velocity(bar, pos, base), direction) for p in shape]
    return out


def write_pad(score: Score, lo: int = 52, hi: int = 76) -> list[Event]:
    """Pad: each chord held for as long as it lasts, silent in stops."""
    bpb, out = score.beats_per_bar, []
    voicer = Voicer(lo, hi, 4)
    for idx, ev in enumerate(score.harmony):
        bar = int(ev.start // bpb)
        if score.bars[bar].role == "stop" or "pad" in score.bars[bar].silent:
            continue
        end = ev.end
        for b in range(bar + 1, int((ev.end - 1e-6) // bpb) + 1):
            if score.bars[b].role == "stop":
                end = b * bpb + 0.5
                break
        out += [(ev.start, (end - ev.start) * 0.98, p, score.bar_velocity(bar, 0, 62)) for p in voicer(score, idx)]
    return out
