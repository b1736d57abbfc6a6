"""Trains the structured accompanist: `--mode supervised` (pre-training / baseline), then
`--mode adversarial --init-from <run>/control_supervised.pt` (LiveBand's critic on control frames)."""

import argparse
import sys
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.data.control_dataset import SongFolders  # noqa: E402
from bandmate_ml.training.control import train_control  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/structured.yaml")
    ap.add_argument("--mode", choices=["supervised", "adversarial"], default="supervised")
    ap.add_argument("--run-dir", default="runs/structured")
    ap.add_argument("--data", nargs="+", help="folders of song .npz (default: <data.root>/train)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init-from")
    ap.add_argument("--max-minutes", type=float)
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = yaml.safe_load(resolve(args.config).read_text())
    folders = [resolve(f) for f in args.data] if args.data else [resolve(cfg["data"]["root"]) / "train"]
    data = SongFolders(folders)
    if not data.songs:
        sys.exit(f"no songs under {', '.join(map(str, folders))}: run scripts/build_control_data.py first")
    train_control(cfg, data, resolve(args.run_dir), args.mode, args.resume,
                  resolve(args.init_from) if args.init_from else None, args.max_minutes, args.max_steps)


if __name__ == "__main__":
    main()
