"""Resumable training: checkpoints carry model, optimiser, step and elapsed training time."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import torch


def save_checkpoint(path: Path, **state) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)  # never leave a half-written checkpoint behind


def load_checkpoint(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=False)


class TrainLog:
    """Appends one JSON object per line to runs/<name>/log.jsonl and echoes a short line."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.f = open(path, "a")

    def write(self, **row) -> None:
        row["time"] = round(time.time(), 1)
        self.f.write(json.dumps(row) + "\n")
        self.f.flush()
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if k != "time"), flush=True)
