"""Validates a model folder against the model contract and streams 2 s through it with onnxruntime."""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.export.manifest import ManifestError, validate_manifest  # noqa: E402
from bandmate_ml.export.onnx_export import GRAPH_IO, STATE_OUTPUT_SUFFIX  # noqa: E402
from bandmate_ml.export.ort_runner import StreamingModel  # noqa: E402

_ONNX_TYPES = {"float32": onnx.TensorProto.FLOAT, "int64": onnx.TensorProto.INT64}


def check(model_dir: Path) -> None:
    m = json.loads((model_dir / "model.json").read_text())
    validate_manifest(m)
    for gname, g in m["graphs"].items():
        graph = onnx.load(str(model_dir / g["file"])).graph
        ins = {i.name: i for i in graph.input}
        outs = {o.name: o for o in graph.output}
        want_in, want_out = GRAPH_IO[gname]
        for name in want_in:
            if name not in ins:
                raise ManifestError(f"{g['file']}: missing input {name}")
        for name in want_out:
            if name not in outs:
                raise ManifestError(f"{g['file']}: missing output {name}")
        for s in g["state"]:
            for name, table in ((s["name"], ins), (s["name"] + STATE_OUTPUT_SUFFIX, outs)):
                if name not in table:
                    raise ManifestError(f"{g['file']}: state tensor {name} missing")
                t = table[name].type.tensor_type
                dims = [d.dim_value for d in t.shape.dim]
                if dims != s["shape"] or t.elem_type != _ONNX_TYPES[s.get("dtype", "float32")]:
                    raise ManifestError(f"{g['file']}: {name} is {dims}/{t.elem_type}, model.json says {s['shape']}/{s.get('dtype')}")
    model = StreamingModel(model_dir)
    spf, k = m["samplesPerFrame"], model.frames["encoder"]
    rng = np.random.default_rng(0)
    for _ in range(int(2 * m["sampleRate"] / spf / k)):
        z = model.encoder.step((0.1 * rng.standard_normal((1, spf * k))).astype(np.float32))
        a = model.generator.step(z, rng.standard_normal((1, k, m["noiseSize"])).astype(np.float32), np.array([0], np.int64))
        y = model.decoder.step(a)
        if not np.isfinite(y).all():
            raise ManifestError("decoder produced non-finite audio")
    size = sum(p.stat().st_size for p in model_dir.iterdir() if p.is_file())
    print(f"{model_dir}: model.json valid, graphs match it, 2 s streamed OK; {size / 1e6:.1f} MB on disk")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model_dir")
    args = ap.parse_args()
    try:
        check(Path(args.model_dir))
    except (ManifestError, FileNotFoundError) as e:
        sys.exit(f"INVALID MODEL: {e}")


if __name__ == "__main__":
    main()
