"""benchmarks/inference_ensembles.py: the inference-only averages of the denoisers' outputs, and the epochs' weights."""
import sys
from dataclasses import replace

import numpy as np
import torch
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

import inference_ensembles as E  # noqa: E402
import speech_ablation as A  # noqa: E402


def test_time_smoothing_spreads_a_one_frame_mask_and_keeps_a_constant_one():
    mag = np.ones((3, 5))
    spike = np.zeros((3, 5))
    spike[:, 2] = 1.0
    out = E.smoothed_over_time(spike * mag, mag, (1.0, 2.0, 1.0))
    assert np.allclose(out[:, 1:4], [0.25, 0.5, 0.25]) and np.allclose(out[:, [0, 4]], 0)
    assert np.allclose(E.smoothed_over_time(0.7 * mag, mag, (1.0, 4.0, 1.0)), 0.7)


def test_gain_averaging_leaves_a_gain_equivariant_network_unchanged():
    class Half(torch.nn.Module):
        def forward(self, frames):
            return 0.5 * frames

    mags = {"a": np.random.default_rng(0).uniform(0.1, 1.0, (513, 7))}
    plain = E.output_magnitudes(Half(), mags)["a"]
    averaged = E.output_magnitudes(Half(), mags, (-6.0, 0.0, 6.0))["a"]
    assert np.allclose(plain, 0.5 * mags["a"], atol=1e-6) and np.allclose(averaged, plain, atol=1e-6)


def test_training_keeps_every_epochs_weights_when_asked(speech_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(A, "CACHE", tmp_path / "cache")
    recipe = replace(A.VARIANTS["dnn-voices-noise0"][0], epochs=2, frames_per_epoch=256, hidden=16,
                     semitones=(0, 12))
    states: list[dict] = []
    run = A.train(recipe, A.load_data(speech_dir), 0, states=states)
    assert len(states) == 2 == len(run["scores_per_epoch"]["tail"])
    assert not torch.equal(states[0]["body.0.weight"], states[1]["body.0.weight"])
