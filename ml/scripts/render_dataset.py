"""Renders procedural songs (train + held-out) to per-stem audio in the Slakh2100 layout."""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import load_config, resolve  # noqa: E402
from bandmate_ml.data.render import render_dataset  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("--split", choices=["train", "valid", "all"], default="all")
    ap.add_argument("--out-root", help="output folder holding train/ and valid/ (default: data.root of the config)")
    args = ap.parse_args()
    cfg = load_config(resolve(args.config))
    d = cfg["data"]
    t0 = time.time()
    for split in (["train", "valid"] if args.split == "all" else [args.split]):
        a, b = d[f"{split}_seeds"]
        root = Path(args.out_root) if args.out_root else resolve(d["root"])
        render_dataset(root / split, list(range(a, b)), cfg["sample_rate"], d["min_duration_s"], d["max_duration_s"])
    print(f"rendered in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
