import sys
from pathlib import Path

import pytest
import torch

ML_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ML_ROOT))

from bandmate_ml.models.autoencoder import AutoEncoder  # noqa: E402
from bandmate_ml.models.generator import AccompanimentGenerator  # noqa: E402

SR, SPF = 24000, 960


@pytest.fixture(scope="session")
def tiny_ae():
    torch.manual_seed(0)
    return AutoEncoder([8, 16, 16, 16], [8, 4, 5, 6], 8).eval()


@pytest.fixture(scope="session")
def tiny_gen():
    torch.manual_seed(1)
    g = AccompanimentGenerator(8, 4, 12, d_model=32, layers=2, heads=4, kv_heads=2, ffn_hidden=64, window=16).eval()
    g.latent_mean.normal_(0, 0.1)
    g.latent_std.uniform_(0.5, 2.0)
    return g
