"""Streaming == the parallel training pass, and outputs never depend on future inputs (causality)."""

import numpy as np
import pytest
import torch

from conftest import SPF

ATOL = 1e-5


@torch.no_grad()
def test_autoencoder_streaming_equals_parallel(tiny_ae):
    torch.manual_seed(0)
    audio = 0.1 * torch.randn(1, SPF * 40)
    z = tiny_ae.encode(audio)
    y = tiny_ae.decode(z)
    for k in (1, 3, 8):
        es, ds = tiny_ae.encoder.initial_state(1), tiny_ae.decoder.initial_state(1)
        zs, ys = [], []
        for i in range(0, 40, k):
            zz, es = tiny_ae.encoder(audio[:, i * SPF:(i + k) * SPF], es)
            yy, ds = tiny_ae.decoder(zz, ds)
            zs.append(zz)
            ys.append(yy)
        assert torch.allclose(torch.cat(zs, 1), z, atol=ATOL)
        assert torch.allclose(torch.cat(ys, 1), y, atol=ATOL)


@torch.no_grad()
def test_autoencoder_is_causal(tiny_ae):
    torch.manual_seed(1)
    a = 0.1 * torch.randn(1, SPF * 20)
    b = a.clone()
    b[:, SPF * 12:] = 0.1 * torch.randn(1, SPF * 8)  # change the future from frame 12 on
    za, zb = tiny_ae.encode(a), tiny_ae.encode(b)
    assert torch.allclose(za[:, :12], zb[:, :12], atol=ATOL)
    assert not torch.allclose(za[:, 12:], zb[:, 12:], atol=1e-3)
    ya, yb = tiny_ae.decode(za), tiny_ae.decode(zb)
    assert torch.allclose(ya[:, :12 * SPF], yb[:, :12 * SPF], atol=ATOL)


@pytest.mark.parametrize("k", [1, 4, 7])
@torch.no_grad()
def test_generator_streaming_equals_parallel_past_the_window(tiny_gen, k):
    """A 100-frame parallel pass (as in training) vs streaming k frames per call from a zero state:
    the window (16) rolls over many times, so this also checks the shift buffer and relative RoPE."""
    torch.manual_seed(2)
    T, B = 98, 2
    mix = torch.randn(B, T, tiny_gen.latent_size)
    noise = torch.randn(B, T, tiny_gen.noise_size)
    inst = torch.tensor([0, 5])
    full, _ = tiny_gen(mix, noise, inst, tiny_gen.initial_state(B))
    st, outs = tiny_gen.initial_state(B), []
    for i in range(0, T, k):
        y, st = tiny_gen(mix[:, i:i + k], noise[:, i:i + k], inst, st)
        outs.append(y)
    assert torch.allclose(torch.cat(outs, 1), full, atol=ATOL)
    assert int(st[-1][0]) == tiny_gen.window


@torch.no_grad()
def test_generator_is_causal_and_windowed(tiny_gen):
    torch.manual_seed(3)
    T = 30 + tiny_gen.n_layers * tiny_gen.window + 20
    mix, noise = torch.randn(1, T, tiny_gen.latent_size), torch.randn(1, T, tiny_gen.noise_size)
    inst = torch.tensor([2])
    base, _ = tiny_gen(mix, noise, inst, tiny_gen.initial_state(1))
    m2 = mix.clone()
    m2[:, 30] += 1.0  # perturb one frame
    pert, _ = tiny_gen(m2, noise, inst, tiny_gen.initial_state(1))
    diff = (pert - base).abs().amax(-1)[0]
    assert diff[:30].max() < ATOL  # no output before it changes (causal)
    assert diff[30] > 1e-4  # it is heard at once
    # each layer looks back `window` frames, so frame 30 is forgotten after layers·window frames:
    # bounded state, bounded memory of the past
    horizon = 30 + tiny_gen.n_layers * tiny_gen.window
    assert diff[horizon + 1:].max() < ATOL
    assert diff[30:horizon + 1].max() > 1e-4
