"""torch vs onnxruntime (Python) vs the Node engine (apps/inference), step by step over 30 s of streaming.

Tolerances: bandmate_ml.export.parity.TOL (torch–onnxruntime: ≤ 1e-2 on latents, ≤ 1e-4 on audio, RMS error
≤ 1e-3 of the signal's RMS; onnxruntime Python–Node engine: ≤ 1e-6, measured bit-identical). The Node leg runs
the engine's own code (ml/scripts/engine_stream.ts) with its seeded noise, reproduced bit for bit in Python.
"""

import json
import subprocess

import numpy as np
import pytest

from bandmate_ml.export.engine_noise import EngineNoise
from bandmate_ml.export.parity import (REPO, check, node_engine_available, stream_node_engine, stream_onnxruntime,
                                       stream_torch)
from conftest import ML_ROOT, SPF, SR, TF

SHIPPED = ML_ROOT.parent / "models" / "audio-latent"
needs_node = pytest.mark.skipif(not node_engine_available(), reason="node + repo node_modules (tsx, onnxruntime-node) needed")
K = SPF / SR


def signal(seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * 220 * t) * (np.floor(t * 4) % 2 == 0) + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


@needs_node
def test_engine_noise_is_reproduced_bit_for_bit():
    script = ("import { GaussianNoise } from './apps/inference/src/engine/gaussian-noise.ts';"
              "const g = new GaussianNoise(123456789); process.stdout.write(JSON.stringify(Array.from(g.fill(new Float32Array(4097)))));")
    r = subprocess.run(["node", "--import", "tsx", "--input-type=module", "-e", script], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.array(json.loads(r.stdout), np.float32), EngineNoise(123456789).fill(4097))


@needs_node
def test_torch_onnxruntime_and_node_engine_agree_over_30s(exported, tiny_ae, tiny_gen):
    m = json.loads((exported / "model.json").read_text())
    audio = signal(30.0)
    t = stream_torch(tiny_ae, tiny_gen, m, audio, TF, K, seed=5, instrument=1)
    o = stream_onnxruntime(exported, audio, TF, K, seed=5, instrument=1)
    n = stream_node_engine(exported, audio, TF, K, seed=5, instrument=m["instruments"][1])
    assert n["info"]["delayFrames"] == 4 and n["info"]["steps"] >= 750
    for what, a, b, rows in (("mix latents", t["z"], o["z"], 1), ("accompaniment latents", t["a"], o["a"], 1),
                             ("audio", t["y"], o["y"], SPF)):
        c = check(a, b, "torch-onnxruntime", what, rows)
        assert c["steps"] == 750 and c["ok"], (what, c)
    c = check(o["y"], n["y"], "onnxruntime-node", "audio", SPF)
    assert c["steps"] == 750 and c["ok"], c
    assert np.abs(o["y"]).max() > 1e-3  # not trivially silent


@needs_node
@pytest.mark.skipif(not (SHIPPED / "model.json").exists(), reason="no shipped model")
def test_shipped_model_onnxruntime_and_node_engine_agree_over_30s():
    m = json.loads((SHIPPED / "model.json").read_text())
    tf, inst = m["trainedTf"]["max"], 1
    audio = signal(30.0, seed=1)
    o = stream_onnxruntime(SHIPPED, audio, tf, K, seed=9, instrument=inst)
    n = stream_node_engine(SHIPPED, audio, tf, K, seed=9, instrument=m["instruments"][inst])
    c = check(o["y"], n["y"], "onnxruntime-node", "audio", SPF)
    assert c["steps"] == 750 and c["ok"], c
