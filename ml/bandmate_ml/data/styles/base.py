"""What a style is: its tempo, meter and feel, the progressions it plays and each part's grooves.

Grooves are keyed by the section they serve (`verse`, `chorus`, `intro`, `bridge`, `outro`); a
key with a suffix (`verse_b`) is an alternative the song may pick instead. A section without its
own groove plays the verse's. The groove text format is described in `grooves.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Melody instruments (GM): brass, reeds, pipes, synth leads, chromatic percussion, solo guitars.
LEAD_PROGRAMS = tuple(range(56, 88)) + tuple(range(8, 16)) + (24, 25, 26, 27, 29, 30)
PIANOS = (0, 1, 2, 3)
ELECTRIC_PIANOS = (4, 5)
ORGANS = (16, 17, 18, 19)
PADS = (48, 49, 50, 52, 88, 89, 90, 91, 94, 95)


@dataclass(frozen=True)
class Style:
    name: str
    groove: str  # the feel in a word or two, as a musician would name it
    beats_per_bar: int
    tempo: tuple[float, float]  # nominal BPM range
    swing: tuple[float, float]  # off-beat eighth position range
    progressions: dict[str, tuple[str, ...]]  # mode -> progressions (see harmony.py)
    drums: dict[str, dict[str, str]]
    bass: dict[str, str]  # or "walk"
    keys: dict[str, str]  # or "montuno"
    kits: tuple[int, ...] = (0, 8)
    bass_programs: tuple[int, ...] = tuple(range(32, 40))
    keys_programs: tuple[int, ...] = PIANOS + ELECTRIC_PIANOS
    keys_range: tuple[int, int] = (55, 77)
    keys_left_hand: bool = True
    keys_rootless: bool = False
    guitar: dict[str, str] = field(default_factory=dict)
    guitar_programs: tuple[int, ...] = (24, 25, 26, 27)
    pad_programs: tuple[int, ...] = PADS
    extra: tuple[tuple[str, float], ...] = ()  # (role, probability) of a fifth part
    fill: str = "toms"
    # chances of a secondary dominant, a borrowed iv, a stepwise-bass inversion, a key change
    harmony: tuple[float, float, float, float] = (0.15, 0.15, 0.25, 0.2)
    p_stop: float = 0.25
    p_push: float = 0.0  # chance that the band anticipates chord changes by an eighth
    share: float = 1.0  # weight of this variant among the style's variants (other meters)
    rubato: tuple[float, float] = (0.0, 0.0)
    p_ritardando: float = 0.25
    lead_step: float = 0.5  # rhythmic grid of the melody, beats
    lead_density: float = 0.5

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(self.progressions)
