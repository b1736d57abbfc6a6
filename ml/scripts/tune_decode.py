"""Sweeps the decoder's thresholds (onset, held, pitch-class logits) for a checkpoint on the tuning
songs (config data.tune_seeds: neither trained on nor held out), metronome on, and prints beat F and harmonic fit per
setting and instrument, to choose config `decode:` from. The generator runs once per song."""

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.data.control_dataset import load_song  # noqa: E402
from bandmate_ml.data.control_decoder import Thresholds  # noqa: E402
from bandmate_ml.eval.control_eval import band_notes, learned_controls, play  # noqa: E402
from bandmate_ml.export.control_package import SHIPPED_SOUNDFONT  # noqa: E402
from bandmate_ml.eval.music_metrics import score_part  # noqa: E402
from bandmate_ml.training.control import load_control_generator  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/structured.yaml")
    ap.add_argument("--checkpoint", default="runs/structured/control_adversarial.pt")
    ap.add_argument("--songs", type=int, default=12)
    ap.add_argument("--instruments", nargs="+", default=["bass", "keys"])
    ap.add_argument("--onset", nargs="+", type=float, default=[0.0])
    ap.add_argument("--held", nargs="+", type=float, default=[0.0])
    ap.add_argument("--pc", nargs="+", type=float, default=[-0.5, 0.0, 0.5, 1.0])
    ap.add_argument("--revoice", nargs="+", type=int, default=[0, 1, 2, 3])
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = yaml.safe_load(resolve(args.config).read_text())
    gen = load_control_generator(resolve(args.checkpoint))[0]
    paths = sorted((resolve(cfg["data"]["root"]) / "tune").glob("*.npz"))[: args.songs]
    if not paths:
        sys.exit("no tuning songs: run scripts/build_control_data.py --split tune first")
    songs = [load_song(p) for p in paths]
    tf = cfg["eval"]["tf_s"]
    for inst in args.instruments:
        cached = []
        for song in songs:
            notes = {k[len("score_"):]: v for k, v in song.items() if k.startswith("score_")}
            cached.append((song, learned_controls(gen, song, inst, tf, 0, "metronome"), band_notes(song, inst, notes)))
        for onset, held, pc, rv in itertools.product(args.onset, args.held, args.pc, args.revoice):
            scores = []
            for song, controls, bn in cached:
                n = len(song[f"mix_{inst}"])
                audio, onsets = play(controls, inst, Thresholds(onset, held, pc, rv), n, str(SHIPPED_SOUNDFONT))
                scores.append(score_part(audio, 24000, np.asarray(song["beat_times"]), bn, onsets))
            real = [score_part(s[f"part_{inst}"].astype(np.float32) / 32767, 24000, np.asarray(s["beat_times"]), bn, None)
                    for s, _, bn in cached] if (onset, held, pc, rv) == (args.onset[0], args.held[0], args.pc[0], args.revoice[0]) else None
            m = {k: float(np.nanmean([s[k] for s in scores])) for k in ("beat_f", "harmonic_fit", "level_db")}
            print(f"{inst} onset {onset:+.2f} held {held:+.2f} pc {pc:+.2f} revoice {rv}: beat F {m['beat_f']:.3f} "
                  f"harmonic fit {m['harmonic_fit']:.3f} level {m['level_db']:.1f} dBFS", flush=True)
            if real:
                print(f"{inst} real part: beat F {np.nanmean([r['beat_f'] for r in real]):.3f} "
                      f"harmonic fit {np.nanmean([r['harmonic_fit'] for r in real]):.3f}", flush=True)


if __name__ == "__main__":
    main()
