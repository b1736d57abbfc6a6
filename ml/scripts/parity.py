"""Parity of one model folder: torch (optional) vs onnxruntime (Python) vs the Node engine, on the same
30 s input, step by step. Exit code 1 if any pair differs by more than the tolerance.

  $PY scripts/parity.py ../models/audio-latent [--run-dir runs/default --mode adversarial] [--input mix.wav]

The input is a held-out song's mix (data/generated/valid) when there is one, else a synthetic signal;
noise is the engine's seeded noise (reproduced bit for bit in Python), t_f/k as the engine resolves them.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.export.parity import TOL, check, node_engine_available, stream_node_engine, stream_onnxruntime, stream_torch  # noqa: E402



def synthetic(seconds: float, sr: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * sr)) / sr
    beat = (np.floor(t * 4) % 2 == 0)  # 120 BPM eighth-note bursts
    return (0.3 * np.sin(2 * np.pi * 220 * t) * beat + 0.05 * rng.standard_normal(len(t))).astype(np.float32)


def load_input(path: str | None, seconds: float, sr: int) -> tuple[np.ndarray, str]:
    if path is None:
        valid = resolve("data/generated/valid")
        tracks = sorted(valid.glob("Track*")) if valid.exists() else []
        if tracks:
            from bandmate_ml.data.slakh import load_track

            tr = load_track(tracks[0], sr)
            mix = sum(s.audio for s in tr.stems[1:])[: int(seconds * sr)]
            peak = float(np.abs(mix).max())
            return (mix / peak * 0.95 if peak > 0.95 else mix).astype(np.float32), f"{tr.name} mix without stem 0"
        return synthetic(seconds, sr), "synthetic (sine bursts + noise)"
    import soundfile as sf

    audio, rate = sf.read(path, dtype="float32", always_2d=True)
    if rate != sr:
        sys.exit(f"{path} is {rate} Hz; parity needs the model's rate ({sr} Hz) so that no resampler is involved")
    return audio.mean(1)[: int(seconds * sr)], path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--input")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--tf", type=float, help="engine t_f in seconds (default: the model's trainedTf.max)")
    ap.add_argument("--k", type=float, help="seconds (default: one frame)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--instrument", default="bass")
    ap.add_argument("--run-dir", help="checkpoints for the torch leg (autoencoder.pt, generator_<mode>.pt)")
    ap.add_argument("--mode", default="adversarial")
    ap.add_argument("--generator", help="generator checkpoint for the torch leg (default: <run-dir>/generator_<mode>.pt)")
    ap.add_argument("--json", help="write the report here")
    args = ap.parse_args()
    model_dir = Path(args.model_dir).resolve()
    m = json.loads((model_dir / "model.json").read_text())
    sr, spf, frame = m["sampleRate"], m["samplesPerFrame"], m["samplesPerFrame"] / m["sampleRate"]
    tf, k = (args.tf if args.tf is not None else m["trainedTf"]["max"]), (args.k or frame)
    inst = m["instruments"].index(args.instrument)
    audio, source = load_input(args.input, args.seconds, sr)
    report = {"model": str(model_dir), "input": source, "seconds": len(audio) / sr, "tf": tf, "k": k, "seed": args.seed,
              "instrument": args.instrument, "tolerance_abs": TOL, "pairs": {}}
    t0 = time.time()
    o = stream_onnxruntime(model_dir, audio, tf, k, args.seed, inst)
    per_step = o["k"]
    report["onnxruntime_seconds"] = round(time.time() - t0, 1)
    ok = True

    def add(name, what, a, b, rows):
        nonlocal ok
        c = check(a, b, name, what, rows)
        ok &= c["ok"]
        report["pairs"].setdefault(name, {})[what] = c
        print(f"{name:18s} {what:22s} {c['steps']} steps: max |diff| {c['max_abs']:.3g} (step {c['worst_step']}), "
              f"last 10 % {c['max_abs_last_10pct']:.3g}, rel RMS {c['rel_rms_err']:.3g}  {'OK' if c['ok'] else 'FAIL'}", flush=True)

    if args.run_dir:
        import torch

        from bandmate_ml.training.autoencoder import load_autoencoder
        from bandmate_ml.training.generator import load_generator

        torch.set_num_threads(1)
        run = resolve(args.run_dir)
        ae = load_autoencoder(run / "autoencoder.pt").eval()
        gen, _ = load_generator(resolve(args.generator) if args.generator else run / f"generator_{args.mode}.pt")
        t = stream_torch(ae, gen, m, audio, tf, k, args.seed, inst)
        add("torch-onnxruntime", "mix latents", t["z"], o["z"], per_step)
        add("torch-onnxruntime", "accompaniment latents", t["a"], o["a"], per_step)
        add("torch-onnxruntime", "audio", t["y"], o["y"], per_step * spf)
    if node_engine_available():
        t0 = time.time()
        nd = stream_node_engine(model_dir, audio, tf, k, args.seed, args.instrument)
        report["node_seconds"] = round(time.time() - t0, 1)
        report["node_engine_settings"] = nd["info"]
        add("onnxruntime-node", "audio", o["y"], nd["y"], per_step * spf)
    else:
        print("Node engine not available (node + repo node_modules needed): skipped that leg", flush=True)
        ok = False
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    print("parity OK" if ok else "parity FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
