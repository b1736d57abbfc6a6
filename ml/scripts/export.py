"""Exports trained checkpoints to a model folder under the model contract (ONNX + model.json)."""

import argparse
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import load_config, resolve  # noqa: E402
from bandmate_ml.export.package import package_model  # noqa: E402
from bandmate_ml.timing import tf_from_config  # noqa: E402
from bandmate_ml.training.autoencoder import load_autoencoder  # noqa: E402
from bandmate_ml.training.generator import load_generator  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("--run-dir", default="runs/default")
    ap.add_argument("--mode", choices=["adversarial", "supervised"], default="adversarial")
    ap.add_argument("--out", help="model folder (default: <run-dir>/export_<mode>)")
    ap.add_argument("--frames", type=int, default=1, help="static latent frames per call")
    ap.add_argument("--card", help="JSON file merged into model.json's card")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = load_config(resolve(args.config))
    run_dir = resolve(args.run_dir)
    ae = load_autoencoder(run_dir / "autoencoder.pt")
    gen, ck = load_generator(run_dir / f"generator_{args.mode}.pt")
    tf_s, _, delay = tf_from_config(cfg)
    if ck.get("mix_delay_frames") != delay:
        sys.exit(f"generator_{args.mode}.pt was trained with mix delay {ck.get('mix_delay_frames')} frames; the config's "
                 f"t_f = {tf_s} s means {delay}: retrain, or export with the config it was trained with")
    ae_ck = torch.load(run_dir / "autoencoder.pt", map_location="cpu", weights_only=False)
    card = {
        "training": args.mode,
        "autoencoderSteps": int(ae_ck["step"]),
        "autoencoderMinutes": round(ae_ck["trained_s"] / 60, 1),
        "generatorSteps": int(ck["step"]),
        "generatorMinutes": round(ck["trained_s"] / 60, 1),
        "trainedTfSeconds": tf_s,
        "mixDelayFrames": delay,  # output frame i is conditioned on mix frames <= i - mixDelayFrames (k = 1)
        "data": "procedural songs rendered with FluidSynth + FluidR3_GM (see MODEL_CARD.md)",
    }
    if ck.get("init_from"):
        card["initialisedFrom"] = ck["init_from"]
    if args.card:
        card.update(json.loads(Path(args.card).read_text()))
    out = Path(args.out) if args.out else run_dir / f"export_{args.mode}"
    desc = ("Causal audio autoencoder (24 kHz mono, 25 latent frames/s) + causal transformer accompanist trained "
            f"{'adversarially (LiveBand-style)' if args.mode == 'adversarial' else 'with L1 regression (baseline)'}.")
    package_model(out, cfg, ae, gen, args.frames, card, int8=True, description=desc)
    print(f"exported to {out}: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in sorted(out.iterdir())))


if __name__ == "__main__":
    main()
