"""Reconstruction losses for the autoencoder: multi-resolution STFT + waveform L1."""

from __future__ import annotations

import torch
import torch.nn.functional as F

FFT_SIZES = (2048, 1024, 512, 256, 128)


def _mag(x: torch.Tensor, n_fft: int) -> torch.Tensor:
    window = torch.hann_window(n_fft, device=x.device)
    spec = torch.stft(x, n_fft, hop_length=n_fft // 4, window=window, return_complex=True)
    return spec.abs().clamp_min(1e-5)


def multi_resolution_stft_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    loss = pred.new_zeros(())
    for n in FFT_SIZES:
        p, t = _mag(pred, n), _mag(target, n)
        sc = torch.linalg.norm(t - p) / torch.linalg.norm(t).clamp_min(1e-5)
        loss = loss + sc + F.l1_loss(torch.log(p), torch.log(t))
    return loss / len(FFT_SIZES)


def reconstruction_loss(pred: torch.Tensor, target: torch.Tensor, w_l1: float = 1.0) -> tuple[torch.Tensor, dict]:
    stft = multi_resolution_stft_loss(pred, target)
    l1 = F.l1_loss(pred, target)
    return stft + w_l1 * l1, {"stft": float(stft.detach()), "l1": float(l1.detach())}
