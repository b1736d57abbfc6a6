"""Trains the causal audio autoencoder on rendered stems and random stem mixes."""

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import load_config, resolve  # noqa: E402
from bandmate_ml.training.autoencoder import train_autoencoder  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("--data-root", help="Slakh-layout folder (default: <data.root>/train)")
    ap.add_argument("--run-dir", default="runs/default")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_config(resolve(args.config))
    data_root = Path(args.data_root) if args.data_root else resolve(cfg["data"]["root"]) / "train"
    train_autoencoder(cfg, data_root, resolve(args.run_dir), args.resume, args.max_minutes, args.max_steps)


if __name__ == "__main__":
    main()
