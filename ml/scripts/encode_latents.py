"""Encodes a Slakh-layout dataset (stems + random stem-subset mixes) with the trained encoder."""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import load_config, resolve  # noqa: E402
from bandmate_ml.data.latents import encode_dataset  # noqa: E402
from bandmate_ml.training.autoencoder import load_autoencoder  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("--data-root", help="Slakh-layout folder (default: <data.root>/train)")
    ap.add_argument("--run-dir", default="runs/default")
    ap.add_argument("--split", default="train")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shard", default="0/1", help="i/n: this process encodes tracks i, i+n, ...")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_config(resolve(args.config))
    run_dir = resolve(args.run_dir)
    data_root = Path(args.data_root) if args.data_root else resolve(cfg["data"]["root"]) / args.split
    ae = load_autoencoder(run_dir / "autoencoder.pt")
    t0 = time.time()
    paths = encode_dataset(ae.encoder, data_root, run_dir / "latents" / args.split, cfg["sample_rate"],
                           cfg["samples_per_frame"], cfg["data"]["mixes_per_target"],
                           shard=tuple(int(x) for x in args.shard.split("/")))
    print(f"encoded {len(paths)} tracks in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
