"""The structured accompanist's pieces: features stream = features in parallel, targets decode back
to the notes, the generator is causal, and the exported graphs compute what torch computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from bandmate_ml.data.control_decoder import Thresholds, decode, voice_chord
from bandmate_ml.data.control_frames import LAYOUT, beat_conditioning, control_targets
from bandmate_ml.data.control_pairs import conditioning, delay_hops
from bandmate_ml.features.mix_features import HOP, HOP_FEATURES, MixFeatureExtractor, frames_from_hops
from bandmate_ml.models.control_generator import ControlGenerator

SR = 24000


def _music(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    tone = 0.1 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 0.5 * t))
    clicks = 0.2 * rng.standard_normal(len(t)) * ((t % 0.5) < 0.02)
    return (tone + clicks).astype(np.float32)


@pytest.mark.parametrize("delay", [0, 12, 17])
def test_streaming_features_equal_parallel_features_delayed(delay):
    fx = MixFeatureExtractor()
    audio = _music(2.0)
    hops = fx.song_features(audio)
    delayed = np.concatenate([np.zeros(delay * HOP, np.float32), audio])
    state = fx.initial_state()
    frames = []
    for i in range(len(delayed) // 960):
        f, *state = fx(torch.from_numpy(delayed[i * 960:(i + 1) * 960])[None], *state)
        frames.append(f[0, 0].numpy())
    assert np.abs(np.stack(frames) - frames_from_hops(hops, delay, len(frames))).max() < 1e-4


def test_features_hear_pitch_and_onsets():
    fx = MixFeatureExtractor()
    hops = fx.song_features(_music(2.0))
    chroma_1s = hops[-1, 24:36]
    assert int(np.argmax(chroma_1s)) == 9  # A
    flux = hops[:, 48:56].sum(1)
    clicks = np.arange(len(hops)) * HOP / SR % 0.5 < 0.03
    assert flux[clicks].mean() > 5 * flux[~clicks].mean()
    assert np.all(fx.song_features(np.zeros(SR, np.float32)) == 0)  # silence is all zeros (delays shift exactly)


def _logits(y: np.ndarray) -> np.ndarray:
    out = np.where(y > 0.5, 6.0, -6.0).astype(np.float32)
    for name in LAYOUT:
        if name.endswith("offset") or name.endswith("velocity"):
            a, b = LAYOUT[name]
            out[:, a:b] = y[:, a:b]
    return out


def test_targets_decode_back_to_the_notes():
    bass = np.array([[0.013, 0.45, 40, 100], [0.5, 0.95, 45, 80], [1.0, 1.4, 47, 90]])
    events = decode(_logits(control_targets(bass, "bass", 40)[0]), "bass", 960)
    ons = [(e.sample, e.key, e.velocity) for e in events if e.on]
    assert [k for _, k, _ in ons] == [40, 45, 47]
    assert all(abs(s - st * SR) < 2 for (s, _, _), st in zip(ons, bass[:, 0]))
    drums = np.array([[0.0, 0.1, 36, 100], [0.25, 0.3, 42, 60], [0.5, 0.6, 38, 110], [0.5, 0.6, 44, 50]])
    events = decode(_logits(control_targets(drums, "drums", 20)[0]), "drums", 960)
    assert [(e.sample, e.key) for e in events] == [(0, 36), (6000, 42), (12000, 38), (12000, 42)]


def test_a_held_part_moves_to_the_new_pitch_after_revoice_frames():
    """One held frame sequence: C (frames 0-9) whose pitch logits turn to F at frame 5 without a new onset."""
    for inst, pitches in (("bass", [(36, 0, 5), (41, 5, 10)]), ("keys", [(60, 0, 5), (64, 0, 5), (67, 0, 5), (65, 5, 10), (69, 5, 10), (72, 5, 10)])):
        notes = np.array([[f0 * 0.04, f1 * 0.04, p, 100] for p, f0, f1 in pitches])
        y = _logits(control_targets(notes, inst, 10)[0])
        on = LAYOUT[f"{inst}_onset"][0]
        y[5, on] = -5.0  # the change is heard, not struck: no onset at frame 5
        held = [e for e in decode(y, inst, 960) if e.on]
        assert {e.sample for e in held} == {0}, inst  # without revoicing the first notes ring on
        moved = [e for e in decode(y, inst, 960, Thresholds(revoice_frames=2)) if e.on]
        assert {e.sample for e in moved} == {0, 6 * 960}, inst  # the second frame of the new pitch
        assert {e.key % 12 for e in moved if e.sample > 0} == ({5} if inst == "bass" else {5, 9, 0}), inst
        # With a beat grid the new notes wait for the next eighth: 120 BPM, 40 ms frames (0.08 beats),
        # beat phase 0.1 at frame 0. The move is due at frame 6 (phase 0.58); the next eighth, the beat
        # at phase 1.0, falls in frame 11 (phase 0.98 at its start), a quarter of the frame in.
        cond = conditioning(-0.12, np.arange(-0.05, 5, 0.5), 4, 12, True)
        grid = sorted({e.sample for e in decode(np.concatenate([y, y[-2:]]), inst, 960, Thresholds(revoice_frames=2), cond) if e.on})
        assert grid[0] == 0 and len(grid) == 2 and abs(grid[1] - (11 * 960 + 240)) <= 1, (inst, grid)


def test_keys_are_voiced_near_the_previous_chord():
    first = voice_chord([0, 4, 7], [])
    second = voice_chord([5, 9, 0], first)
    assert all(55 <= p < 79 for p in first + second)
    assert abs(np.mean(second) - np.mean(first)) < 4


def test_beat_grid_conditioning():
    beats = np.arange(0, 10, 0.5)  # 120 BPM
    g = beat_conditioning(beats, 4, 50, True)
    assert g[0, 1] == pytest.approx(0.0) and g[5, 1] == pytest.approx(0.4)
    assert g[10, 4] == pytest.approx(0.8)  # 0.08 beats per 40 ms frame, ×10
    assert np.all(beat_conditioning(beats, 4, 50, False) == 0)
    assert conditioning(-0.12, beats, 4, 3, True)[0, 0] == pytest.approx(-0.6)
    assert delay_hops(-0.12) == 16 and delay_hops(-0.08) == 12
    with pytest.raises(ValueError):
        delay_hops(-0.125)


def test_generator_is_causal_and_streams_like_its_parallel_pass():
    torch.manual_seed(0)
    gen = ControlGenerator(4 * HOP_FEATURES, d_model=32, layers=2, heads=2, kv_heads=1, ffn_hidden=48, window=8).eval()
    n = 20
    f, c, z = torch.randn(1, n, gen.feature_size), torch.randn(1, n, 10), torch.randn(1, n, gen.noise_size)
    inst = torch.tensor([1])
    with torch.no_grad():
        full, _ = gen(f, c, z, inst, gen.initial_state())
        f2 = f.clone()
        f2[:, 12:] += 1.0
        changed, _ = gen(f2, c, z, inst, gen.initial_state())
        state, steps = gen.initial_state(), []
        for i in range(n):
            y, state = gen(f[:, i:i + 1], c[:, i:i + 1], z[:, i:i + 1], inst, state)
            steps.append(y)
    assert torch.equal(full[:, :12], changed[:, :12]) and not torch.equal(full[:, 12:], changed[:, 12:])
    assert (torch.cat(steps, 1) - full).abs().max() < 1e-4


def test_the_critic_sees_targets_as_they_are_and_outputs_as_decided():
    from bandmate_ml.losses.control import as_played

    bass = np.array([[0.013, 0.45, 40, 100], [0.5, 0.95, 45, 80]])
    y = torch.from_numpy(control_targets(bass, "bass", 30)[0])[None]
    played = as_played(y, torch.tensor([1]), logits=False)
    a, b = LAYOUT["bass_onset"][0], LAYOUT["bass_pitch"][1]
    assert torch.equal(played[..., a:b], y[..., a:b])
    assert played[..., : LAYOUT["drums_velocity"][1]].abs().sum() == 0  # other instruments' blocks are zero
    logits = torch.from_numpy(_logits(y[0].numpy()))[None].requires_grad_(True)
    decided = as_played(logits, torch.tensor([1]), logits=True)
    assert torch.allclose(decided[..., a:b], y[..., a:b])
    decided.sum().backward()
    assert logits.grad.abs().sum() > 0  # straight-through: the critic's gradient reaches the generator
