"""benchmarks/clean_input_masks.py: how much of a voice's clean speech a denoiser takes out, band by band."""
import sys

import numpy as np
import torch
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import clean_input_masks as C  # noqa: E402


class LowCut(torch.nn.Module):
    """Halves the first 10 of 513 bins (0-141 Hz at 16 kHz) and passes the rest."""

    def forward(self, frames):
        gain = torch.ones(frames.shape[1])
        gain[:10] = 0.5
        return frames * gain


def test_a_network_that_passes_speech_keeps_every_band_and_a_cut_shows_in_its_bands():
    s = np.random.default_rng(0).normal(size=16000).astype(np.float32)
    assert np.allclose(C.band_kept_db(torch.nn.Identity(), s), 0.0, atol=1e-3)
    kept = C.band_kept_db(LowCut(), s)
    assert np.allclose(kept[:2], -6.02, atol=0.05) and np.allclose(kept[2:], 0.0, atol=1e-3)
