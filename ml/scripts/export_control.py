"""Exports a structured accompanist checkpoint to a model folder (format 2) and checks it: the
graphs streamed frame by frame in onnxruntime against torch's parallel pass on a held-out song."""

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.data.control_dataset import load_song  # noqa: E402
from bandmate_ml.export.control_package import SHIPPED_SOUNDFONT, package_control_model  # noqa: E402
from bandmate_ml.export.control_parity import stream_onnx, torch_parallel  # noqa: E402
from bandmate_ml.training.control import load_control_generator  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/structured.yaml")
    ap.add_argument("--checkpoint", default="runs/structured/control_adversarial.pt")
    ap.add_argument("--out", default="runs/structured/export")
    ap.add_argument("--soundfont", default=str(SHIPPED_SOUNDFONT))
    ap.add_argument("--check-song", help="a held-out song .npz with audio (default: the first of <data.root>/valid)")
    ap.add_argument("--check-seconds", type=float, default=8.0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = yaml.safe_load(resolve(args.config).read_text())
    gen, ck = load_control_generator(resolve(args.checkpoint))
    card = {"training": {"mode": ck["mode"], "steps": int(ck["step"]), "minutes": round(ck["trained_s"] / 60, 1),
                         "initFrom": ck.get("init_from")}}
    out = resolve(args.out)
    package_control_model(out, cfg, gen, Path(args.soundfont), card,
                          description="Structured accompanist: causal transformer over causal mix features and the beat "
                                      "grid -> drums, bass and keys as control frames, rendered by a SoundFont synth.")
    song_path = Path(args.check_song) if args.check_song else next(iter(sorted((resolve(cfg["data"]["root"]) / "valid").glob("*.npz"))), None)
    if song_path is None:
        sys.exit("no held-out song to check the export on: build the valid split first")
    song = load_song(song_path)
    worst = 0.0
    for inst in ("drums", "bass", "keys"):
        mix = song[f"mix_{inst}"][: int(args.check_seconds * 24000)].astype(np.float32) / 32767
        for grid_on in (True, False):
            a = stream_onnx(out, mix, inst, cfg["eval"]["tf_s"], 1, song["beat_times"], int(song["beats_per_bar"]), grid_on)
            b = torch_parallel(gen, mix, inst, cfg["eval"]["tf_s"], 1, song["beat_times"], int(song["beats_per_bar"]), grid_on)
            worst = max(worst, float(np.abs(a - b).max()))
    print(f"exported {out}; onnxruntime streamed vs torch parallel, {args.check_seconds:.0f} s x 3 instruments x grid on/off: "
          f"max |diff| {worst:.2e}")
    if worst > 2e-3:
        sys.exit("the exported graphs do not compute what torch computes")


if __name__ == "__main__":
    main()
