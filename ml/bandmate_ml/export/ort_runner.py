"""Streams exported graphs with onnxruntime exactly as the engine does: zero state, feed `_next` back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .onnx_export import CONTROL_GRAPH_IO, GRAPH_IO, STATE_OUTPUT_SUFFIX

_DTYPES = {"float32": np.float32, "int64": np.int64}


def make_session(path: Path, threads: int = 1) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


class StreamingGraph:
    def __init__(self, path: Path, kind: str, state: list[dict], threads: int = 1):
        self.session = make_session(path, threads)
        self.kind = kind
        self.state_spec = state
        self.inputs, self.outputs = {**GRAPH_IO, **CONTROL_GRAPH_IO}[kind]
        self.reset()

    def reset(self) -> None:
        self.state = {s["name"]: np.zeros(s["shape"], _DTYPES[s["dtype"]]) for s in self.state_spec}

    def step(self, *data: np.ndarray) -> np.ndarray:
        feed = dict(zip(self.inputs, data))
        feed.update(self.state)
        out_names = self.outputs + [s["name"] + STATE_OUTPUT_SUFFIX for s in self.state_spec]
        outs = self.session.run(out_names, feed)
        for s, v in zip(self.state_spec, outs[len(self.outputs):]):
            self.state[s["name"]] = v
        return outs[0]


class StreamingModel:
    """encoder + generator + decoder of one model folder (model.json + ONNX files)."""

    def __init__(self, model_dir: Path, threads: int = 1, generator_file: str | None = None):
        self.dir = Path(model_dir)
        self.manifest = json.loads((self.dir / "model.json").read_text())
        g = self.manifest["graphs"]
        self.encoder = StreamingGraph(self.dir / g["encoder"]["file"], "encoder", g["encoder"]["state"], threads)
        self.generator = StreamingGraph(self.dir / (generator_file or g["generator"]["file"]), "generator", g["generator"]["state"], threads)
        self.decoder = StreamingGraph(self.dir / g["decoder"]["file"], "decoder", g["decoder"]["state"], threads)
        self.frames = {k: g[k].get("staticFrames", 1) for k in ("encoder", "generator", "decoder")}

    def reset(self) -> None:
        for gr in (self.encoder, self.generator, self.decoder):
            gr.reset()
