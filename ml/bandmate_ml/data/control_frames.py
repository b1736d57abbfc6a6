"""Control frames: what the structured accompanist outputs, one vector per 40 ms frame.

The exact MIDI of a song's stem is the target, so no transcription is needed. The layout below is
the model contract's control layout (written into model.json by the export and read by the Node
engine's decoder); change it only with a new model format version.

Per frame, in this order (`LAYOUT`):
  drums  onset[9] offset[9] velocity[9]     a hit per kit lane; offset = where in the frame (0–1)
  bass   onset held offset velocity pitch[40]   monophonic; pitch = MIDI 28 + argmax
  keys   onset held offset velocity pc[12]       a chord: attack, pitch classes held, voiced by the decoder
  beat   sin cos                            auxiliary: the beat phase at the frame's start, as heard
Onsets and held flags are logits (> 0 means yes); offset and velocity are in [0, 1].
"""

from __future__ import annotations

import numpy as np

FRAME_S = 0.04
INSTRUMENTS = ("drums", "bass", "keys")

# Kit lanes: the GM key played, and the GM keys folded onto it.
DRUM_LANES = (
    (36, (35, 36)),  # kick
    (38, (38, 39, 40)),  # snare, clap
    (37, (37,)),  # side stick
    (42, (42, 44)),  # closed / pedal hi-hat
    (46, (46,)),  # open hi-hat
    (51, (51, 53, 59)),  # ride
    (49, (49, 52, 55, 57)),  # crash
    (45, (41, 43, 45)),  # low tom
    (48, (47, 48, 50)),  # high tom
)
BASS_LOW, BASS_PITCHES = 28, 40  # E1 … G4
N_LANES = len(DRUM_LANES)


def _layout() -> dict[str, tuple[int, int]]:
    sizes = [("drums_onset", N_LANES), ("drums_offset", N_LANES), ("drums_velocity", N_LANES),
             ("bass_onset", 1), ("bass_held", 1), ("bass_offset", 1), ("bass_velocity", 1), ("bass_pitch", BASS_PITCHES),
             ("keys_onset", 1), ("keys_held", 1), ("keys_offset", 1), ("keys_velocity", 1), ("keys_pc", 12),
             ("beat", 2)]
    out, at = {}, 0
    for name, n in sizes:
        out[name] = (at, at + n)
        at += n
    return out


LAYOUT = _layout()
CONTROL_SIZE = max(end for _, end in LAYOUT.values())


def block(name: str) -> slice:
    a, b = LAYOUT[name]
    return slice(a, b)


def _lane_of(key: int) -> int | None:
    for lane, (_, keys) in enumerate(DRUM_LANES):
        if key in keys:
            return lane
    return None


def control_targets(notes: np.ndarray, instrument: str, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """notes [N, 4] (start_s, end_s, pitch, velocity) -> (targets [n, CONTROL_SIZE], mask [n, CONTROL_SIZE]).

    The mask says which entries carry a loss: onsets and held flags always (for this instrument),
    offsets and velocities only where an onset is, pitch where a note sounds."""
    y = np.zeros((n_frames, CONTROL_SIZE), np.float32)
    m = np.zeros((n_frames, CONTROL_SIZE), np.float32)
    notes = notes[np.argsort(notes[:, 0], kind="stable")] if len(notes) else notes
    if instrument == "drums":
        m[:, block("drums_onset")] = 1
        for start, _, key, vel in notes:
            lane, f = _lane_of(int(key)), int(start // FRAME_S)
            if lane is None or not 0 <= f < n_frames or y[f, LAYOUT["drums_onset"][0] + lane]:
                continue  # the first hit of a lane in a frame sets its time
            y[f, LAYOUT["drums_onset"][0] + lane] = 1
            for name, value in (("drums_offset", start / FRAME_S - f), ("drums_velocity", vel / 127)):
                y[f, LAYOUT[name][0] + lane] = value
                m[f, LAYOUT[name][0] + lane] = 1
        return y, m
    onset, held, offset, velocity = (LAYOUT[f"{instrument}_{k}"][0] for k in ("onset", "held", "offset", "velocity"))
    m[:, [onset, held]] = 1
    mids = (np.arange(n_frames) + 0.5) * FRAME_S
    for start, end, pitch, vel in notes:
        f0 = int(start // FRAME_S)
        f1 = min(n_frames, int(np.ceil(end / FRAME_S)))
        if f0 >= n_frames or f1 <= 0:
            continue
        if 0 <= f0 and not y[f0, onset]:
            y[f0, [onset, offset, velocity]] = [1, start / FRAME_S - f0, vel / 127]
            m[f0, [offset, velocity]] = 1
        sounding = np.arange(max(f0, 0), f1)
        sounding = sounding[(mids[sounding] < end) | (sounding == f0)]
        y[sounding, held] = 1
        if instrument == "bass":
            p = int(pitch)
            while p < BASS_LOW:
                p += 12
            while p >= BASS_LOW + BASS_PITCHES:
                p -= 12
            pb = block("bass_pitch")
            y[sounding, pb] = 0  # the latest note wins: monophonic
            y[sounding, pb.start + p - BASS_LOW] = 1
            m[sounding, pb] = 1
        else:
            pc = block("keys_pc")
            y[sounding, pc.start + int(pitch) % 12] = 1
            m[sounding, pc] = 1
    return y, m


def beat_conditioning(beat_times: np.ndarray, beats_per_bar: int, n_frames: int, present: bool) -> np.ndarray:
    """The metronome's grid as the generator gets it, at each output frame's start:
    [grid on, beat phase, sin, cos, beats per frame ·10, bar phase, sin, cos, meter / 8] (zeros when off)."""
    out = np.zeros((n_frames, COND_GRID), np.float32)
    if not present or len(beat_times) < 2:
        return out
    t = np.arange(n_frames) * FRAME_S
    # beat index as a continuous function of time, extrapolated at the song's edge tempo
    idx = np.interp(t, beat_times, np.arange(len(beat_times)), left=np.nan, right=np.nan)
    first_period = beat_times[1] - beat_times[0]
    last_period = beat_times[-1] - beat_times[-2]
    lo, hi = t < beat_times[0], t > beat_times[-1]
    idx[lo] = (t[lo] - beat_times[0]) / first_period
    idx[hi] = len(beat_times) - 1 + (t[hi] - beat_times[-1]) / last_period
    rate = np.gradient(idx) if n_frames > 1 else np.zeros(n_frames)
    phase = idx - np.floor(idx)
    bar = (idx / beats_per_bar) - np.floor(idx / beats_per_bar)
    two_pi = 2 * np.pi
    out[:] = np.stack([np.ones(n_frames), phase, np.sin(two_pi * phase), np.cos(two_pi * phase), rate * 10,
                       bar, np.sin(two_pi * bar), np.cos(two_pi * bar), np.full(n_frames, beats_per_bar / 8)], 1)
    return out


COND_GRID = 9
COND_SIZE = 1 + COND_GRID  # t_f (s / 0.2) then the grid


def beat_targets(beat_times: np.ndarray, n_frames: int) -> np.ndarray:
    """sin/cos of the beat phase at each frame's start (the auxiliary head's target)."""
    g = beat_conditioning(beat_times, 4, n_frames, True)
    return g[:, 2:4]
