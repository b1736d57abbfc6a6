"""Builds a model folder (ONNX graphs + model.json) from trained checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

from ..instruments import INSTRUMENTS
from ..models.autoencoder import AutoEncoder
from ..models.generator import AccompanimentGenerator
from ..timing import tf_from_config, trained_tf
from .manifest import build_manifest
from .onnx_export import export_decoder, export_encoder, export_generator, quantize_int8


def package_model(out_dir: Path, cfg: dict, ae: AutoEncoder, gen: AccompanimentGenerator, frames: int = 1,
                  card: dict | None = None, int8: bool = True, description: str = "") -> dict:
    """trainedTf = the config's generator t_f (engine convention for one-frame chunks, min = max; see
    bandmate_ml.timing): the caller checks that the generator was trained with that t_f."""
    tf_s, frame_s, _ = tf_from_config(cfg)
    tf_range = trained_tf(tf_s, frame_s)
    out_dir.mkdir(parents=True, exist_ok=True)
    spf = cfg["samples_per_frame"]
    enc_state = export_encoder(ae.encoder, out_dir / "encoder.onnx", frames, spf)
    gen_state = export_generator(gen, out_dir / "generator.onnx", frames)
    dec_state = export_decoder(ae.decoder, out_dir / "decoder.onnx", frames, ae.latent_size)
    if int8:
        quantize_int8(out_dir / "generator.onnx", out_dir / "generator.int8.onnx")
    manifest = build_manifest(
        name=cfg["name"], version=cfg["version"], description=description,
        sample_rate=cfg["sample_rate"], samples_per_frame=spf, latent_size=ae.latent_size, noise_size=gen.noise_size,
        instruments=list(INSTRUMENTS), trained_tf=tf_range, max_attention_frames=gen.window,
        graphs={
            "encoder": {"file": "encoder.onnx", "state": enc_state, "staticFrames": frames},
            "generator": {"file": "generator.onnx", "state": gen_state, "staticFrames": frames},
            "decoder": {"file": "decoder.onnx", "state": dec_state, "staticFrames": frames},
        },
        card=card or {},
    )
    (out_dir / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
