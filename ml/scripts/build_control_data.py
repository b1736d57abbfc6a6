"""Renders procedural songs and stores what the structured accompanist trains and is evaluated on.

Resumable: finished songs are kept. `--shard i/n` splits the seeds between processes.
"""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.data.control_dataset import build_song  # noqa: E402
from bandmate_ml.data.render import FREE_GM_SOUNDFONTS  # noqa: E402
from bandmate_ml.data.songgen import generate_song  # noqa: E402
from bandmate_ml.features.mix_features import MixFeatureExtractor  # noqa: E402
import yaml  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/structured.yaml")
    ap.add_argument("--split", choices=["train", "valid", "tune", "handwritten", "train_fonts", "valid_fonts", "all"], default="all",
                    help="*_fonts: more songs with each stem in one of data.fonts (the others: FluidR3_GM alone)")
    ap.add_argument("--out-root", help="instead of the config's data.root")
    ap.add_argument("--shard", default="0/1")
    ap.add_argument("--limit", type=int, help="at most this many songs per split")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = yaml.safe_load(resolve(args.config).read_text())
    d = cfg["data"]
    shard, shards = (int(x) for x in args.shard.split("/"))
    fx = MixFeatureExtractor()
    t0, done = time.time(), 0
    root = Path(args.out_root) if args.out_root else resolve(d["root"])
    fonts = [FREE_GM_SOUNDFONTS[name] for name in d.get("fonts", [])]
    missing = [f for f in fonts if not Path(f).exists()]
    splits = ["valid", "tune", "handwritten", "train"] + (["valid_fonts", "train_fonts"] if fonts else [])
    for split in (splits if args.split == "all" else [args.split]):
        if split.endswith("_fonts") and (not fonts or missing):
            sys.exit(f"{split} needs data.fonts installed (missing: {', '.join(missing) or 'data.fonts is empty'}); see ml/README.md")
        if split == "handwritten":  # styles, meters and tempi the generator never makes: evaluation only
            from bandmate_ml.data.handwritten import handwritten_songs

            songs = [(i, lambda s=s: s) for i, s in enumerate(handwritten_songs())][shard::shards]
        else:
            a, b = d[f"{split}_seeds"]
            songs = [(seed, lambda seed=seed: generate_song(seed, d["min_duration_s"], d["max_duration_s"]))
                     for seed in list(range(a, b))[: args.limit]][shard::shards]
        for k, (seed, make) in enumerate(songs):
            out = root / split / f"song{seed:06d}.npz"
            if out.exists():
                continue
            build_song(make(), out, fx, keep_audio=not split.startswith("train"), soundfonts=fonts if split.endswith("_fonts") else None)
            done += 1
            if done % 20 == 0 or k == len(songs) - 1:
                print(f"{split} [{k + 1}/{len(songs)}] {time.time() - t0:.0f}s", flush=True)
    print(f"built {done} songs in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
