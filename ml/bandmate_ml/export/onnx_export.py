"""Exports encoder, generator and decoder to ONNX with explicit state (the model contract).

Each graph has its data inputs (GRAPH_IO), then one input per state tensor; outputs are the data
output, then `<state>_next` per state in the same order. Shapes are static: `frames` latent frames
per call and batch 1 (the engine batches along axis 0 by running more sessions or re-exporting).
"""

from __future__ import annotations

from pathlib import Path

import onnx
import torch
from torch import nn

from ..models.autoencoder import CausalDecoder, CausalEncoder
from ..models.generator import AccompanimentGenerator

STATE_OUTPUT_SUFFIX = "_next"
GRAPH_IO = {
    "encoder": (["audio"], ["latents"]),
    "generator": (["mix", "noise", "instrument"], ["accompaniment"]),
    "decoder": (["latents"], ["audio"]),
}
# Format 2 (structured) graphs, keyed by the kind StreamingGraph runs them as.
CONTROL_GRAPH_IO = {
    "features": (["audio"], ["features"]),
    "control": (["features", "cond", "noise", "instrument"], ["control"]),
}
ONNX_OPSET = 17
ONNX_IR_VERSION = 10  # onnx 1.23 writes IR 14, which onnxruntime 1.30 (and onnxruntime-node) rejects


class _EncoderGraph(nn.Module):
    def __init__(self, enc: CausalEncoder):
        super().__init__()
        self.enc = enc

    def forward(self, audio, *states):
        z, nxt = self.enc(audio, list(states))
        return (z, *nxt)


class _DecoderGraph(nn.Module):
    def __init__(self, dec: CausalDecoder):
        super().__init__()
        self.dec = dec

    def forward(self, latents, *states):
        y, nxt = self.dec(latents, list(states))
        return (y, *nxt)


class _GeneratorGraph(nn.Module):
    def __init__(self, gen: AccompanimentGenerator):
        super().__init__()
        self.gen = gen

    def forward(self, mix, noise, instrument, *states):
        y, nxt = self.gen(mix, noise, instrument, list(states))
        return (y, *nxt)


def _export(module: nn.Module, args: tuple, input_names: list[str], output_names: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(module, args, str(path), input_names=input_names, output_names=output_names,
                          opset_version=ONNX_OPSET, dynamo=False, do_constant_folding=True)
    model = onnx.load(str(path))
    model.ir_version = ONNX_IR_VERSION
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def state_entries(specs) -> list[dict]:
    out = []
    for spec in specs:
        name, shape = spec[0], spec[1]
        dtype = spec[2] if len(spec) > 2 else "float32"
        out.append({"name": name, "shape": [int(s) for s in shape], "dtype": dtype})
    return out


def export_encoder(enc: CausalEncoder, path: Path, frames: int, samples_per_frame: int) -> list[dict]:
    enc = enc.eval()
    specs = enc.state_specs(1)
    states = enc.initial_state(1)
    audio = torch.zeros(1, frames * samples_per_frame)
    names = [s[0] for s in specs]
    _export(_EncoderGraph(enc), (audio, *states), ["audio", *names], ["latents", *[n + STATE_OUTPUT_SUFFIX for n in names]], path)
    return state_entries(specs)


def export_decoder(dec: CausalDecoder, path: Path, frames: int, latent_size: int) -> list[dict]:
    dec = dec.eval()
    specs = dec.state_specs(1)
    states = dec.initial_state(1)
    lat = torch.zeros(1, frames, latent_size)
    names = [s[0] for s in specs]
    _export(_DecoderGraph(dec), (lat, *states), ["latents", *names], ["audio", *[n + STATE_OUTPUT_SUFFIX for n in names]], path)
    return state_entries(specs)


def export_generator(gen: AccompanimentGenerator, path: Path, frames: int) -> list[dict]:
    gen = gen.eval()
    specs = gen.state_specs(1)
    states = gen.initial_state(1)
    mix = torch.zeros(1, frames, gen.latent_size)
    noise = torch.zeros(1, frames, gen.noise_size)
    inst = torch.zeros(1, dtype=torch.int64)
    names = [s[0] for s in specs]
    _export(_GeneratorGraph(gen), (mix, noise, inst, *states), ["mix", "noise", "instrument", *names],
            ["accompaniment", *[n + STATE_OUTPUT_SUFFIX for n in names]], path)
    return state_entries(specs)


def quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic int8 weights for MatMul/Gemm. reduce_range=True: without it this CPU (AVX2, no VNNI)
    gave 20-40 % output error (measured, see the model card)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, reduce_range=True, op_types_to_quantize=["MatMul", "Gemm"])
    model = onnx.load(str(dst))
    model.ir_version = ONNX_IR_VERSION
    onnx.save(model, str(dst))
