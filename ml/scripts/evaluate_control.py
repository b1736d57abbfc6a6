"""The structured accompanist's evaluation table: learned player vs follower, floor and real part,
per instrument, on held-out generated songs and (separately) the hand-written songs.
Writes <run-dir>/control_eval.{json,md}."""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.config import resolve  # noqa: E402
from bandmate_ml.data.control_dataset import load_song  # noqa: E402
from bandmate_ml.data.control_decoder import Thresholds  # noqa: E402
from bandmate_ml.data.control_frames import INSTRUMENTS  # noqa: E402
from bandmate_ml.eval.control_eval import (band_notes, follower_controls, learned_controls, mean_over_seeds,  # noqa: E402
                                           play, summarise)
from bandmate_ml.eval.music_metrics import score_part  # noqa: E402
from bandmate_ml.export.control_package import SHIPPED_SOUNDFONT  # noqa: E402
from bandmate_ml.training.control import load_control_generator  # noqa: E402



AUDIO_LATENT_NAMES = {"drums": "drums", "bass": "bass", "keys": "piano"}


def audio_latent_part(model, mix: np.ndarray, inst: str, tf: float, seed: int) -> np.ndarray:
    """The format-1 model (audio latents) on the same mix, streamed as the engine streams it."""
    from bandmate_ml.eval.accompaniment import stream_song

    idx = model.manifest["instruments"].index(AUDIO_LATENT_NAMES[inst])
    part, _ = stream_song(model, mix, idx, tf, 1, seed)
    return np.pad(part, (0, max(0, len(mix) - len(part))))[: len(mix)]


def score_set(paths, gen, cfg, args, thresholds, latent_model=None):
    ev = cfg["eval"]
    tf = args.tf if args.tf is not None else ev["tf_s"]
    seeds = ev["seeds"][: args.seeds]
    songs = [load_song(p) for p in paths]
    rows: dict[str, dict[str, list]] = {i: {} for i in INSTRUMENTS}
    for si, song in enumerate(songs):
        notes = {k[len("score_"):]: v for k, v in song.items() if k.startswith("score_")}
        for inst in INSTRUMENTS:
            if f"mix_{inst}" not in song:
                continue
            n = len(song[f"mix_{inst}"])
            bt, bn = np.asarray(song["beat_times"]), band_notes(song, inst, notes)
            r = rows[inst]

            def add(name, audio, onsets):
                r.setdefault(name, []).append(score_part(audio, 24000, bt, bn, onsets))

            if gen is not None:
                for grid, name in (("metronome", "learned, metronome on"), ("tracker", "learned, no metronome (beat tracker)"),
                                   ("none", "learned, no metronome, no tracker")):
                    per_seed = []
                    for seed in seeds:
                        audio, onsets = play(learned_controls(gen, song, inst, tf, seed, grid), inst, thresholds, n, args.soundfont)
                        per_seed.append(score_part(audio, 24000, bt, bn, onsets))
                    r.setdefault(name, []).append(mean_over_seeds(per_seed))
            if latent_model is not None:
                mix = song[f"mix_{inst}"].astype(np.float32) / 32767
                add("audio-latent model (format 1)", audio_latent_part(latent_model, mix, inst, args.latent_tf, seeds[0]), None)
            add("follower (hand-written rules)", *play(follower_controls(song, inst, tf), inst, thresholds, n, args.soundfont))
            other = songs[(si + 1 + si % max(1, len(songs) - 1)) % len(songs)]
            if other is not song and f"part_{inst}" in other:
                part = other[f"part_{inst}"].astype(np.float32) / 32767
                add("floor: another song's real part", np.pad(part, (0, max(0, n - len(part))))[:n], None)
            add("real part", song[f"part_{inst}"].astype(np.float32) / 32767, None)
        print(f"[{si + 1}/{len(songs)}] scored", flush=True)
    return {inst: summarise(r) for inst, r in rows.items() if r}


def markdown(title: str, table: dict) -> str:
    lines = [f"### {title}", "", "| instrument | system | beat F | harmonic fit | onset to grid (median ms) | level dBFS |",
             "|---|---|---|---|---|---|"]
    for inst, systems in table.items():
        for name, m in systems.items():
            cell = lambda k, p=3: "n/a" if np.isnan(m[k][0]) else f"{m[k][0]:.{p}f} ± {m[k][1]:.{p}f}"
            lines.append(f"| {inst} | {name} | {cell('beat_f')} | {cell('harmonic_fit')} | {cell('grid_ms', 1)} | {cell('level_db', 1)} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", default="configs/structured.yaml")
    ap.add_argument("--run-dir", default="runs/structured")
    ap.add_argument("--checkpoint", default="control_supervised.pt")
    ap.add_argument("--data-root", help="folder holding valid/ and handwritten/ (default: the config's data.root)")
    ap.add_argument("--sets", nargs="+", default=["valid", "handwritten"], help="held-out folders to score (valid_fonts: mixed SoundFonts)")
    ap.add_argument("--songs", type=int, default=24)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--tf", type=float)
    ap.add_argument("--soundfont", default=str(SHIPPED_SOUNDFONT), help="renders the learned and follower parts")
    ap.add_argument("--baselines-only", action="store_true", help="score follower, floor and real part only")
    ap.add_argument("--audio-latent-model", help="also score this format-1 model folder (e.g. ../models/audio-latent)")
    ap.add_argument("--latent-tf", type=float, default=-0.12, help="t_f for the format-1 model (its trained value)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = yaml.safe_load(resolve(args.config).read_text())
    run_dir = resolve(args.run_dir)
    gen = None if args.baselines_only else load_control_generator(run_dir / args.checkpoint)[0]
    d = cfg["decode"]
    thresholds = Thresholds(d["onset_logit"], d["held_logit"], d["pc_logit"], int(d.get("revoice_frames", 0)))
    root = Path(args.data_root) if args.data_root else resolve(cfg["data"]["root"])
    latent_model = None
    if args.audio_latent_model:
        from bandmate_ml.export.ort_runner import StreamingModel

        latent_model = StreamingModel(resolve(args.audio_latent_model))
    t0 = time.time()
    out, md = {}, []
    names = {"valid": "held-out generated songs", "handwritten": "hand-written songs (styles and meters the generator never makes)",
             "valid_fonts": "held-out generated songs, each stem in one of several SoundFonts"}
    for folder in args.sets:
        name = names.get(folder, folder)
        paths = sorted((root / folder).glob("*.npz"))[: args.songs]
        if not paths:
            continue
        out[folder] = score_set(paths, gen, cfg, args, thresholds, latent_model)
        md.append(markdown(f"{name}: {len(paths)} songs, t_f = {args.tf if args.tf is not None else cfg['eval']['tf_s']} s", out[folder]))
    (run_dir / "control_eval.json").write_text(json.dumps(out, indent=1))
    (run_dir / "control_eval.md").write_text("\n".join(md))
    print("\n".join(md))
    print(f"evaluated in {time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
