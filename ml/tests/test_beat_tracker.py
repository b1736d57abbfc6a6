"""The beat tracker (the grid a control model gets without a metronome) finds and follows the beat."""

import numpy as np

from bandmate_ml.features.beat_tracker import TrackerConfig, tracked_grid
from bandmate_ml.features.click_onsets import click_onsets

LEAD = 16  # t_f = −0.12 s with one-frame chunks


def _errors(grid: np.ndarray, beats: np.ndarray, frames: range) -> tuple[np.ndarray, np.ndarray]:
    """Phase error (ms) and tempo ratio of the tracked grid against the true beats, per frame."""
    errs, ratios = [], []
    for i in frames:
        t = i * 0.04
        k = np.searchsorted(beats, t, side="right") - 1
        period = beats[k + 1] - beats[k]
        true_phase = (t - beats[k]) / period
        e = (grid[i, 1] - true_phase + 0.5) % 1.0 - 0.5
        errs.append(e * period * 1000)
        ratios.append(grid[i, 4] / 10 / (0.04 / period))
    return np.abs(np.array(errs)), np.array(ratios)


def test_locks_onto_a_steady_beat_within_a_few_seconds():
    onsets, beats = click_onsets([(20, 104)], seed=1)
    grid = tracked_grid(onsets, LEAD, 480)
    assert not grid[:70, 0].any(), "no grid before the warm-up"
    errs, ratios = _errors(grid, beats, range(125, 480))  # from 5 s
    assert grid[125:, 0].all()
    assert np.median(errs) < 10 and np.percentile(errs, 90) < 20, np.median(errs)
    assert np.all(np.abs(ratios - 1) < 0.03)


def test_follows_a_tempo_change_and_ignores_silence():
    onsets, beats = click_onsets([(12, 120), (14, 90), (6, 0)], seed=2)
    grid = tracked_grid(onsets, LEAD, 800)
    errs, ratios = _errors(grid, beats, range(430, 625))  # 5 s after the change (half the window must hear it), to the last beat
    assert np.median(errs) < 15 and np.all(np.abs(ratios - 1) < 0.04)
    assert not grid[-50:, 0].any(), "silence: no grid"


def test_a_lower_confidence_floor_is_a_setting():
    onsets = np.abs(np.random.default_rng(3).normal(0, 0.1, 1500))  # noise: no beat
    assert tracked_grid(onsets, LEAD, 370, TrackerConfig(min_confidence=0.5))[:, 0].sum() == 0
