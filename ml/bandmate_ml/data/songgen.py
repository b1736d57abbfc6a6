"""Procedural multitrack songs whose exact MIDI stems are the training targets.

Every song is a pure function of its seed, so a dataset is reproducible from a list of seeds. A
song has a style (its grooves, tempo range, meter and progressions: styles/), a form of sections
with fills, stops, held chords and dynamics, voice-led harmony with inversions, secondary
dominants, borrowed chords and key changes (harmony.py), and is played like a band plays it: the
tempo drifts, the eighths swing by a continuous amount, each part sits a little around the drummer
and every note is a few milliseconds loose (humanize.py). Notes come out in seconds.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np

from .grooves import BarPlan, Score, write_bass, write_drums, write_guitar, write_keys, write_pad
from .harmony import Chord, ChordEvent, parse_chord, parse_progression, reharmonise
from .humanize import Feel, Performance, tempo_map
from .melody import write_lead
from .song import ChordSpan, Note, Song, Stem, stem_to_midi
from .styles import LEAD_PROGRAMS, STYLE_NAMES, STYLES, Style

__all__ = ["ChordSpan", "Note", "Song", "Stem", "STYLE_NAMES", "generate_song", "stem_to_midi"]

FORM = ("verse", "chorus", "verse", "chorus", "bridge", "chorus", "chorus")
SECTION_LEVEL = {"intro": 0.8, "verse": 0.86, "chorus": 1.0, "bridge": 0.9, "outro": 0.9}
MINOR_MODES = ("minor", "dorian", "phrygian")


def generate_song(seed: int, min_duration_s: float = 30.0, max_duration_s: float = 60.0) -> Song:
    rng = random.Random(seed)  # the arrangement's many small choices
    nrng = np.random.default_rng(seed)  # the performance's vectorised timing and velocity noise
    name = rng.choice(STYLE_NAMES)
    variants = [s for s in STYLES if s.name == name]
    style = rng.choices(variants, [v.share for v in variants])[0]
    bpb = style.beats_per_bar
    tempo = rng.uniform(*style.tempo)
    key = rng.randrange(12)
    mode = rng.choice(style.modes)
    sections = _form(rng, style, mode, tempo, rng.uniform(min_duration_s, max_duration_s))
    plans = _bar_plans(rng, style, sections)
    harmony = _harmony(rng, style, key, mode, sections, plans)
    feel = _feel(rng, style)

    lift = rng.uniform(0.004, 0.012)  # bands push the chorus a little
    push = np.repeat([lift if p.section == "chorus" else 0.0 for p in plans], bpb)
    beat_times, end_s = tempo_map(nrng, len(plans) * bpb, tempo, bpb, feel, push)
    perf = Performance(beat_times, end_s, feel, nrng)
    score = Score(bpb, plans, harmony, rng)

    lo, hi = style.keys_range
    stems = [
        Stem("drums", rng.choice(style.kits), True, perf.play("drums", write_drums(score, style.drums, style.fill), 4.0)),
        Stem("bass", rng.choice(style.bass_programs), False, perf.play("bass", write_bass(score, style.bass))),
        Stem("keys", rng.choice(style.keys_programs), False,
             perf.play("keys", write_keys(score, style.keys, lo, hi, style.keys_left_hand, style.keys_rootless))),
        Stem("lead", rng.choice(LEAD_PROGRAMS), False,
             perf.play("lead", write_lead(score, style.lead_step, style.lead_density))),
    ]
    extra = _pick_extra(rng, style)
    if extra == "guitar":
        stems.append(Stem("guitar", rng.choice(style.guitar_programs), False,
                          perf.play("guitar", write_guitar(score, style.guitar), strum_s=0.005)))
    elif extra == "pad":
        stems.append(Stem("pad", rng.choice(style.pad_programs), False, perf.play("pad", write_pad(score), 3.0)))

    starts = perf.seconds([e.start for e in harmony])
    ends = perf.seconds([e.end for e in harmony])
    chords = [ChordSpan(float(s), float(e), ev.chord.root, ev.chord.pitch_classes)
              for s, e, ev in zip(starts, ends, harmony)]
    return Song(seed, tempo, key, mode, style.name, style.groove, bpb, [(n, b) for n, b, _ in sections], stems,
                beat_times, chords, end_s, 4, feel.swing)


def _form(rng, style: Style, mode: str, tempo: float, target_s: float) -> list[tuple[str, int, str]]:
    """(section, bars, progression) filling about target_s at the nominal tempo."""
    bpb = style.beats_per_bar
    total = max(6, round(target_s / (bpb * 60.0 / tempo)))
    progs = style.progressions[mode]
    verse, chorus, bridge = rng.choice(progs), rng.choice(progs), rng.choice(progs)
    intro = 2 if total < 16 else rng.choice((2, 4))
    outro = rng.choice((1, 2))
    body = total - intro - outro
    if body % 2:  # sections of whole two-bar phrases; the odd bar goes to the outro
        body, outro = body - 1, outro + 1
    sections = [("intro", intro, chorus if rng.random() < 0.5 else verse)]
    i = 0
    while body > 0:
        name = FORM[i % len(FORM)]
        text = {"verse": verse, "chorus": chorus, "bridge": bridge}[name]
        unit = text.count("|") + 1
        want = unit if unit >= 8 else 4 if name == "bridge" or body < 8 else 8
        n = body if body - min(want, body) < 2 else min(want, body)
        sections.append((name, n, text))
        body, i = body - n, i + 1
    sections.append(("outro", outro, chorus))
    return sections


def _bar_plans(rng, style: Style, sections) -> list[BarPlan]:
    chosen: dict[tuple[str, str], str] = {}

    def groove(part: str, grooves: dict, section: str) -> str:
        if (part, section) not in chosen:
            names = [k for k in grooves if k == section or k.startswith(section + "_")]
            if not names:
                names = [k for k in grooves if k == "verse" or k.startswith("verse_")]
            chosen[part, section] = rng.choice(names)
        return chosen[part, section]

    r = rng.random()  # some bands start with keys alone, or let the drums come in at the verse
    tacet = frozenset({"drums", "bass", "guitar", "pad"}) if r < 0.15 else frozenset({"drums"}) if r < 0.3 \
        else frozenset()
    plans = []
    for i, (name, n, _) in enumerate(sections):
        level = SECTION_LEVEL[name] + rng.uniform(-0.04, 0.04) + (0.05 if i == len(sections) - 2 else 0.0)
        parts = {"drums": style.drums, "bass": style.bass, "keys": style.keys, "guitar": style.guitar}
        grooves = {part: groove(part, g, name) for part, g in parts.items() if g}
        for k in range(n):
            role = "play"
            if k == n - 1 and i == len(sections) - 1:
                role = "end"
            elif k == n - 1:
                r, nxt = rng.random(), sections[i + 1][0]
                if nxt in ("chorus", "bridge") and r < style.p_stop:
                    role = "stop"
                elif r < 0.72:
                    role = "fill"
                elif r < 0.8:
                    role = "hold"
            fade = 1.0 - (0.12 * k / n if name == "outro" else 0.0)
            silent = (tacet if k < n - 1 else tacet - {"drums"}) if name == "intro" else frozenset()
            plans.append(BarPlan(name, role, level * fade, k == 0, grooves, silent))
    return plans


def _tonic(style: Style, mode: str) -> Chord:
    if style.name == "metal":
        return Chord(0, (0, 7), 0)
    minor = mode in MINOR_MODES
    if style.keys_rootless:  # jazz ends on a colour chord
        return Chord(0, (0, 3, 7, 9) if minor else (0, 4, 7, 11), 0)
    return Chord(0, (0, 3, 7) if minor else (0, 4, 7), 0)


def _key_plan(rng, style: Style, sections) -> list[int]:
    """Semitones each section sits above the opening key: a last chorus up, or a bridge elsewhere."""
    shifts = [0] * len(sections)
    if len(sections) < 4 or rng.random() >= style.harmony[3]:
        return shifts
    choruses = [i for i, s in enumerate(sections) if s[0] == "chorus" and i >= 2]
    bridges = [i for i, s in enumerate(sections) if s[0] == "bridge"]
    if bridges and (not choruses or rng.random() < 0.4):
        shifts[bridges[0]] = rng.choice((5, -2, 3, -3))
    elif choruses:
        k = choruses[-1]
        shifts[k:] = [rng.choice((1, 2))] * (len(sections) - k)
    return shifts


def _harmony(rng, style: Style, key: int, mode: str, sections, plans: list[BarPlan]) -> list[ChordEvent]:
    bpb = style.beats_per_bar
    p_secondary, p_borrowed, p_inversion, _ = style.harmony
    shifts = _key_plan(rng, style, sections)
    events: list[ChordEvent] = []
    beat0 = 0
    for i, (_, n_bars, text) in enumerate(sections):
        prog = parse_progression(text, bpb)
        span = (text.count("|") + 1) * bpb
        length = n_bars * bpb
        rel = []
        for r in range(math.ceil(length / span)):
            for start, dur, token in prog:
                s = r * span + start
                if s < length:
                    rel.append((beat0 + s, min(dur, length - s), parse_chord(token)))
        rel = reharmonise(rng, rel, p_secondary, p_borrowed, p_inversion, mode)
        if i == len(sections) - 1:  # the song ends on the tonic, held
            last_bar = beat0 + length - bpb
            rel = [(s, min(d, last_bar - s), c) for s, d, c in rel if s < last_bar]
            rel.append((last_bar, float(bpb), _tonic(style, mode)))
        sec_key = (key + shifts[i]) % 12
        stop_before = plans[beat0 // bpb - 1].role == "stop" if i > 0 else False
        if i > 0 and shifts[i] != shifts[i - 1] and not stop_before and rng.random() < 0.6:
            prev = events.pop()  # announce the new key with its dominant on the last beats before it
            cut = prev.end - min(2.0, (prev.end - prev.start) / 2)
            events.append(ChordEvent(prev.start, cut, prev.chord, prev.key, prev.mode))
            dom = (sec_key + 7) % 12
            events.append(ChordEvent(cut, prev.end, Chord(dom, (0, 4, 7, 10), dom), sec_key, mode))
        events += [ChordEvent(s, s + d, c.transposed(sec_key), sec_key, mode) for s, d, c in rel]
        beat0 += length
    if rng.random() < style.p_push:
        events = _anticipate(rng, events, bpb)
    return _held_through(events, plans, bpb)


def _held_through(events: list[ChordEvent], plans: list[BarPlan], bpb: int) -> list[ChordEvent]:
    """In stops, held bars and the ending the band sustains the downbeat's chord: later changes
    inside such a bar wait for the bar line (or vanish), so the chords say what sounds."""
    out: list[ChordEvent] = []
    for ev in events:
        bar = int(ev.start // bpb)
        bar_end = (bar + 1) * bpb
        if out and ev.start > bar * bpb and plans[bar].role in ("stop", "hold", "end"):
            out[-1] = replace(out[-1], end=min(ev.end, bar_end))
            if ev.end > bar_end:
                out.append(replace(ev, start=float(bar_end)))
            continue
        out.append(ev)
    return out


def _anticipate(rng, events: list[ChordEvent], bpb: int) -> list[ChordEvent]:
    """Moves most bar-line chord changes an eighth early, as bands push them."""
    out = list(events)
    for i in range(1, len(out)):
        prev, ev = out[i - 1], out[i]
        if ev.start % bpb == 0 and prev.end - prev.start > 1 and rng.random() < 0.7:
            out[i - 1] = replace(prev, end=ev.start - 0.5)
            out[i] = replace(ev, start=ev.start - 0.5)
    return out


def _feel(rng, style: Style) -> Feel:
    ballad = style.name == "ballad"
    rit = rng.random() < style.p_ritardando
    return Feel(
        swing=rng.uniform(*style.swing),
        drift=rng.uniform(0.02, 0.04),
        rubato=rng.uniform(*style.rubato),
        ritardando=(rng.uniform(1.4, 1.9) if ballad else rng.uniform(1.1, 1.35)) if rit else 1.0,
        rit_beats=(2 if ballad else 1) * style.beats_per_bar if rit else 0,
        looseness=rng.uniform(0.6, 1.4),
    )


def _pick_extra(rng, style: Style) -> str | None:
    r = rng.random()
    for role, p in style.extra:
        if r < p:
            return role
        r -= p
    return None
