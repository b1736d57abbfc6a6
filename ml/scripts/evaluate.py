"""One-command evaluation: codec quality + accompaniment metrics for the adversarial model and the
supervised baseline over t_f and k, on held-out generated songs. Writes JSON + a markdown table."""

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import load_config, resolve  # noqa: E402
from bandmate_ml.eval.accompaniment import evaluate, markdown_table  # noqa: E402
from bandmate_ml.eval.codec import evaluate_codec  # noqa: E402
from bandmate_ml.timing import tf_from_config, tf_seconds_for_delay  # noqa: E402
from bandmate_ml.training.autoencoder import load_autoencoder  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/default.yaml")
    ap.add_argument("--run-dir", default="runs/default")
    ap.add_argument("--data-root", help="held-out Slakh-layout folder (default: <data.root>/valid)")
    ap.add_argument("--songs", type=int)
    ap.add_argument("--seconds", type=float)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = load_config(resolve(args.config))
    run_dir = resolve(args.run_dir)
    ev = cfg["eval"]
    data_root = Path(args.data_root) if args.data_root else resolve(cfg["data"]["root"]) / "valid"
    n_songs, seconds = args.songs or ev["songs"], args.seconds or ev["seconds"]
    trained_tf, frame_s, delay = tf_from_config(cfg)
    t0 = time.time()
    codec = evaluate_codec(load_autoencoder(run_dir / "autoencoder.pt"), data_root, cfg["sample_rate"], n_songs)
    print("codec", codec, flush=True)
    models = {"LiveBand-style (adversarial)": run_dir / "export_adversarial",
              "supervised baseline (L1)": run_dir / "export_supervised"}
    if (run_dir / "export_adversarial" / "generator.int8.onnx").exists():
        # int8 generator as its own folder view: same manifest, generator file swapped
        int8_dir = run_dir / "export_adversarial_int8"
        int8_dir.mkdir(exist_ok=True)
        m = json.loads((run_dir / "export_adversarial" / "model.json").read_text())
        m["graphs"]["generator"]["file"] = "generator.int8.onnx"
        for f in ("encoder.onnx", "decoder.onnx", "generator.int8.onnx"):
            dst = int8_dir / f
            if not dst.exists():
                dst.symlink_to((run_dir / "export_adversarial" / f).resolve())
        (int8_dir / "model.json").write_text(json.dumps(m))
    k_models = {}
    for k in ev.get("k", [1])[1:]:
        d = run_dir / f"export_adversarial_k{k}"
        if d.exists():  # k frames per call at the engine t_f that keeps the trained per-frame delay D
            k_models[f"LiveBand-style (adversarial), k={k}"] = (d, tf_seconds_for_delay(delay, frame_s, k))
        else:
            print(f"skipping k={k}: no {d} (scripts/export.py --frames {k} --out {d})", flush=True)
    result = evaluate(models, data_root, cfg["sample_rate"], n_songs, seconds, ev["tf_s"], k_models=k_models,
                      floor_pairings=ev.get("floor_pairings", 1))
    if (run_dir / "export_adversarial_int8").exists():
        r8 = evaluate({"LiveBand-style, int8 generator": run_dir / "export_adversarial_int8"}, data_root, cfg["sample_rate"],
                      n_songs, seconds, [trained_tf], references=False)
        result["rows"] += [r for r in r8["rows"] if r["t_f"] != ""]
    result["codec"] = codec
    result["trained_tf"], result["mix_delay_frames"] = trained_tf, delay
    result["eval_minutes"] = round((time.time() - t0) / 60, 1)
    (run_dir / "eval.json").write_text(json.dumps(result, indent=2))
    table = markdown_table(result["rows"], trained_tf)
    (run_dir / "eval.md").write_text(table + "\n")
    print(table)
    print(f"\ncodec (held-out, {n_songs} songs): {codec}\neval took {result['eval_minutes']} min")


if __name__ == "__main__":
    main()
