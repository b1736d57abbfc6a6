"""The structured model computes the same control frames in torch (training's parallel pass),
onnxruntime in Python (streamed frame by frame) and the Node engine (apps/inference, the engine's own
delay, conditioning, seeded noise and state), over 20 s with the metronome's beat grid and with the
beat tracker's."""

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from bandmate_ml.export.control_package import SHIPPED_SOUNDFONT as SOUNDFONT, package_control_model
from bandmate_ml.export.control_parity import stream_onnx, torch_parallel
from bandmate_ml.export.parity import REPO, node_engine_available
from bandmate_ml.features.beat_tracker import onset_strength, tracked_grid
from bandmate_ml.features.mix_features import HOP_FEATURES, MixFeatureExtractor
from bandmate_ml.models.control_generator import ControlGenerator
from conftest import ML_ROOT

needs_node = pytest.mark.skipif(not node_engine_available() or not SOUNDFONT.exists(),
                                reason="node + repo node_modules and the shipped SoundFont needed")
SR, BPM = 24000, 120.0


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    cfg = yaml.safe_load((ML_ROOT / "configs" / "structured_smoke.yaml").read_text())
    torch.manual_seed(3)
    gen = ControlGenerator.from_config(cfg["generator"], 4 * HOP_FEATURES).eval()
    out = tmp_path_factory.mktemp("control_model")
    package_control_model(out, cfg, gen, SOUNDFONT)
    return out, gen


def music(seconds: float) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * SR)) / SR
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) * 0.05 * (1 + (t % 2 < 1))
    clicks = 0.3 * rng.standard_normal(len(t)) * ((t % 0.5) < 0.015)
    return (chord + clicks).astype(np.float32)


@needs_node
@pytest.mark.parametrize("instrument,grid", [("drums", True), ("bass", False), ("keys", True)])
def test_torch_onnxruntime_and_node_engine_compute_the_same_control_frames(exported, instrument, grid):
    model_dir, gen = exported
    audio = music(20.0)
    beats = np.arange(0, 25, 60 / BPM)
    tf = -0.1
    o = stream_onnx(model_dir, audio, instrument, tf, 7, beats, 4, grid)
    t = torch_parallel(gen, audio, instrument, tf, 7, beats, 4, grid)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        audio.tofile(src)
        args = ["node", "--import", "tsx", "ml/scripts/engine_controls.ts", "--model", str(model_dir), "--input", str(src),
                "--output", str(dst), f"--tf={tf}", "--seed", "7", "--instrument", instrument]
        r = subprocess.run(args + (["--bpm", str(BPM)] if grid else []), cwd=REPO, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-2000:]
        info = json.loads(r.stdout.strip().splitlines()[-1])
        n = np.fromfile(dst, np.float32).reshape(-1, o.shape[1])
    assert info["delaySamples"] == 3360
    assert len(o) == 500 and len(n) == 503  # the engine also steps the frames its delay holds back
    n = n[:500]
    assert np.abs(t - o).max() < 1e-3, "torch vs onnxruntime"
    assert np.abs(n - o).max() < 1e-5, "onnxruntime (Python) vs the Node engine"
    assert np.abs(o).max() > 0.1  # not trivially zero
    if not grid:  # the engine's beat tracker gave the generator a grid after its warm-up, the same in all three
        heard = tracked_grid(onset_strength(MixFeatureExtractor().song_features(audio)), 4 + 10, 500)
        assert heard[100:, 0].mean() > 0.9 and abs(heard[200, 4] / 10 - 0.04 * BPM / 60) < 0.002
