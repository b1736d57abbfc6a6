"""The t_f convention, in one place: training pairs, export (trainedTf), evaluation and tests use it.

It is the Node engine's (apps/inference/src/engine/settings.ts), i.e. the paper's streaming
formulation: at step t the engine emits the chunk y(t : t+k) from the mix heard up to t + t_f.
The generator graph is frame-aligned (output frame i depends on its inputs ≤ i), so the engine
feeds it the mix D = k − t_f late (in latent frames):

    output frame i is conditioned on mix frames ≤ i − D,   D = k_frames − t_f / frame.

A model is trained for one D with k = 1 frame; model.json's `trainedTf` is that t_f in seconds
(engine convention for one-frame chunks), which the engine checks as
`(tfFrames − kFrames + 1) · frame ∈ [trainedTf.min, trainedTf.max]`. Examples at 40 ms frames:
t_f = −0.12 s → D = 4 (frame 10 hears mix frames ≤ 6); t_f = 0 → D = 1; t_f = −0.04 s → D = 2.

The engine applies D to the mix *audio* (it prepends D·samplesPerFrame samples of silence
before encoding), so a delay in samples generalises it to any t_f in seconds, which evaluation
uses to feed a model t_f values that are not frame multiples (`mix_delay_samples`).
"""

from __future__ import annotations

EPS = 1e-6


class TimingError(ValueError):
    pass


def frames_exact(seconds: float, frame_seconds: float, what: str = "t_f") -> int:
    """`seconds` as a whole number of latent frames; raises unless it is one (as the engine does)."""
    f = seconds / frame_seconds
    if abs(f - round(f)) > EPS * max(1.0, abs(f)):
        raise TimingError(f"{what} = {seconds} s is not a multiple of the latent frame ({frame_seconds * 1000:.3f} ms)")
    return int(round(f))


def mix_delay_frames(tf_seconds: float, frame_seconds: float, k_frames: int = 1) -> int:
    """D = k − t_f in frames: output frame i is conditioned on mix frames ≤ i − D (engine's `delayFrames`).
    t_f must be a multiple of the frame. t_f > 0 (future mix) is allowed here for offline bounds; the
    engine itself refuses it."""
    if k_frames < 1:
        raise TimingError("k must be at least one frame")
    return k_frames - frames_exact(tf_seconds, frame_seconds, "t_f")


def tf_seconds_for_delay(delay_frames: int, frame_seconds: float, k_frames: int = 1) -> float:
    """Inverse of `mix_delay_frames`: the t_f (seconds) at which a model trained with delay D runs with k frames."""
    return round((k_frames - delay_frames) * frame_seconds, 9)


def trained_tf(tf_seconds: float, frame_seconds: float) -> dict:
    """model.json's `trainedTf` for a model trained at t_f (one value: min = max), checked to be a frame multiple."""
    d = mix_delay_frames(tf_seconds, frame_seconds, 1)
    tf = tf_seconds_for_delay(d, frame_seconds, 1)
    if tf > EPS:
        raise TimingError(f"trainedTf must be ≤ 0 (got {tf_seconds} s): a live engine cannot hear the future")
    return {"min": tf, "max": tf}


def mix_delay_samples(tf_seconds: float, sample_rate: int, samples_per_frame: int, k_frames: int = 1) -> int:
    """The same delay applied to mix audio, in samples: (k·frame − t_f)·sample_rate, for any t_f in seconds
    (equals mix_delay_frames · samples_per_frame when t_f is a frame multiple). Negative = future audio."""
    d = (k_frames * samples_per_frame / sample_rate - tf_seconds) * sample_rate
    n = int(round(d))
    if abs(d - n) > 1e-6 * max(1.0, abs(d)):
        raise TimingError(f"t_f = {tf_seconds} s is not a whole number of samples at {sample_rate} Hz")
    return n


def tf_from_config(cfg: dict) -> tuple[float, float, int]:
    """(t_f seconds, frame seconds, D frames) of a pipeline config's generator (k = 1)."""
    frame_s = cfg["samples_per_frame"] / cfg["sample_rate"]
    tf_s = float(cfg["generator"]["tf_s"])
    return tf_s, frame_s, mix_delay_frames(tf_s, frame_s, 1)
