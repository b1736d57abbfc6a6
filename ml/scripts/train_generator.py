"""Trains the accompaniment generator (adversarial = LiveBand recipe, supervised = baseline)."""

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import load_config, resolve  # noqa: E402
from bandmate_ml.data.latents import load_latent_tracks  # noqa: E402
from bandmate_ml.training.generator import train_generator  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("--mode", choices=["adversarial", "supervised"], required=True)
    ap.add_argument("--run-dir", default="runs/default")
    ap.add_argument("--resume", action="store_true", help="continue this run's checkpoint (same t_f) if it exists")
    ap.add_argument("--init-from", help="start from this generator checkpoint's weights (fresh optimiser, step 0)")
    ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_config(resolve(args.config))
    run_dir = resolve(args.run_dir)
    paths = sorted((run_dir / "latents" / "train").glob("Track*.npz"))
    if not paths:
        sys.exit(f"no latents under {run_dir}/latents/train: run scripts/encode_latents.py first")
    tracks = load_latent_tracks(paths)
    train_generator(cfg, tracks, run_dir, args.mode, args.resume, args.max_minutes, args.max_steps,
                    init_from=resolve(args.init_from) if args.init_from else None)


if __name__ == "__main__":
    main()
