"""Copies an exported structured model (format 2) to models/default/ (the shipped model), adding the
evaluation tables to model.json's card, validates the manifest with the engine's own schema and
checks the folder's size limit."""

import argparse
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.export.manifest import shipped_size  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def rounded(x):
    return None if isinstance(x, float) and math.isnan(x) else (round(x, 4) if isinstance(x, float) else x)


def card_rows(ev: dict) -> dict:
    """{set: {instrument: {system: {metric: [mean, se, n]}}}} with NaN as null, 4 decimals."""
    return {s: {inst: {name: {k: [rounded(v) for v in vals] for k, vals in metrics.items()} for name, metrics in systems.items()}
                for inst, systems in table.items()} for s, table in ev.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--export", default="runs/structured/export")
    ap.add_argument("--eval", nargs="*", default=["runs/structured/control_eval_adversarial.json"],
                    help="evaluate_control.py results to put into the card, as label=path or path")
    ap.add_argument("--dest", default="../models/default")
    args = ap.parse_args()
    src, dest = resolve(args.export), resolve(args.dest)
    m = json.loads((src / "model.json").read_text())
    evaluation = {}
    for item in args.eval:
        label, _, path = item.rpartition("=")
        p = resolve(path)
        if p.exists():
            evaluation[label or p.stem] = card_rows(json.loads(p.read_text()))
    if evaluation:
        m["card"]["evaluation"] = evaluation
    dest.mkdir(parents=True, exist_ok=True)
    for f in [m["graphs"]["features"]["file"], m["graphs"]["generator"]["file"], m["synth"]["soundFont"]]:
        if (src / f).resolve() != (dest / f).resolve():
            shutil.copyfile(src / f, dest / f)
    (dest / "model.json").write_text(json.dumps(m, indent=2) + "\n")
    check = subprocess.run(["npx", "tsx", "ml/scripts/check_contract.ts", str(dest / "model.json")], cwd=REPO)
    if check.returncode:
        sys.exit("the shipped manifest does not pass the engine's contract")
    print(f"shipped {dest}: {shipped_size(dest) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
