"""Per-step CPU cost of each graph in onnxruntime (Python, 1 thread), one 40 ms latent frame per step."""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.export.ort_runner import StreamingModel  # noqa: E402


def bench(model_dir: Path, generator_file: str | None, steps: int) -> dict:
    model = StreamingModel(model_dir, threads=1, generator_file=generator_file)
    m = model.manifest
    spf, k, Z = m["samplesPerFrame"], model.frames["generator"], m["noiseSize"]
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal((steps + 50, 1, spf * k))).astype(np.float32)
    noise = rng.standard_normal((steps + 50, 1, k, Z)).astype(np.float32)
    inst = np.array([1], np.int64)
    t = {"encoder": [], "generator": [], "decoder": []}
    for i in range(steps + 50):
        t0 = time.perf_counter()
        z = model.encoder.step(audio[i])
        t1 = time.perf_counter()
        a = model.generator.step(z, noise[i], inst)
        t2 = time.perf_counter()
        model.decoder.step(a)
        t3 = time.perf_counter()
        if i >= 50:  # warm-up, and the attention window filling
            t["encoder"].append(t1 - t0)
            t["generator"].append(t2 - t1)
            t["decoder"].append(t3 - t2)
    frame_ms = 1000 * spf / m["sampleRate"]
    out = {}
    for g, v in t.items():
        v = np.array(v) * 1000 / k
        out[g] = {"median_ms": round(float(np.median(v)), 3), "p99_ms": round(float(np.percentile(v, 99)), 3)}
    total = sum(o["median_ms"] for o in out.values())
    out["total_median_ms_per_frame"] = round(total, 3)
    out["frame_ms"] = frame_ms
    out["ms_per_20ms_audio"] = round(total * 20 / frame_ms, 3)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model_dir")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--generator-file", help="e.g. generator.int8.onnx")
    ap.add_argument("--json")
    args = ap.parse_args()
    res = bench(Path(args.model_dir), args.generator_file, args.steps)
    print(json.dumps(res, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
