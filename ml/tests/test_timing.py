"""Pins the t_f convention (bandmate_ml.timing) to the Node engine's (apps/inference/src/engine/settings.ts):
at t_f = −0.12 s with 40 ms frames and k = 1 frame, output frame i is conditioned on mix frames ≤ i − 4.
Checked through the real code paths: the training pairs + the generator's forward pass, and the
exported graphs streamed the way the engine (and evaluation) streams them."""

import json

import numpy as np
import pytest
import torch

from bandmate_ml.data.pairs import LatentPairSampler
from bandmate_ml.eval.accompaniment import stream_song
from bandmate_ml.export.manifest import ManifestError, validate_manifest
from bandmate_ml.export.ort_runner import StreamingModel
from bandmate_ml.timing import (TimingError, mix_delay_frames, mix_delay_samples, tf_from_config, tf_seconds_for_delay,
                                trained_tf)
from conftest import SPF, SR, TF

FRAME = SPF / SR  # 40 ms
ATOL = 1e-5


def engine_resolve(manifest: dict, tf: float, k: float) -> dict:
    """settings.ts's resolveSettings, the parts that concern timing (a mirror, to pin the contract)."""
    frame = manifest["samplesPerFrame"] / manifest["sampleRate"]

    def frames(sec):
        f = sec / frame
        assert abs(f - round(f)) <= 1e-6 * max(1, abs(f)), f"{sec} s is not a frame multiple"
        return round(f)

    tf_frames, k_frames = frames(tf), frames(k)
    seen = (tf_frames - k_frames + 1) * frame
    lo, hi = manifest["trainedTf"]["min"], manifest["trainedTf"]["max"]
    return {"accepted": lo - 1e-6 <= seen <= hi + 1e-6, "delayFrames": k_frames - tf_frames}


def test_delay_in_frames_and_samples():
    assert mix_delay_frames(TF, FRAME) == 4
    assert mix_delay_frames(0.0, FRAME) == 1
    assert mix_delay_frames(-0.04, FRAME) == 2
    assert mix_delay_frames(0.0, FRAME, k_frames=4) == 4  # same per-frame delay with 4-frame chunks at t_f = 0
    assert tf_seconds_for_delay(4, FRAME) == pytest.approx(TF)
    assert tf_seconds_for_delay(4, FRAME, k_frames=4) == 0.0
    for bad in (-0.1, 0.1, -0.02):
        with pytest.raises(TimingError):
            mix_delay_frames(bad, FRAME)
    assert trained_tf(TF, FRAME) == {"min": pytest.approx(TF), "max": pytest.approx(TF)}
    with pytest.raises(TimingError):
        trained_tf(0.04, FRAME)  # the future: no live engine can run it
    # in samples: the same delay for frame multiples, exact for any t_f in seconds
    assert mix_delay_samples(TF, SR, SPF) == 4 * SPF
    assert mix_delay_samples(-0.1, SR, SPF) == 3360
    assert mix_delay_samples(0.1, SR, SPF) == -1440
    assert mix_delay_samples(0.0, SR, SPF, k_frames=4) == 4 * SPF
    assert tf_from_config({"sample_rate": SR, "samples_per_frame": SPF, "generator": {"tf_s": TF}})[2] == 4


def test_default_config_is_trained_for_the_live_room():
    """The live room asks for t_f = −(jitter 40 ms) − 2k = −0.12 s (apps/inference/src/room/agent-client.ts)."""
    from bandmate_ml.config import ML_ROOT, load_config

    tf_s, frame_s, d = tf_from_config(load_config(ML_ROOT / "configs" / "default.yaml"))
    assert (tf_s, d) == (pytest.approx(-0.04 - 2 * 0.04), 4)


@torch.no_grad()
def test_training_pairs_condition_output_frame_10_on_mix_frames_up_to_6(tiny_gen):
    """Song frame 10 of the generated part depends on the song's mix frame 6 and on none of 7, 8, …:
    training pairs (LatentPairSampler) + the generator's parallel training pass."""
    n, d = 40, tiny_gen.latent_size
    rng = np.random.default_rng(0)
    track = {"targets": rng.standard_normal((1, n, d)).astype(np.float32), "target_db": np.zeros((1, n), np.float32),
             "instruments": np.array([3]), "mixes": rng.standard_normal((1, 1, n, d)).astype(np.float32),
             "mix_db": np.zeros((1, 1, n), np.float32)}
    delay = mix_delay_frames(TF, FRAME)
    sampler = LatentPairSampler([track], seq_frames=24, delay_frames=delay)
    start = delay  # the first legal window: its output frames are song frames 4 … 27
    noise = torch.from_numpy(rng.standard_normal((1, 24, tiny_gen.noise_size)).astype(np.float32))

    def song_frame_10(mixes: np.ndarray) -> torch.Tensor:
        mix, _, inst = sampler.window(dict(track, mixes=mixes), 0, 0, start)
        y, _ = tiny_gen(torch.from_numpy(mix)[None], noise, torch.tensor([inst]), tiny_gen.initial_state(1))
        return y[0, 10 - start]

    base = song_frame_10(track["mixes"])
    future = track["mixes"].copy()
    future[:, :, 7:] += 5.0
    assert torch.allclose(song_frame_10(future), base, atol=ATOL)
    heard = track["mixes"].copy()
    heard[:, :, 6] += 1.0
    assert (song_frame_10(heard) - base).abs().max() > 1e-3


def test_manifest_trained_tf_in_engine_terms(exported):
    m = json.loads((exported / "model.json").read_text())
    assert m["trainedTf"] == {"min": pytest.approx(TF), "max": pytest.approx(TF)}
    live = engine_resolve(m, TF, FRAME)
    assert live["accepted"] and live["delayFrames"] == mix_delay_frames(TF, FRAME) == 4
    assert engine_resolve(m, 0.0, 4 * FRAME)["accepted"]  # 4-frame chunks at t_f = 0: same per-frame delay
    assert not engine_resolve(m, -0.08, FRAME)["accepted"] and not engine_resolve(m, -0.16, FRAME)["accepted"]
    with pytest.raises(ManifestError, match="multiple"):
        validate_manifest(dict(m, trainedTf={"min": -0.1, "max": -0.1}))  # the old, unrunnable manifest


def test_streaming_as_the_engine_hears_output_frame_10_only_from_mix_frames_up_to_6(exported):
    """The exported graphs, streamed as the engine streams them (mix audio delayed by D frames of silence):
    output audio frame 10 changes with mix audio frame 6 and not with anything from frame 7 on."""
    model = StreamingModel(exported)
    rng = np.random.default_rng(1)
    n = 16
    mix = (0.2 * rng.standard_normal(n * SPF)).astype(np.float32)
    noise = rng.standard_normal((1, n, model.manifest["noiseSize"])).astype(np.float32)

    def frame_10(audio):
        y, _ = stream_song(model, audio, 2, TF, 1, seed=0, noise=noise)
        return y[10 * SPF:11 * SPF]

    base = frame_10(mix)
    future = mix.copy()
    future[7 * SPF:] = 0.5 * rng.standard_normal(len(mix) - 7 * SPF)
    assert np.array_equal(frame_10(future), base)  # same inputs up to frame 10: bit-identical
    heard = mix.copy()
    heard[6 * SPF:7 * SPF] += 0.5
    assert np.abs(frame_10(heard) - base).max() > 1e-4
    # a t_f that is not a frame multiple is exact in samples: −0.1 s hears 20 ms of frame 7 at output frame 10
    y_a, _ = stream_song(model, mix, 2, -0.1, 1, seed=0, noise=noise)
    y_b, _ = stream_song(model, future, 2, -0.1, 1, seed=0, noise=noise)
    assert np.abs(y_a[10 * SPF:11 * SPF] - y_b[10 * SPF:11 * SPF]).max() > 1e-5  # (a tiny random model: weak but real)
    y_c, _ = stream_song(model, np.concatenate([mix[:7 * SPF + 480], future[7 * SPF + 480:]]), 2, -0.1, 1, seed=0, noise=noise)
    assert np.array_equal(y_a[:11 * SPF], y_c[:11 * SPF])
