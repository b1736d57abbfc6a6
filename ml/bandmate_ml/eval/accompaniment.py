"""Streams held-out songs through exported model folders and scores the accompaniment.

Protocol per held-out song: the target stem is chosen round-robin over the song's stems, the mix
is the sum of all other stems. Each song is streamed exactly as the Node engine streams it
(apps/inference/src/engine/accompaniment-stream.ts): the mix *audio* is delayed by
(k·frame − t_f)·sample_rate samples (bandmate_ml.timing.mix_delay_samples; silence before the
start), then encoder → generator → decoder step by step with the engine's seeded noise. For t_f a
multiple of the frame this is the engine's own delay of D = k − t_f frames; other t_f (−0.1 s, +0.1 s)
are exact too, because the shift is in samples, before encoding. t_f > 0 feeds future mix audio: an
offline upper bound that no live system can have. Metrics skip the first `warmup_s` seconds
(attention context filling up).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..data.slakh import list_tracks, load_track
from ..export.engine_noise import engine_noise
from ..export.ort_runner import StreamingModel
from ..timing import mix_delay_samples
from .metrics import beat_f_measure, beats, chroma_agreement, mel_l1


def _select(tracks_dir: Path, n_songs: int, sr: int, seconds: float):
    songs = []
    for i, tdir in enumerate(list_tracks(tracks_dir)[:n_songs]):
        tr = load_track(tdir, sr)
        t = i % len(tr.stems)
        n = min(len(tr.stems[0].audio), int(seconds * sr))
        mix = sum(s.audio[:n] for i2, s in enumerate(tr.stems) if i2 != t)
        peak = float(np.abs(mix).max())
        mix = (mix / peak * 0.95 if peak > 0.95 else mix).astype(np.float32)
        songs.append({"name": tr.name, "mix": mix, "target": tr.stems[t].audio[:n], "instrument": tr.stems[t].instrument,
                      "instrument_index": tr.stems[t].instrument_index})
    return songs


def delay_audio(audio: np.ndarray, delay_samples: int) -> np.ndarray:
    """The mix as the engine hears it: `delay_samples` of silence first (negative: the future, offline
    only), same length."""
    n = len(audio)
    if delay_samples >= 0:
        return np.concatenate([np.zeros(delay_samples, audio.dtype), audio])[:n]
    return np.concatenate([audio[-delay_samples:], np.zeros(-delay_samples, audio.dtype)])[:n]


def stream_song(model: StreamingModel, mix: np.ndarray, instrument: int, tf_s: float, k: int, seed: int,
                noise: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The engine's computation for one song at t_f (seconds) with k frames per call (the graphs must have
    been exported with staticFrames = k). Returns the generated stem audio and the compute seconds
    spent (encoder + generator + decoder). `noise` defaults to the engine's noise for `seed`."""
    m = model.manifest
    spf, sr = m["samplesPerFrame"], m["sampleRate"]
    n_frames = len(mix) // spf
    n_frames -= n_frames % k
    heard = delay_audio(mix[:n_frames * spf], mix_delay_samples(tf_s, sr, spf, k)).astype(np.float32)
    if noise is None:
        noise = engine_noise(seed, n_frames, m["noiseSize"])
    model.reset()
    inst = np.array([instrument], np.int64)
    out = []
    t0 = time.perf_counter()
    for i in range(0, n_frames, k):
        z = model.encoder.step(heard[None, i * spf:(i + k) * spf])
        acc = model.generator.step(z, noise[:, i:i + k], inst)
        out.append(model.decoder.step(acc))
    return np.concatenate(out, axis=1)[0], time.perf_counter() - t0


def score(stem: np.ndarray, mix: np.ndarray, true_stem: np.ndarray, sr: int, warmup_s: float, harmonic: bool) -> dict:
    w = int(warmup_s * sr)
    s, m, t = stem[w:], mix[w:len(stem)], true_stem[w:len(stem)]
    return {
        "beat_f": beat_f_measure(beats(m, sr), beats(s, sr)),
        "chroma": chroma_agreement(s, m, sr) if harmonic else float("nan"),
        "mel_l1": mel_l1(s, t, sr),
    }


def _nanmeans(rows: list[dict]) -> dict:
    """Each metric's mean over rows, NaNs skipped (NaN where every row is NaN)."""
    return {k: float(np.nanmean([r[k] for r in rows])) if not all(np.isnan(r[k]) for r in rows) else float("nan") for k in rows[0]}


def _mean(rows: list[dict]) -> dict:
    """Means over songs, plus the standard error of the beat F mean: song-to-song spread is the
    largest noise in this table, and it says which gaps between rows mean something."""
    out = _nanmeans(rows)
    f = np.array([r["beat_f"] for r in rows], dtype=float)
    f = f[~np.isnan(f)]
    out["beat_f_se"] = float(f.std(ddof=1) / np.sqrt(len(f))) if len(f) > 1 else float("nan")
    return out


def _run(model: StreamingModel, songs: list[dict], tf_s: float, k: int, sr: int, warmup_s: float,
         noises: dict) -> tuple[dict, float]:
    res, compute, dur = [], 0.0, 0.0
    for i, s in enumerate(songs):
        n_frames = len(s["mix"]) // model.manifest["samplesPerFrame"]
        key = (i, n_frames, model.manifest["noiseSize"])
        if key not in noises:
            noises[key] = engine_noise(i, n_frames, model.manifest["noiseSize"])
        gen, secs = stream_song(model, s["mix"], s["instrument_index"], tf_s, k, seed=i, noise=noises[key])
        compute += secs
        dur += len(gen) / sr
        res.append(score(gen, s["mix"], s["target"], sr, warmup_s, s["instrument"] != "drums"))
    return _mean(res), compute / dur


def evaluate(models: dict[str, Path], tracks_dir: Path, sr: int, n_songs: int, seconds: float, tf_list: list[float],
             warmup_s: float = 4.0, log=print, k_models: dict[str, tuple[Path, float]] | None = None,
             references: bool = True, floor_pairings: int = 1) -> dict:
    """`models`: name -> model folder, each streamed at every t_f of `tf_list` (k = 1).
    `k_models`: name -> (folder exported with staticFrames = k, the engine t_f to run it at).
    `floor_pairings`: the floor pairs song i's mix with song i+1's true stem, ..., i+P's; averaging
    over P such pairings (per song, then over songs) steadies the floor, which one pairing leaves
    ±0.03 from pairing to pairing in beat F."""
    songs = _select(tracks_dir, n_songs, sr, seconds + warmup_s)
    first = StreamingModel(next(iter(models.values())))
    spf = first.manifest["samplesPerFrame"]
    noises: dict = {}
    rows = []
    n_pairings = max(1, min(floor_pairings, len(songs) - 1))  # one song: paired with itself (smoke runs)
    floor = "random pairing (floor)" + (f", mean of {n_pairings} pairings" if n_pairings > 1 else "")
    # references: true stem (ceiling), AE reconstruction of the true stem (codec ceiling), random pairing (floor)
    ref = {"true stem (ceiling)": [], "true stem through the autoencoder": [], floor: []}
    for i, s in enumerate(songs if references else []):
        harmonic = s["instrument"] != "drums"
        ref["true stem (ceiling)"].append(score(s["target"], s["mix"], s["target"], sr, warmup_s, harmonic))
        pairings = []
        for shift in range(1, n_pairings + 1):
            other = songs[(i + shift) % len(songs)]
            rnd = np.pad(other["target"], (0, max(0, len(s["target"]) - len(other["target"]))))[: len(s["target"])]
            pairings.append(score(rnd, s["mix"], s["target"], sr, warmup_s, harmonic))
        ref[floor].append(_nanmeans(pairings))
        first.reset()
        tgt = s["target"][: len(s["target"]) // spf * spf]
        rec = np.concatenate([first.decoder.step(first.encoder.step(tgt[None, j:j + spf])) for j in range(0, len(tgt), spf)], axis=1)[0]
        ref["true stem through the autoencoder"].append(score(rec, s["mix"], s["target"], sr, warmup_s, harmonic))
    for name, r in ref.items() if references else ():
        rows.append({"system": name, "t_f": "", "k": "", **_mean(r), "rtf": float("nan")})
    for mname, mdir in models.items():
        model = StreamingModel(mdir)
        for tf_s in tf_list:
            metrics, rtf = _run(model, songs, tf_s, 1, sr, warmup_s, noises)
            row = {"system": mname, "t_f": tf_s, "k": 1, **metrics, "rtf": rtf}
            rows.append(row)
            log(row)
    for mname, (mdir, tf_s) in (k_models or {}).items():  # chunked steps: same per-frame delay, other cost and latency
        model = StreamingModel(mdir)
        k = model.frames["generator"]
        metrics, rtf = _run(model, songs, tf_s, k, sr, warmup_s, noises)
        row = {"system": mname, "t_f": tf_s, "k": k, **metrics, "rtf": rtf}
        rows.append(row)
        log(row)
    return {"rows": rows, "songs": [s["name"] for s in songs], "targets": [s["instrument"] for s in songs]}


def markdown_table(rows: list[dict], trained_tf: float | None = None) -> str:
    def f(v, p=3):
        return "–" if v == "" or (isinstance(v, float) and np.isnan(v)) else (f"{v:+.2f}".replace("+0.00", "0.00") if isinstance(v, float) and p == 1 else f"{v:.{p}f}" if isinstance(v, float) else str(v))

    def tf_cell(r):
        if r["t_f"] == "":
            return "–"
        cell = f(float(r["t_f"]), 1)
        if r["k"] == 1 and trained_tf is not None and abs(r["t_f"] - trained_tf) < 1e-9:
            return f"**{cell} (trained, live)**"
        return cell + (" (offline bound only)" if r["t_f"] > 0 else "")

    def beat(r):
        se = r.get("beat_f_se", float("nan"))
        return f(r["beat_f"]) + ("" if np.isnan(se) else f" ± {se:.3f}")

    lines = ["| system | t_f (s) | k | beat F (70 ms) ± s.e. ↑ | chroma correlation with mix ↑ | log-mel L1 to true stem ↓ | RTF (1 thread) ↓ |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['system']} | {tf_cell(r)} | {r['k'] if r['k'] != '' else '–'} | {beat(r)} | {f(r['chroma'])} | "
                     f"{f(r['mel_l1'])} | {f(r['rtf'], 4)} |")
    return "\n".join(lines)
