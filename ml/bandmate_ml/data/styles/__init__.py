"""The styles the generator plays, each a `Style` (see base.py); some have a variant in another meter."""

from .base import LEAD_PROGRAMS, Style
from .popular import POPULAR
from .traditional import TRADITIONAL

STYLES: tuple[Style, ...] = POPULAR + TRADITIONAL
STYLE_NAMES: tuple[str, ...] = tuple(dict.fromkeys(s.name for s in STYLES))
# Every (beats per bar, beat unit) and the tempo span the generator can produce; held-out songs
# must fall outside them (tests/test_songgen.py).
METERS: frozenset[tuple[int, int]] = frozenset((s.beats_per_bar, 4) for s in STYLES)
TEMPO_RANGE: tuple[float, float] = (min(s.tempo[0] for s in STYLES), max(s.tempo[1] for s in STYLES))

__all__ = ["LEAD_PROGRAMS", "METERS", "STYLES", "STYLE_NAMES", "TEMPO_RANGE", "Style"]
