"""Copies an exported model folder to models/<name>/ (the shipped model), adding evaluation and
benchmark results to model.json's card, and checks the result against the contract and size limit."""

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.export.manifest import shipped_size, validate_manifest  # noqa: E402

FILES = ("encoder.onnx", "generator.onnx", "generator.int8.onnx", "decoder.onnx")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--run-dir", default="runs/default")
    ap.add_argument("--dest", default="../models/audio-latent")
    args = ap.parse_args()
    run_dir, dest = resolve(args.run_dir), resolve(args.dest)
    src = run_dir / "export_adversarial"
    m = json.loads((src / "model.json").read_text())
    if (run_dir / "eval.json").exists():
        ev = json.loads((run_dir / "eval.json").read_text())
        m["card"]["evaluation"] = {
            "heldOutSongs": len(ev["songs"]),
            "codec": ev["codec"],
            "rows": [{k: (None if isinstance(v, float) and v != v else (round(v, 4) if isinstance(v, float) else v))
                      for k, v in r.items()} for r in ev["rows"]],
        }
    if (run_dir / "benchmark.json").exists():
        m["card"]["cpuCostPerFrameMs"] = json.loads((run_dir / "benchmark.json").read_text())
    if (run_dir / "parity.json").exists():
        p = json.loads((run_dir / "parity.json").read_text())
        m["card"]["parity"] = {"seconds": p["seconds"], "tf": p["tf"], "k": p["k"],
                               "maxAbsDiff": {f"{pair} {what}": c["max_abs"] for pair, v in p["pairs"].items() for what, c in v.items()},
                               "tolerance": p["tolerance_abs"]}
    m["card"]["alternativeGraphs"] = {"generator": "generator.int8.onnx (dynamic int8, reduce_range)"}
    validate_manifest(m)
    dest.mkdir(parents=True, exist_ok=True)
    for f in FILES:
        shutil.copyfile(src / f, dest / f)
    (dest / "model.json").write_text(json.dumps(m, indent=2) + "\n")
    print(f"shipped {dest}: {shipped_size(dest) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
