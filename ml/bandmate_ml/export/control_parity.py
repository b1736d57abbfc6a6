"""The exported structured model computes what torch trained: the features and generator graphs
streamed frame by frame in onnxruntime, as the engine runs them, against torch's parallel pass."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..data.control_frames import INSTRUMENTS
from ..data.control_pairs import conditioning, delay_hops
from ..features.beat_tracker import HOPS_PER_FRAME, BeatTracker, TrackerConfig, grid_row, onset_strength, tracked_grid
from ..features.mix_features import HOP_FEATURES, MixFeatureExtractor, frames_from_hops
from .engine_noise import engine_noise
from .ort_runner import StreamingGraph


def stream_onnx(model_dir: Path, mix: np.ndarray, inst: str, tf_s: float, seed: int, beat_times, beats_per_bar: int,
                grid_on: bool) -> np.ndarray:
    """Control frames [n, C] from the exported graphs, streamed one frame at a time as the engine does
    (without a grid, the beat tracker hears each frame's features after its step)."""
    m = json.loads((model_dir / "model.json").read_text())
    spf = m["samplesPerFrame"]
    feats = StreamingGraph(model_dir / m["graphs"]["features"]["file"], "features", m["graphs"]["features"]["state"])
    gen = StreamingGraph(model_dir / m["graphs"]["generator"]["file"], "control", m["graphs"]["generator"]["state"])
    delay = delay_hops(tf_s) * 240
    heard = np.concatenate([np.zeros(delay, np.float32), mix.astype(np.float32)])[: len(mix)]
    n = len(mix) // spf
    cond = conditioning(tf_s, beat_times, beats_per_bar, n, grid_on)
    noise = engine_noise(seed, n, m["noiseSize"]).reshape(n, m["noiseSize"])
    inst_idx = np.array([m["instruments"].index(inst)], np.int64)
    tracker = None if grid_on or "beatTracker" not in m else BeatTracker(TrackerConfig(), delay_hops(tf_s))
    out = []
    for i in range(n):
        if tracker is not None and (g := tracker.grid(i)) is not None:
            cond[i, 1:] = grid_row(g, TrackerConfig())
        f = feats.step(heard[None, i * spf:(i + 1) * spf])
        out.append(gen.step(f, cond[None, i:i + 1], noise[None, i:i + 1].astype(np.float32), inst_idx)[0, 0])
        if tracker is not None:
            tracker.push(onset_strength(f.reshape(HOPS_PER_FRAME, HOP_FEATURES)))
    return np.stack(out)



def torch_parallel(gen, mix: np.ndarray, inst: str, tf_s: float, seed: int, beat_times, beats_per_bar: int,
                   grid_on: bool) -> np.ndarray:
    n = len(mix) // 960
    hops = MixFeatureExtractor().song_features(mix.astype(np.float32))
    feats = frames_from_hops(hops, delay_hops(tf_s), n)
    cond = conditioning(tf_s, beat_times, beats_per_bar, n, grid_on)
    if not grid_on:
        cond[:, 1:] = tracked_grid(onset_strength(hops), delay_hops(tf_s), n)
    noise = engine_noise(seed, n, gen.noise_size).reshape(1, n, gen.noise_size)
    with torch.no_grad():
        y, _ = gen(torch.from_numpy(feats)[None], torch.from_numpy(cond)[None], torch.from_numpy(noise).float(),
                   torch.tensor([INSTRUMENTS.index(inst)]), gen.initial_state(1))
    return y[0].numpy()
