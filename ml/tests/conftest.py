import sys
from pathlib import Path

import pytest
import torch

ML_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ML_ROOT))

from bandmate_ml.models.autoencoder import AutoEncoder  # noqa: E402
from bandmate_ml.export.package import package_model  # noqa: E402
from bandmate_ml.models.generator import AccompanimentGenerator  # noqa: E402

SR, SPF = 24000, 960
TF = -0.12  # the t_f the tiny exported model is declared trained for


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


@pytest.fixture(scope="session")
def exported(tmp_path_factory, tiny_ae, tiny_gen):
    """The tiny autoencoder and generator packaged under the model contract (one-frame graphs)."""
    out = tmp_path_factory.mktemp("tiny_model")
    cfg = {"name": "test", "version": "0", "sample_rate": SR, "samples_per_frame": SPF, "generator": {"tf_s": TF}}
    package_model(out, cfg, tiny_ae, tiny_gen, frames=1, int8=False)
    return out
