"""Writes the Node engine's parity cases for the beat tracker: onset strengths as the engine hears
them (the mix's, `leadHops` late) and the grid the Python tracker gives each frame.

  $PY scripts/tracker_fixture.py [--out ../apps/inference/test/fixtures/beat-tracker-cases.json]

apps/inference/test/beat-tracker.test.ts replays every case through the TypeScript port. Rerun
after changing features/beat_tracker.py.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.export.control_package import beat_tracker_spec  # noqa: E402
from bandmate_ml.features.beat_tracker import TrackerConfig, tracked_grid  # noqa: E402
from bandmate_ml.features.click_onsets import click_onsets  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "apps/inference/test/fixtures/beat-tracker-cases.json"
CASES = [  # name, segments (seconds, bpm; 0 = silence), lead hops, seed
    ("steady 104 BPM, t_f −0.12 s", [(18, 104)], 16, 1),
    ("120 → 90 BPM, then the band stops", [(10, 120), (12, 90), (5, 0)], 16, 2),
    ("silence, then 172 BPM, t_f −0.2 s", [(4, 0), (14, 172)], 24, 3),
    ("66 BPM, loose timing", [(20, 66)], 12, 4),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    args = ap.parse_args()
    cfg = TrackerConfig()
    cases = []
    for name, segments, lead, seed in CASES:
        onsets, _ = click_onsets(segments, seed=seed, jitter_s=0.015 if "loose" in name else 0.008)
        onsets = np.round(onsets, 4)  # what the file holds is what both sides track
        n = len(onsets) // 4
        grid = tracked_grid(onsets, lead, n, cfg)
        heard = np.concatenate([np.zeros(lead), onsets])[: len(onsets)]  # as the engine hears them: lead hops late
        cases.append({"name": name, "leadHops": lead, "onsets": heard.tolist(),
                      "grid": [[round(float(v), 7) for v in (g[0], g[1], g[4] / 10, g[5])] for g in grid]})
    Path(args.out).write_text(json.dumps({"spec": beat_tracker_spec(cfg), "cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {args.out}")


if __name__ == "__main__":
    main()
