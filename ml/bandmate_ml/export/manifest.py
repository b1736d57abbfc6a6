"""model.json: built from the trained models and validated against the model contract.

The contract is the zod schema in packages/shared/src/model-contract.ts; `validate_manifest`
mirrors its rules (strict objects, identifier tensor names, plain .onnx file names, the t_f range,
state shapes with the batch axis first) so Python CI catches a bad manifest before the engine does.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

MODEL_FORMAT = "bandmate-model"
MODEL_FORMAT_VERSION = 1

_TENSOR = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.onnx$")
_TOP_KEYS = {"format", "formatVersion", "name", "version", "description", "sampleRate", "samplesPerFrame", "latentSize",
             "noiseSize", "instruments", "trainedTf", "maxAttentionFrames", "graphs", "card"}
_REQUIRED = _TOP_KEYS - {"description", "card"}


class ManifestError(ValueError):
    pass


def _int(v, lo=None, hi=None) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and (lo is None or v >= lo) and (hi is None or v <= hi)


def validate_manifest(m: dict) -> None:
    errs = []
    extra = set(m) - _TOP_KEYS
    if extra:
        errs.append(f"unknown keys {sorted(extra)}")
    missing = _REQUIRED - set(m)
    if missing:
        errs.append(f"missing keys {sorted(missing)}")
    if m.get("format") != MODEL_FORMAT:
        errs.append("format must be 'bandmate-model'")
    if m.get("formatVersion") != MODEL_FORMAT_VERSION:
        errs.append("formatVersion must be 1")
    if not (isinstance(m.get("name"), str) and 1 <= len(m["name"]) <= 80):
        errs.append("name: 1..80 chars")
    if not (isinstance(m.get("version"), str) and 1 <= len(m["version"]) <= 40):
        errs.append("version: 1..40 chars")
    if "description" in m and not (isinstance(m["description"], str) and len(m["description"]) <= 2000):
        errs.append("description: string <= 2000 chars")
    if not _int(m.get("sampleRate"), 8000, 96000):
        errs.append("sampleRate: int 8000..96000")
    if not _int(m.get("samplesPerFrame"), 1, 48000):
        errs.append("samplesPerFrame: int 1..48000")
    if not _int(m.get("latentSize"), 1, 4096):
        errs.append("latentSize: int 1..4096")
    if not _int(m.get("noiseSize"), 0, 4096):
        errs.append("noiseSize: int 0..4096")
    inst = m.get("instruments")
    if not (isinstance(inst, list) and 1 <= len(inst) <= 128 and all(isinstance(s, str) and 1 <= len(s) <= 40 for s in inst)):
        errs.append("instruments: 1..128 strings of 1..40 chars")
    tf = m.get("trainedTf")
    if not (isinstance(tf, dict) and set(tf) == {"min", "max"} and all(isinstance(tf[k], (int, float)) and tf[k] <= 0 for k in tf)
            and tf["min"] <= tf["max"]):
        errs.append("trainedTf: {min, max} both <= 0 and min <= max")
    elif _int(m.get("sampleRate"), 1) and _int(m.get("samplesPerFrame"), 1):
        # the engine accepts t_f, k when (tfFrames − kFrames + 1)·frame ∈ [min, max]: a whole number of frames
        # must lie in the range, or no setting can run the model (bandmate_ml.timing)
        frame = m["samplesPerFrame"] / m["sampleRate"]
        if math.floor(tf["max"] / frame + 1e-6) < math.ceil(tf["min"] / frame - 1e-6):
            errs.append(f"trainedTf [{tf['min']}, {tf['max']}] holds no multiple of the {frame * 1000:.3f} ms frame: "
                        "the engine would refuse every t_f")
    if not _int(m.get("maxAttentionFrames"), 1):
        errs.append("maxAttentionFrames: positive int")
    graphs = m.get("graphs")
    if not (isinstance(graphs, dict) and set(graphs) == {"encoder", "generator", "decoder"}):
        errs.append("graphs: exactly encoder, generator, decoder")
    else:
        for gname, g in graphs.items():
            if not isinstance(g, dict) or set(g) - {"file", "state", "staticFrames"} or not {"file", "state"} <= set(g):
                errs.append(f"graphs.{gname}: keys file, state[, staticFrames]")
                continue
            if not (isinstance(g["file"], str) and _FILE.match(g["file"])):
                errs.append(f"graphs.{gname}.file: plain .onnx name")
            if "staticFrames" in g and not _int(g["staticFrames"], 1):
                errs.append(f"graphs.{gname}.staticFrames: positive int")
            st = g["state"]
            if not (isinstance(st, list) and len(st) <= 128):
                errs.append(f"graphs.{gname}.state: list of <= 128")
                continue
            for s in st:
                if not isinstance(s, dict) or set(s) - {"name", "shape", "dtype"} or not {"name", "shape"} <= set(s):
                    errs.append(f"graphs.{gname}.state entry keys: {s}")
                    continue
                if not (isinstance(s["name"], str) and len(s["name"]) <= 64 and _TENSOR.match(s["name"])):
                    errs.append(f"graphs.{gname}.state name {s['name']!r}")
                if not (isinstance(s["shape"], list) and 1 <= len(s["shape"]) <= 6 and all(_int(d, 1) for d in s["shape"])):
                    errs.append(f"graphs.{gname}.state {s['name']} shape {s['shape']}")
                if s.get("dtype", "float32") not in ("float32", "int64"):
                    errs.append(f"graphs.{gname}.state {s['name']} dtype")
    if "card" in m and not isinstance(m["card"], dict):
        errs.append("card: object")
    if errs:
        raise ManifestError("model.json violates the model contract: " + "; ".join(errs))


def build_manifest(*, name: str, version: str, description: str, sample_rate: int, samples_per_frame: int, latent_size: int,
                   noise_size: int, instruments: list[str], trained_tf: dict, max_attention_frames: int, graphs: dict,
                   card: dict) -> dict:
    m = {
        "format": MODEL_FORMAT,
        "formatVersion": MODEL_FORMAT_VERSION,
        "name": name,
        "version": version,
        "description": description,
        "sampleRate": sample_rate,
        "samplesPerFrame": samples_per_frame,
        "latentSize": latent_size,
        "noiseSize": noise_size,
        "instruments": instruments,
        "trainedTf": {"min": trained_tf["min"], "max": trained_tf["max"]},
        "maxAttentionFrames": max_attention_frames,
        "graphs": graphs,
        "card": card,
    }
    validate_manifest(m)
    return m


MAX_SHIPPED_BYTES = 25 * 1024 * 1024


def shipped_size(dest: Path) -> int:
    """Bytes of a shipped model folder; exits when it is over the repository's 25 MiB limit."""
    total = sum(p.stat().st_size for p in dest.iterdir() if p.is_file())
    if total > MAX_SHIPPED_BYTES:
        raise SystemExit(f"{dest} is {total / 1e6:.1f} MB, over the 25 MiB limit")
    return total
