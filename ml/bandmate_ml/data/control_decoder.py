"""Control frames -> note events: the reference of the Node engine's decoder (same rules, same events).

Causal and deterministic: frame i's events depend only on frames ≤ i. Onsets fire when their logit
passes the threshold and did not fire in the previous frame (a hit is one frame, so an onset spread
over two frames sounds once); a note starts `offset` of the way into its frame. Drums are one-shots
(no note-off: the kit's samples end by themselves). Bass is monophonic: a new onset ends the old
note; the note ends when the held logit drops. Keys play the pitch classes above threshold (at least
the top three, at most five) voiced between G3 and F#5 closest to the previous chord, so the voicing
moves smoothly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .control_frames import BASS_LOW, DRUM_LANES, LAYOUT, N_LANES

KEYS_RANGE = (55, 79)
KEYS_CENTER = 66.0


@dataclass(frozen=True)
class NoteEvent:
    sample: int
    on: bool
    key: int
    velocity: int


@dataclass
class Thresholds:
    onset: float = 0.0
    held: float = 0.0
    pc: float = 0.0
    # A held part whose pitch moves (bass: another pitch class; keys: a chord sharing fewer than two
    # pitch classes with the sounding one) for this many frames in a row is struck again on the new
    # notes, as a player who hears a chord change late moves to it on the next eighth note of the
    # beat grid (at once without one). 0: never.
    revoice_frames: int = 0


def voice_chord(pcs: list[int], previous: list[int]) -> list[int]:
    center = float(np.mean(previous)) if previous else KEYS_CENTER
    lo, hi = KEYS_RANGE
    notes = []
    for pc in sorted(pcs):
        cands = [p for p in range(lo, hi) if p % 12 == pc]
        notes.append(min(cands, key=lambda p: (abs(p - center), p)))
    return sorted(set(notes))


@dataclass
class ControlDecoder:
    instrument: str
    samples_per_frame: int
    thresholds: Thresholds = field(default_factory=Thresholds)
    frame: int = 0
    fired: np.ndarray = field(default_factory=lambda: np.zeros(N_LANES, bool))
    sounding: list[int] = field(default_factory=list)
    velocity: int = 0
    moved: int = 0

    def _at(self, offset: float) -> int:
        return self.frame * self.samples_per_frame + int(np.floor(min(max(offset, 0.0), 0.999) * self.samples_per_frame))

    @staticmethod
    def _velocity(v: float) -> int:
        return int(min(127, max(1, round(v * 127))))

    def _pitch(self, c: np.ndarray) -> list[int]:
        """Bass: the one pitch; keys: the pitch classes above threshold (at least the top three, at most five)."""
        if self.instrument == "bass":
            a, b = LAYOUT["bass_pitch"]
            return [BASS_LOW + int(np.argmax(c[a:b]))]
        a, b = LAYOUT["keys_pc"]
        logits = c[a:b]
        order = sorted(range(12), key=lambda k: (-logits[k], k))
        chosen = [k for k in order if logits[k] > self.thresholds.pc][:5]
        return chosen if len(chosen) >= 3 else order[:3]

    def _moved(self, pitch: list[int]) -> bool:
        if self.instrument == "bass":
            return pitch[0] % 12 != self.sounding[0] % 12
        return len({p % 12 for p in self.sounding} & set(pitch)) < 2

    def _strike(self, at: int, pitch: list[int], velocity: int) -> list[NoteEvent]:
        new = pitch if self.instrument == "bass" else voice_chord(pitch, self.sounding)
        events = [NoteEvent(at, False, k, 0) for k in self.sounding] + [NoteEvent(at, True, k, velocity) for k in new]
        self.sounding, self.velocity = new, velocity
        return events

    def _eighth_in_frame(self, cond: np.ndarray | None) -> int | None:
        """The sample of the first eighth note of the generator's beat grid (cond row: grid on,
        beat phase at the frame's start, beats per frame x 10) that starts in this frame; the
        frame's start without a grid; None if no eighth starts in it. In float64 from the float32
        row, as the engine computes it."""
        start = self.frame * self.samples_per_frame
        if cond is None or not float(cond[1]) > 0.5 or not float(cond[5]) > 0.0:
            return start
        phase, eighths = (2.0 * float(cond[2])) % 1.0, 2.0 * float(cond[5]) / 10.0
        to_next = 0.0 if phase == 0.0 else (1.0 - phase) / eighths
        return None if to_next >= 1.0 else start + math.floor(to_next * self.samples_per_frame)

    def step(self, c: np.ndarray, cond: np.ndarray | None = None) -> list[NoteEvent]:
        t = self.thresholds
        events: list[NoteEvent] = []
        start = self.frame * self.samples_per_frame
        if self.instrument == "drums":
            on0, off0, vel0 = LAYOUT["drums_onset"][0], LAYOUT["drums_offset"][0], LAYOUT["drums_velocity"][0]
            fire = c[on0:on0 + N_LANES] > t.onset
            hits = [(self._at(c[off0 + l]), l) for l in range(N_LANES) if fire[l] and not self.fired[l]]
            for at, l in sorted(hits):
                events.append(NoteEvent(at, True, DRUM_LANES[l][0], self._velocity(c[vel0 + l])))
            self.fired = fire
        else:
            i = {k: LAYOUT[f"{self.instrument}_{k}"][0] for k in ("onset", "held", "offset", "velocity")}
            fire = bool(c[i["onset"]] > t.onset)
            if fire and not self.fired[0]:
                events += self._strike(self._at(c[i["offset"]]), self._pitch(c), self._velocity(c[i["velocity"]]))
                self.moved = 0
            elif self.sounding and not c[i["held"]] > t.held:
                events += [NoteEvent(start, False, k, 0) for k in self.sounding]
                self.sounding = []
                self.moved = 0
            elif self.sounding and t.revoice_frames > 0:
                pitch = self._pitch(c)
                self.moved = self.moved + 1 if self._moved(pitch) else 0
                at = self._eighth_in_frame(cond) if self.moved >= t.revoice_frames else None
                if at is not None:
                    events += self._strike(at, pitch, self.velocity)
                    self.moved = 0
            self.fired[0] = fire
        self.frame += 1
        return events


def decode(controls: np.ndarray, instrument: str, samples_per_frame: int, thresholds: Thresholds | None = None,
           cond: np.ndarray | None = None) -> list[NoteEvent]:
    """`cond`: the generator's cond rows, one per frame (where a revoiced note may start)."""
    dec = ControlDecoder(instrument, samples_per_frame, thresholds or Thresholds())
    return [e for i, c in enumerate(controls) for e in dec.step(c, None if cond is None else cond[i])]
