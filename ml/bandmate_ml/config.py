"""Pipeline configuration: one YAML file per run (configs/*.yaml), read into a plain dict."""

from __future__ import annotations

from pathlib import Path

import yaml

ML_ROOT = Path(__file__).resolve().parents[1]


def load_config(path: str | Path) -> dict:
    cfg = yaml.safe_load(Path(path).read_text())
    for key in ("sample_rate", "samples_per_frame", "data", "autoencoder", "generator"):
        if key not in cfg:
            raise ValueError(f"config {path} lacks `{key}`")
    if cfg["sample_rate"] % cfg["samples_per_frame"]:
        raise ValueError("sample_rate must be a multiple of samples_per_frame")
    prod = 1
    for s in cfg["autoencoder"]["strides"]:
        prod *= s
    if prod != cfg["samples_per_frame"]:
        raise ValueError(f"autoencoder strides multiply to {prod}, not samples_per_frame {cfg['samples_per_frame']}")
    return cfg


def resolve(path: str | Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else ML_ROOT / p

