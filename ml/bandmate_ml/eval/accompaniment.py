"""Streams held-out songs through exported model folders and scores the accompaniment.

Protocol per held-out song: the target stem is chosen round-robin over the song's stems, the mix
is the sum of all other stems. The mix is encoded frame by frame (encoder ONNX), the generator is
fed mix latent t+tf for output frame t (t_f < 0: late, as live; t_f > 0: future mix, an offline
upper bound that no live system can have), and its output is decoded frame by frame (decoder ONNX).
Metrics skip the first `warmup_s` seconds (attention context filling up).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..config import js_round
from ..data.slakh import list_tracks, load_track
from ..export.ort_runner import StreamingModel
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


def stream_song(model: StreamingModel, mix: np.ndarray, instrument: int, tf: int, k: int, seed: int) -> tuple[np.ndarray, float]:
    """Returns the generated stem audio and the compute seconds spent (encoder + generator + decoder).
    `k` frames per call: the graphs must have been exported with staticFrames = k."""
    spf = model.manifest["samplesPerFrame"]
    n_frames = len(mix) // spf
    n_frames -= n_frames % k
    model.reset()
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    z_mix = np.concatenate([model.encoder.step(mix[None, i * spf:(i + k) * spf]) for i in range(0, n_frames, k)], axis=1)
    t_enc = time.perf_counter() - t0
    # before the mix exists (t+tf < 0) the engine has only silence to encode
    model.encoder.reset()
    z_sil = model.encoder.step(np.zeros((1, k * spf), np.float32))[:, :1]
    Z = model.manifest["noiseSize"]
    idx = np.arange(n_frames) + tf
    past = z_sil.repeat(n_frames, axis=1)
    valid = (idx >= 0) & (idx < n_frames)
    gen_in = past.copy()
    gen_in[0, valid] = z_mix[0, idx[valid]]
    noise = rng.standard_normal((1, n_frames, Z)).astype(np.float32)
    inst = np.array([instrument], np.int64)
    out = []
    t1 = time.perf_counter()
    for i in range(0, n_frames, k):
        acc = model.generator.step(gen_in[:, i:i + k], noise[:, i:i + k], inst)
        out.append(model.decoder.step(acc))
    t_gen = time.perf_counter() - t1
    return np.concatenate(out, axis=1)[0], t_enc + t_gen


def score(stem: np.ndarray, mix: np.ndarray, true_stem: np.ndarray, sr: int, warmup_s: float, harmonic: bool) -> dict:
    w = int(warmup_s * sr)
    s, m, t = stem[w:], mix[w:len(stem)], true_stem[w:len(stem)]
    return {
        "beat_f": beat_f_measure(beats(m, sr), beats(s, sr)),
        "chroma": chroma_agreement(s, m, sr) if harmonic else float("nan"),
        "mel_l1": mel_l1(s, t, sr),
    }


def _mean(rows: list[dict]) -> dict:
    keys = rows[0].keys()
    return {k: float(np.nanmean([r[k] for r in rows])) if not all(np.isnan(r[k]) for r in rows) else float("nan") for k in keys}


def evaluate(models: dict[str, Path], tracks_dir: Path, sr: int, n_songs: int, seconds: float, tf_list: list[float],
             warmup_s: float = 4.0, log=print, k_models: dict[str, Path] | None = None) -> dict:
    songs = _select(tracks_dir, n_songs, sr, seconds + warmup_s)
    first = StreamingModel(next(iter(models.values())))
    frame_rate = sr / first.manifest["samplesPerFrame"]
    spf = first.manifest["samplesPerFrame"]
    rows = []
    # references: true stem (ceiling), AE reconstruction of the true stem (codec ceiling), random pairing (floor)
    ref = {"true stem (ceiling)": [], "true stem through the autoencoder": [], "random pairing (floor)": []}
    for i, s in enumerate(songs):
        harmonic = s["instrument"] != "drums"
        ref["true stem (ceiling)"].append(score(s["target"], s["mix"], s["target"], sr, warmup_s, harmonic))
        other = songs[(i + 1) % len(songs)]
        rnd = np.pad(other["target"], (0, max(0, len(s["target"]) - len(other["target"]))))[: len(s["target"])]
        ref["random pairing (floor)"].append(score(rnd, s["mix"], s["target"], sr, warmup_s, harmonic))
        first.reset()
        tgt = s["target"][: len(s["target"]) // spf * spf]
        rec = np.concatenate([first.decoder.step(first.encoder.step(tgt[None, j:j + spf])) for j in range(0, len(tgt), spf)], axis=1)[0]
        ref["true stem through the autoencoder"].append(score(rec, s["mix"], s["target"], sr, warmup_s, harmonic))
    for name, r in ref.items():
        rows.append({"system": name, "t_f": "", "k": "", **_mean(r), "rtf": float("nan")})
    for mname, mdir in models.items():
        model = StreamingModel(mdir)
        for tf_s in tf_list:
            tf = js_round(tf_s * frame_rate)
            res, compute, dur = [], 0.0, 0.0
            for i, s in enumerate(songs):
                gen, secs = stream_song(model, s["mix"], s["instrument_index"], tf, 1, seed=i)
                compute += secs
                dur += len(gen) / sr
                res.append(score(gen, s["mix"], s["target"], sr, warmup_s, s["instrument"] != "drums"))
            row = {"system": mname, "t_f": tf_s, "k": 1, **_mean(res), "rtf": compute / dur}
            rows.append(row)
            log(row)
    for mname, mdir in (k_models or {}).items():  # chunked steps: same outputs, different cost and latency
        model = StreamingModel(mdir)
        k = model.frames["generator"]
        tf = js_round(-0.1 * frame_rate)
        res, compute, dur = [], 0.0, 0.0
        for i, s in enumerate(songs):
            gen, secs = stream_song(model, s["mix"], s["instrument_index"], tf, k, seed=i)
            compute += secs
            dur += len(gen) / sr
            res.append(score(gen, s["mix"], s["target"], sr, warmup_s, s["instrument"] != "drums"))
        row = {"system": mname, "t_f": -0.1, "k": k, **_mean(res), "rtf": compute / dur}
        rows.append(row)
        log(row)
    return {"rows": rows, "songs": [s["name"] for s in songs], "targets": [s["instrument"] for s in songs]}


def markdown_table(rows: list[dict]) -> str:
    def f(v, p=3):
        return "–" if v == "" or (isinstance(v, float) and np.isnan(v)) else (f"{v:+.1f}" if isinstance(v, float) and p == 1 else f"{v:.{p}f}" if isinstance(v, float) else str(v))

    lines = ["| system | t_f (s) | k | beat F (70 ms) ↑ | chroma correlation with mix ↑ | log-mel L1 to true stem ↓ | RTF (1 thread) ↓ |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['system']} | {f(r['t_f'], 1)} | {r['k'] if r['k'] != '' else '–'} | {f(r['beat_f'])} | {f(r['chroma'])} | "
                     f"{f(r['mel_l1'])} | {f(r['rtf'], 4)} |")
    return "\n".join(lines)
