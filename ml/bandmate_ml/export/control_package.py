"""Builds a structured model folder: features + generator graphs, the SoundFont, model.json (format 2).

The control layout, decoder thresholds and the synth's programs go into the manifest, so the Node
engine decodes and renders with exactly the settings the evaluation used.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch
from torch import nn

from ..data.control_frames import BASS_LOW, COND_SIZE, CONTROL_SIZE, DRUM_LANES, INSTRUMENTS, LAYOUT
from ..data.control_decoder import KEYS_RANGE
from ..features.beat_tracker import HOPS_PER_FRAME, TrackerConfig
from ..features.mix_features import FLUX_SLICE, HOP_FEATURES, MixFeatureExtractor
from ..models.control_generator import ControlGenerator
from .onnx_export import STATE_OUTPUT_SUFFIX, _export, state_entries

FORMAT_VERSION = 2
# The SoundFont the model ships with (cut from FluidR3_GM: packages/synth/SOUNDFONT.md), which the
# export copies and the evaluation renders with.
SHIPPED_SOUNDFONT = Path(__file__).resolve().parents[3] / "models" / "default" / "instruments.sf3"
SYNTH_PROGRAMS = {
    "drums": {"channel": 9, "bank": 128, "program": 0},
    "bass": {"channel": 0, "bank": 0, "program": 33},
    "keys": {"channel": 1, "bank": 0, "program": 4},
}


class _FeaturesGraph(nn.Module):
    def __init__(self, fx: MixFeatureExtractor):
        super().__init__()
        self.fx = fx

    def forward(self, audio, *states):
        return self.fx(audio, *states)


class _ControlGraph(nn.Module):
    def __init__(self, gen: ControlGenerator):
        super().__init__()
        self.gen = gen

    def forward(self, features, cond, noise, instrument, *states):
        y, nxt = self.gen(features, cond, noise, instrument, list(states))
        return (y, *nxt)


def export_features(fx: MixFeatureExtractor, path: Path, samples_per_frame: int) -> list[dict]:
    specs = fx.state_specs(1)
    names = [s[0] for s in specs]
    _export(_FeaturesGraph(fx.eval()), (torch.zeros(1, samples_per_frame), *fx.initial_state(1)), ["audio", *names],
            ["features", *[n + STATE_OUTPUT_SUFFIX for n in names]], path)
    return state_entries(specs)


def export_control_generator(gen: ControlGenerator, path: Path) -> list[dict]:
    gen = gen.eval()
    specs = gen.state_specs(1)
    names = [s[0] for s in specs]
    args = (torch.zeros(1, 1, gen.feature_size), torch.zeros(1, 1, COND_SIZE), torch.zeros(1, 1, gen.noise_size),
            torch.zeros(1, dtype=torch.int64), *gen.initial_state(1))
    _export(_ControlGraph(gen), args, ["features", "cond", "noise", "instrument", *names],
            ["control", *[n + STATE_OUTPUT_SUFFIX for n in names]], path)
    return state_entries(specs)


def beat_tracker_spec(cfg: TrackerConfig) -> dict:
    """The manifest's beatTracker: where the onset strength is in the features, and the settings."""
    camel = lambda k: k.split("_")[0] + "".join(w.title() for w in k.split("_")[1:])  # noqa: E731
    return {"hopsPerFrame": HOPS_PER_FRAME, "hopFeatures": HOP_FEATURES,
            "onsetFeatures": [FLUX_SLICE.start, FLUX_SLICE.stop], **{camel(k): v for k, v in cfg.to_json().items()}}


def package_control_model(out_dir: Path, cfg: dict, gen: ControlGenerator, soundfont: Path, card: dict | None = None,
                          description: str = "") -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    spf = cfg["samples_per_frame"]
    feat_state = export_features(MixFeatureExtractor(), out_dir / "features.onnx", spf)
    gen_state = export_control_generator(gen, out_dir / "generator.onnx")
    shutil.copyfile(soundfont, out_dir / soundfont.name)
    lo, hi = cfg["generator"]["tf_range_s"]
    manifest = {
        "format": "bandmate-model",
        "formatVersion": FORMAT_VERSION,
        "kind": "control",
        "name": cfg["name"],
        "version": cfg["version"],
        "description": description,
        "sampleRate": cfg["sample_rate"],
        "samplesPerFrame": spf,
        "featureSize": gen.feature_size,
        "condSize": COND_SIZE,
        "noiseSize": gen.noise_size,
        "controlSize": CONTROL_SIZE,
        "instruments": list(INSTRUMENTS),
        "trainedTf": {"min": lo, "max": hi},
        "tfStep": 0.01,
        "maxAttentionFrames": gen.window,
        "graphs": {
            "features": {"file": "features.onnx", "state": feat_state, "staticFrames": 1},
            "generator": {"file": "generator.onnx", "state": gen_state, "staticFrames": 1},
        },
        "control": {
            "layout": {k: [a, b] for k, (a, b) in LAYOUT.items()},
            "drumKeys": [key for key, _ in DRUM_LANES],
            "bassLowKey": BASS_LOW,
            "keysRange": list(KEYS_RANGE),
            "thresholds": {**{k: float(cfg["decode"][f"{k}_logit"]) for k in ("onset", "held", "pc")},
                           "revoiceFrames": int(cfg["decode"].get("revoice_frames", 0))},
        },
        "synth": {"soundFont": soundfont.name, "gain": 1.0, "instruments": SYNTH_PROGRAMS},
        "beatTracker": beat_tracker_spec(TrackerConfig()),
        "card": card or {},
    }
    (out_dir / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
