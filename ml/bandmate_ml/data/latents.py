"""Pre-encodes a Slakh-layout dataset into autoencoder latents for generator training.

Per track: the latents of every stem (targets) and, per target, `mixes_per_target` mixes of a
random non-empty subset of the other stems, plus frame levels (dB) to reject silent windows.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import torch

from .slakh import Track, list_tracks, load_track


def frame_db(audio: np.ndarray, samples_per_frame: int) -> np.ndarray:
    n = len(audio) // samples_per_frame
    frames = audio[: n * samples_per_frame].reshape(n, samples_per_frame).astype(np.float64)
    return (10 * np.log10((frames ** 2).mean(axis=1) + 1e-12)).astype(np.float32)


def random_subsets(rng: np.random.Generator, others: list[int], count: int) -> list[list[int]]:
    """`count` random non-empty subsets of `others` (may repeat when there are few stems)."""
    subsets = []
    for _ in range(count):
        k = int(rng.integers(1, len(others) + 1))
        subsets.append(sorted(rng.choice(others, size=k, replace=False).tolist()))
    return subsets


@torch.no_grad()
def encode_audio(encoder, audio: np.ndarray, samples_per_frame: int, chunk_frames: int = 750) -> np.ndarray:
    n = len(audio) // samples_per_frame
    x = torch.from_numpy(audio[: n * samples_per_frame]).float()[None]
    state, out = encoder.initial_state(1), []
    step = chunk_frames * samples_per_frame
    for i in range(0, x.shape[1], step):  # chunked streaming pass: bounded memory, same result
        z, state = encoder(x[:, i:i + step], state)
        out.append(z)
    return torch.cat(out, 1)[0].numpy()


def encode_track(encoder, track: Track, samples_per_frame: int, mixes_per_target: int) -> dict:
    rng = np.random.default_rng(zlib.crc32(track.name.encode()))
    n_stems = len(track.stems)
    targets = np.stack([encode_audio(encoder, s.audio, samples_per_frame) for s in track.stems])
    target_db = np.stack([frame_db(s.audio, samples_per_frame) for s in track.stems])
    mixes, mix_db, subsets = [], [], []
    for t in range(n_stems):
        others = [i for i in range(n_stems) if i != t]
        row, row_db, row_sub = [], [], []
        for sub in (random_subsets(rng, others, mixes_per_target) if others else []):
            audio = sum(track.stems[i].audio for i in sub)
            peak = float(np.abs(audio).max())
            audio = audio / peak * 0.95 if peak > 0.95 else audio
            row.append(encode_audio(encoder, audio.astype(np.float32), samples_per_frame))
            row_db.append(frame_db(audio, samples_per_frame))
            row_sub.append(sub + [-1] * (n_stems - len(sub)))
        mixes.append(row)
        mix_db.append(row_db)
        subsets.append(row_sub)
    return {
        "targets": targets.astype(np.float32),
        "target_db": target_db,
        "instruments": np.array([s.instrument_index for s in track.stems], np.int64),
        "mixes": np.array(mixes, np.float32),  # [S, M, N, D]
        "mix_db": np.array(mix_db, np.float32),
        "mix_subsets": np.array(subsets, np.int64),
    }


def encode_dataset(encoder, data_root: Path, out_dir: Path, sample_rate: int, samples_per_frame: int,
                   mixes_per_target: int, log=print, shard: tuple[int, int] = (0, 1)) -> list[Path]:
    """`shard` (i, n): encode only every n-th track from the i-th, so n processes can split the work."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, tdir in enumerate(list_tracks(data_root)):
        if k % shard[1] != shard[0]:
            continue
        out = out_dir / f"{tdir.name}.npz"
        if not out.exists():
            track = load_track(tdir, sample_rate)
            if len(track.stems) < 2:
                continue
            tmp = out.parent / f".partial-{out.name}"
            np.savez(tmp, **encode_track(encoder, track, samples_per_frame, mixes_per_target))
            tmp.rename(out)
            log(f"[{k + 1}] {tdir.name}")
        paths.append(out)
    return paths


def load_latent_tracks(paths: list[Path]) -> list[dict]:
    return [dict(np.load(p)) for p in paths]
