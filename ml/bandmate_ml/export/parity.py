"""torch vs onnxruntime (Python) vs the Node engine on the same input, step by step.

All three legs compute the engine's formulation (bandmate_ml.timing): the mix audio delayed by
D = k − t_f frames of silence, then encoder → generator → decoder k frames per step, with the
engine's seeded noise (bandmate_ml.export.engine_noise reproduces apps/inference's GaussianNoise bit
for bit). The Node leg runs the real engine (ml/scripts/engine_stream.ts: AccompanimentStream,
StepBatcher, worker-thread onnxruntime-node) at the model's sample rate, so no resampler is involved.
The Node engine exposes only audio; torch and Python onnxruntime are also compared on the latents.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..eval.accompaniment import delay_audio
from ..timing import frames_exact, mix_delay_samples
from .engine_noise import engine_noise
from .ort_runner import StreamingModel

REPO = Path(__file__).resolve().parents[3]
ENGINE_SCRIPT = REPO / "ml" / "scripts" / "engine_stream.ts"

# Tolerances. torch vs onnxruntime: fp32 kernels differ (~1e-6 per op); through the 4-layer attention a
# near-tie can amplify that locally (measured worst on the chained stream: 5.6e-3 on accompaniment latents of
# RMS 0.68, 2.6e-5 on audio), so: max |diff| ≤ 1e-2 on latents, ≤ 1e-4 on audio, and RMS error ≤ 1e-3 of the
# signal's RMS everywhere. onnxruntime (Python) vs the Node engine: the same runtime version and graphs,
# measured bit-identical: max |diff| ≤ 1e-6 on audio.
TOL = {"torch-onnxruntime": {"latents": 1e-2, "audio": 1e-4, "rel_rms": 1e-3},
       "onnxruntime-node": {"audio": 1e-6, "rel_rms": 1e-6}}


def node_engine_available() -> bool:
    return shutil.which("node") is not None and (REPO / "node_modules" / "tsx").exists() and \
        (REPO / "node_modules" / "onnxruntime-node").exists()


def _prepare(manifest: dict, audio: np.ndarray, tf_s: float, k_s: float, seed: int):
    spf, sr = manifest["samplesPerFrame"], manifest["sampleRate"]
    k = frames_exact(k_s, spf / sr, "k")
    n_frames = len(audio) // spf // k * k
    audio = audio[:n_frames * spf].astype(np.float32)
    heard = delay_audio(audio, mix_delay_samples(tf_s, sr, spf, k)).astype(np.float32)
    noise = engine_noise(seed, n_frames, manifest["noiseSize"])
    return audio, heard, noise, k, n_frames


def stream_onnxruntime(model_dir: Path, audio: np.ndarray, tf_s: float, k_s: float, seed: int, instrument: int) -> dict:
    """Python onnxruntime, as the engine: returns per-frame latents z [n, D], accompaniment latents a [n, D], audio y."""
    model = StreamingModel(model_dir)
    m = model.manifest
    audio, heard, noise, k, n = _prepare(m, audio, tf_s, k_s, seed)
    spf = m["samplesPerFrame"]
    inst = np.array([instrument], np.int64)
    zs, accs, ys = [], [], []
    for i in range(0, n, k):
        z = model.encoder.step(heard[None, i * spf:(i + k) * spf])
        a = model.generator.step(z, noise[:, i:i + k], inst)
        ys.append(model.decoder.step(a)[0])
        zs.append(z[0])
        accs.append(a[0])
    return {"z": np.concatenate(zs), "a": np.concatenate(accs), "y": np.concatenate(ys), "k": k}


def stream_torch(ae, gen, manifest: dict, audio: np.ndarray, tf_s: float, k_s: float, seed: int, instrument: int) -> dict:
    """The torch modules (as trained), streamed step by step with explicit state, same inputs."""
    import torch

    audio, heard, noise, k, n = _prepare(manifest, audio, tf_s, k_s, seed)
    spf = manifest["samplesPerFrame"]
    es, gs, ds = ae.encoder.initial_state(1), gen.initial_state(1), ae.decoder.initial_state(1)
    inst = torch.tensor([instrument])
    zs, accs, ys = [], [], []
    with torch.no_grad():
        for i in range(0, n, k):
            z, es = ae.encoder(torch.from_numpy(heard[None, i * spf:(i + k) * spf]), es)
            a, gs = gen(z, torch.from_numpy(noise[:, i:i + k]), inst, gs)
            y, ds = ae.decoder(a, ds)
            zs.append(z[0].numpy())
            accs.append(a[0].numpy())
            ys.append(y[0].numpy())
    return {"z": np.concatenate(zs), "a": np.concatenate(accs), "y": np.concatenate(ys), "k": k}


def stream_node_engine(model_dir: Path, audio: np.ndarray, tf_s: float, k_s: float, seed: int, instrument: str,
                       timeout: float = 600) -> dict:
    """The Node engine (ml/scripts/engine_stream.ts) on the same audio: returns its audio and its resolved settings."""
    manifest = json.loads((Path(model_dir) / "model.json").read_text())
    audio, _, _, k, n = _prepare(manifest, audio, tf_s, k_s, seed)
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.f32", Path(tmp) / "out.f32"
        audio.astype("<f4").tofile(inp)
        cmd = ["node", "--import", "tsx", str(ENGINE_SCRIPT), "--model", str(Path(model_dir).resolve()), "--input", str(inp),
               "--output", str(out), f"--tf={tf_s}", f"--k={k_s}", f"--seed={seed}", f"--instrument={instrument}"]
        r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"Node engine failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
        info = json.loads(r.stdout.strip().splitlines()[-1])
        y = np.fromfile(out, "<f4")
    return {"y": y, "info": info, "k": k}


def compare(a: np.ndarray, b: np.ndarray, per_step: int) -> dict:
    """Worst absolute difference per step (`per_step` rows or samples per step), and over the whole stream."""
    n = min(len(a), len(b)) // per_step * per_step
    d = np.abs(a[:n].astype(np.float64) - b[:n].astype(np.float64)).reshape(n // per_step, -1).max(axis=1)
    scale = float(np.sqrt(np.mean(a[:n].astype(np.float64) ** 2))) or 1.0
    return {"steps": int(len(d)), "max_abs": float(d.max()), "worst_step": int(d.argmax()),
            "max_abs_last_10pct": float(d[-max(1, len(d) // 10):].max()), "rms_ref": scale,
            "rel_rms_err": float(np.sqrt(np.mean((a[:n].astype(np.float64) - b[:n]) ** 2)) / scale)}


def check(a: np.ndarray, b: np.ndarray, pair: str, what: str, per_step: int) -> dict:
    """`compare` plus the verdict under TOL[pair] (`what` = "audio" or a kind of latents)."""
    c = compare(a, b, per_step)
    tol = TOL[pair]
    c["tolerance"] = {"max_abs": tol["audio" if what == "audio" else "latents"], "rel_rms": tol["rel_rms"]}
    c["ok"] = c["max_abs"] <= c["tolerance"]["max_abs"] and c["rel_rms_err"] <= tol["rel_rms"]
    return c
