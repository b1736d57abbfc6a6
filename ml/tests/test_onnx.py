"""torch vs onnxruntime (Python): step by step and over 30 s of streaming, plus the shipped model.

Tolerance: 1e-4 absolute on latents and audio, fp32 (measured differences are ~1e-6).
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bandmate_ml.export.manifest import ManifestError, validate_manifest
from bandmate_ml.export.ort_runner import StreamingModel
from bandmate_ml.export.package import package_model
from conftest import ML_ROOT, SPF, SR

TOL = 1e-4
SHIPPED = ML_ROOT.parent / "models" / "audio-latent"


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_ae, tiny_gen):
    out = tmp_path_factory.mktemp("model")
    cfg = {"name": "test", "version": "0", "sample_rate": SR, "samples_per_frame": SPF, "generator": {"tf_s": -0.12}}
    package_model(out, cfg, tiny_ae, tiny_gen, frames=1, card={"test": True}, int8=True)
    return out


def test_manifest_follows_contract(exported):
    m = json.loads((exported / "model.json").read_text())
    validate_manifest(m)
    assert m["graphs"]["generator"]["state"][-1] == {"name": "cache_len", "shape": [1], "dtype": "int64"}
    bad = dict(m, extra=1)
    with pytest.raises(ManifestError):
        validate_manifest(bad)
    with pytest.raises(ManifestError):
        validate_manifest(dict(m, trainedTf={"min": 0.1, "max": 0.1}))


@torch.no_grad()
def test_torch_and_onnxruntime_agree_step_by_step_for_30s(exported, tiny_ae, tiny_gen):
    model = StreamingModel(exported)
    frames = 30 * SR // SPF  # 750 steps: the generator window (16) rolls over ~47 times
    rng = np.random.default_rng(0)
    t = np.arange(frames * SPF) / SR
    audio = (0.3 * np.sin(2 * np.pi * 220 * t) * (rng.random(frames * SPF) > 0.5) + 0.05 * rng.standard_normal(frames * SPF))
    audio = audio.astype(np.float32)[None]
    noise = rng.standard_normal((1, frames, tiny_gen.noise_size)).astype(np.float32)
    inst = np.array([3], np.int64)
    es, gs, ds = tiny_ae.encoder.initial_state(1), tiny_gen.initial_state(1), tiny_ae.decoder.initial_state(1)
    worst = {"latents": 0.0, "accompaniment": 0.0, "audio": 0.0}
    ort_audio = []
    for i in range(frames):
        chunk = audio[:, i * SPF:(i + 1) * SPF]
        z_t, es = tiny_ae.encoder(torch.from_numpy(chunk), es)
        a_t, gs = tiny_gen(z_t, torch.from_numpy(noise[:, i:i + 1]), torch.from_numpy(inst), gs)
        y_t, ds = tiny_ae.decoder(a_t, ds)
        z_o = model.encoder.step(chunk)
        a_o = model.generator.step(z_o, noise[:, i:i + 1], inst)
        y_o = model.decoder.step(a_o)
        ort_audio.append(y_o)
        for key, (x, y) in {"latents": (z_t, z_o), "accompaniment": (a_t, a_o), "audio": (y_t, y_o)}.items():
            worst[key] = max(worst[key], float(np.abs(x.numpy() - y).max()))
    assert all(v < TOL for v in worst.values()), worst
    # the ONNX stream also equals the torch *parallel* (training) pass over the whole 30 s
    z = tiny_ae.encode(torch.from_numpy(audio))
    a, _ = tiny_gen(z, torch.from_numpy(noise), torch.from_numpy(inst), tiny_gen.initial_state(1))
    y = tiny_ae.decode(a)
    assert np.abs(np.concatenate(ort_audio, 1) - y.numpy()).max() < TOL
    # ORT state: cache_len saturates at the window
    assert int(model.generator.state["cache_len"][0]) == tiny_gen.window


def test_int8_generator_close_to_fp32(exported):
    m32 = StreamingModel(exported)
    m8 = StreamingModel(exported, generator_file="generator.int8.onnx")
    rng = np.random.default_rng(1)
    errs, scale = [], []
    for _ in range(200):
        mix = rng.standard_normal((1, 1, 8)).astype(np.float32)
        noise = rng.standard_normal((1, 1, 4)).astype(np.float32)
        a = m32.generator.step(mix, noise, np.array([1]))
        b = m8.generator.step(mix, noise, np.array([1]))
        errs.append(np.abs(a - b).mean())
        scale.append(np.abs(a).mean())
    assert np.mean(errs) / np.mean(scale) < 0.1


@pytest.mark.skipif(not (SHIPPED / "model.json").exists(), reason="no shipped model yet")
def test_shipped_model_runs_under_contract():
    m = json.loads((SHIPPED / "model.json").read_text())
    validate_manifest(m)
    total = sum(p.stat().st_size for p in SHIPPED.iterdir())
    assert total <= 25 * 1024 * 1024
    model = StreamingModel(SHIPPED)
    spf, Z, D = m["samplesPerFrame"], m["noiseSize"], m["latentSize"]
    rng = np.random.default_rng(0)
    outs = []
    for _ in range(10 * m["sampleRate"] // spf):  # 10 s
        z = model.encoder.step((0.1 * rng.standard_normal((1, spf))).astype(np.float32))
        assert z.shape == (1, 1, D)
        a = model.generator.step(z, rng.standard_normal((1, 1, Z)).astype(np.float32), np.array([1], np.int64))
        outs.append(model.decoder.step(a))
    y = np.concatenate(outs, 1)
    assert y.shape == (1, 250 * spf) and np.isfinite(y).all() and np.abs(y).max() <= 1.0
    for g in m["graphs"].values():  # every declared state really is an input and an `_next` output
        import onnx
        graph = onnx.load(str(SHIPPED / g["file"])).graph
        ins, outs_ = {i.name for i in graph.input}, {o.name for o in graph.output}
        for s in g["state"]:
            assert s["name"] in ins and s["name"] + "_next" in outs_


TSX = ML_ROOT.parent / "node_modules" / ".bin" / "tsx"


@pytest.mark.skipif(not TSX.exists(), reason="repo node_modules (tsx, zod) not installed")
def test_manifest_passes_the_engines_zod_schema(exported, tmp_path):
    """The same model.json through packages/shared's zod schema, as the Node engine will parse it."""
    import subprocess

    script = ML_ROOT / "scripts" / "check_contract.ts"
    ok = subprocess.run([str(TSX), str(script), str(exported / "model.json")], capture_output=True, text=True, cwd=ML_ROOT.parent)
    assert ok.returncode == 0, ok.stderr
    bad = json.loads((exported / "model.json").read_text())
    bad["graphs"]["encoder"]["state"][0]["name"] = "1bad"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    ko = subprocess.run([str(TSX), str(script), str(tmp_path / "bad.json")], capture_output=True, text=True, cwd=ML_ROOT.parent)
    assert ko.returncode == 1 and "identifiers" in ko.stderr
    if (SHIPPED / "model.json").exists():
        shipped = subprocess.run([str(TSX), str(script), str(SHIPPED / "model.json")], capture_output=True, text=True, cwd=ML_ROOT.parent)
        assert shipped.returncode == 0, shipped.stderr
