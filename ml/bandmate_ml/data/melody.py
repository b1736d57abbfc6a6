"""The lead line: phrases built from a rhythmic motif, chord tones on strong beats, steps between."""

from __future__ import annotations

from .grooves import Event, Score
from .harmony import chord_scale


def _motif(rng, beats_per_bar: int, step: float, density: float) -> list[float]:
    """Onsets (beats) of a two-bar rhythm; strong positions are likelier."""
    n = int(round(2 * beats_per_bar / step))
    onsets = []
    for i in range(n):
        pos = i * step
        strong = pos % 1 == 0
        p = density * (1.3 if strong else 0.7) * (0.5 if pos % 0.5 else 1.0)
        if rng.random() < p:
            onsets.append(pos)
    return onsets or [0.0, float(beats_per_bar)]


def write_lead(score: Score, step: float, density: float, centre: int = 70) -> list[Event]:
    rng, bpb, out = score.rng, score.beats_per_bar, []
    bar, prev = 0, centre
    sections: list[tuple[str, int]] = []
    for plan in score.bars:
        if plan.first_of_section or not sections:
            sections.append((plan.section, 0))
        sections[-1] = (sections[-1][0], sections[-1][1] + 1)
    motifs: dict[str, list[float]] = {}
    for name, n_bars in sections:
        if name == "intro" and rng.random() < 0.7:
            bar += n_bars
            continue
        motif = motifs.setdefault(name, _motif(rng, bpb, step, density))
        lift = 4 if name == "chorus" else -2 if name in ("intro", "outro") else 0
        for k in range(n_bars):
            b = bar + k
            plan = score.bars[b]
            if plan.role == "end":
                ev = score.chord_at(b * bpb)
                target = min((p for p in range(60, 90) if p % 12 == ev.key % 12), key=lambda p: abs(p - prev))
                out.append((b * bpb, bpb * 0.95, target, score.bar_velocity(b, 0, 86)))
                break
            if k % 4 == 3 and rng.random() < 0.55:  # breathe at the end of a four-bar phrase
                continue
            half = (k % 2) * bpb
            onsets = [p - half for p in motif if half <= p < half + bpb]
            if k % 4 == 2 and rng.random() < 0.5:  # vary the third bar of a phrase
                onsets = sorted(set(onsets[: max(1, len(onsets) // 2)] + [o + step for o in onsets[-2:] if o + step < bpb]))
            for i, pos in enumerate(onsets):
                t = b * bpb + pos
                ev = score.chord_at(t)
                strong = pos % 1 == 0 and (pos == 0 or pos * 2 == bpb or i == 0)
                pcs = set(ev.chord.pitch_classes) if strong else set(chord_scale(ev.key, ev.mode, ev.chord))
                aim = centre + lift + 5 * ((k % 4) in (1, 2)) - 3 * (k % 4 == 3)
                cands = [p for p in range(55, 92) if p % 12 in pcs and p != prev or (p == prev and strong and p % 12 in pcs)]
                pitch = min(cands, key=lambda p: abs(p - prev) * 1.0 + abs(p - aim) * 0.35 + rng.random() * 3)
                nxt = onsets[i + 1] if i + 1 < len(onsets) else bpb
                length = max(0.2, (nxt - pos) * rng.choice((0.6, 0.85, 0.95)))
                out.append((t, length, pitch, score.bar_velocity(b, pos, 90)))
                prev = pitch
        bar += n_bars
    return out
