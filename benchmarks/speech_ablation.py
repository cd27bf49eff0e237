"""Ablation of the speech denoisers' training recipe (Problems 1-2), measured on the course data.

Each variant changes one thing from the default recipe and is trained once (seed 0). After every
epoch it is scored on the held-out tail of the training pair, on the tail's clean speech shifted up
an octave (formants moved as in the recipe's training voices) and remixed with the tail's noise (the
selection set, which needs no test pair), and on
the new-voice pairs test_12 (unseen noise) and test_11 (trained noise). The test pairs are only
reported, never used to pick a checkpoint: the kept epoch follows a rule over tail-only signals.

    python benchmarks/speech_ablation.py                      # every variant (about 3 min each)
    python benchmarks/speech_ablation.py --only dnn,cnn       # some; results merge into the JSON
    python benchmarks/speech_ablation.py --seeds 1,2 --only dnn-final,cnn-final --seed0-from-ablation \
        --out outputs/speech_ablation/seeds.json   # seed study; seed 0 is the ablation's own run

Writes outputs/speech_ablation/ablation.json (atomically, after each variant).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import helpers as H  # noqa: E402

CACHE = ROOT / "build" / "speech_cache"
RULES = {  # checkpoint rule -> how an epoch is scored (higher is better); tail signals only
    "tail+octave": lambda sc, i: sc["tail_octave"][i],
    "tail": lambda sc, i: sc["tail"][i],
    "mean": lambda sc, i: (sc["tail"][i] + sc["tail_octave"][i]) / 2,
    "last": lambda sc, i: i,
    "voices": lambda sc, i: (sc["tail"][i] + sc["tail_octave"][i] + sc["tail_bass"][i]) / 3,
}
DEFAULT_RULE = "tail+octave"  # the rule of every recipe that does not name another


@dataclass
class Recipe:
    """One training recipe: the network and how its training frames are made."""

    net: str = "dnn"  # "dnn" (fully connected, layers x hidden) or "cnn" (FrequencyCNN, `channels` kernels, D=9)
    semitones: tuple[float, ...] = (-4, -2, 0, 2, 4, 6, 8, 10, 12)
    eq_db: float = 6.0
    speech_db: tuple[float, float] = (-6.0, 6.0)
    noise_db: tuple[float, float] = (-3.0, 9.0)
    phase_sensitive: bool = False
    fresh_frames: bool = True  # new frames every epoch, or one set drawn once
    frames_per_epoch: int = 20000
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    dropout: float = 0.0
    hidden: int = 1024  # DNN only: units per hidden layer
    layers: int = 2  # DNN only: hidden layers
    channels: int = 16  # CNN only: kernels per convolutional layer
    noise_eq_db: float = 0.0  # smooth random EQ on the noise
    noise_mix: float = 0.0  # probability of adding a second noise frame (at -6..0 dB)
    noise_eq_bands: int = 6  # bands of the noise EQ
    noise_rates: tuple[float, ...] = (1.0,)  # the training noise played at these speeds (spectrum scaled)
    ema: float = 0.0  # > 0: score and keep an exponential moving average of the weights (decay per step)
    speech_hop: int = 512  # training speech columns every this many samples (the homework's STFT: 512)
    noise_hop: int = 512  # training noise columns every this many samples
    max_mask: float = 1.0  # the mask's ceiling (sigmoid x this)
    weight_decay: float = 0.0  # > 0: AdamW with this decoupled weight decay
    formant_fraction: float | tuple[float, ...] = 1.0  # formants move by this fraction of each shift (1: together);
    # a tuple: one set of voices per fraction
    checkpoint: str = DEFAULT_RULE  # the rule (RULES) that picks the kept epoch
    eq_bands: int = 6  # bands of the speech EQ
    low_eq_db: float | None = None  # range of the speech EQ's lowest band (a random low shelf); None: eq_db
    tilt_db: float = 0.0  # random spectral tilt of the speech, +- dB per octave
    warp: float = 0.0  # random frequency warp of each speech column, factor in [1/(1+warp), 1+warp]
    formant_warp: float = 0.0  # random warp of each speech column's envelope only (formants; harmonics stay)
    band_drop: int = 0  # training only: each input column loses a random band of up to this many bins
    reverb: bool = False  # add one copy of every voice in a random synthetic room (reverberant_voices)
    frame_norm: bool = False  # each input column moved to the training mean level: a level-blind input
    global_norm: bool = False  # standardise the log-magnitudes with one mean and spread, not per frequency
    loss_power: float = 1.0  # the MSE between magnitudes raised to this power (< 1: compressed, quiet bins weigh more)


TUNED = Recipe(phase_sensitive=True, lr=3e-4, frames_per_epoch=30000, epochs=40)  # the DNN before noise EQ
NOISE_EQ = replace(TUNED, noise_eq_db=6.0, batch_size=64)  # the DNN before formant shifts
FORMANT = replace(NOISE_EQ, formant_fraction=0.25, checkpoint="last")  # the DNN before noise speeds
FINAL = replace(FORMANT, noise_rates=(0.95, 1.0, 1.05))  # notebook 01's default
CNN_FINAL = Recipe(net="cnn", phase_sensitive=True, frames_per_epoch=30000, epochs=40)  # notebook 02's default
DNN_LOW = replace(FINAL, eq_db=10.0, low_eq_db=20.0)  # the speech EQ widened, most in the lowest band
CNN_LOW = replace(CNN_FINAL, eq_db=10.0, low_eq_db=20.0)
CNN_VOICES = replace(CNN_LOW, tilt_db=6.0, checkpoint="voices")  # notebook 02's default
DNN_VOICES = replace(DNN_LOW, formant_fraction=0.5, checkpoint="voices")  # notebook 01's default with -3..+9 dB noise
VARIANTS = {  # name: (recipe, one sentence on what it changes)
    "dnn-voices": (DNN_VOICES, "notebook 01's previous default: dnn-final with a speech EQ of +-10 dB (+-20 dB in the "
                   "lowest band) and formants moved by half of each pitch shift, the epoch kept by the three "
                   "validation signals"),
    "dnn-voices-formant0.25": (replace(DNN_LOW, checkpoint="voices"),
                               "dnn-final with a speech EQ of +-10 dB (+-20 dB in the lowest band), formants moved "
                               "by a quarter of each pitch shift, the epoch kept by the three validation signals"),
    "cnn-voices": (CNN_VOICES, "notebook 02's default: cnn-final with a speech EQ of +-10 dB (+-20 dB in the lowest "
                   "band) and a random tilt of +-6 dB per octave, the epoch kept by the three validation signals"),
    "dnn-voices-noise0": (replace(DNN_VOICES, noise_db=(-6.0, 6.0)),
                          "notebook 01's default: dnn-voices with the noise gain centred on the recording's own "
                          "level (-6..+6 dB instead of -3..+9 dB)"),
    "cnn-voices-noise0": (replace(CNN_VOICES, noise_db=(-6.0, 6.0)),
                          "cnn-voices with the noise gain centred on the recording's own level (-6..+6 dB instead "
                          "of -3..+9 dB)"),
    "dnn-voices-warp0.1": (replace(DNN_VOICES, warp=0.1),
                           "dnn-voices with each speech frame's frequency axis stretched by a random factor in "
                           "[1/1.1, 1.1] (pitch and formants)"),
    "cnn-voices-warp0.1": (replace(CNN_VOICES, warp=0.1),
                           "cnn-voices with each speech frame's frequency axis stretched by a random factor in "
                           "[1/1.1, 1.1] (pitch and formants)"),
    "dnn-voices-fwarp0.15": (replace(DNN_VOICES, formant_warp=0.15),
                             "dnn-voices with each speech frame's envelope (formants) stretched by a random factor in "
                             "[1/1.15, 1.15], its harmonics kept"),
    "cnn-voices-fwarp0.15": (replace(CNN_VOICES, formant_warp=0.15),
                             "cnn-voices with each speech frame's envelope (formants) stretched by a random factor in "
                             "[1/1.15, 1.15], its harmonics kept"),
    "cnn-voices-c32": (replace(CNN_VOICES, channels=32), "cnn-voices with 32 kernels per layer instead of 16"),
    "cnn-voices-c24": (replace(CNN_VOICES, channels=24), "cnn-voices with 24 kernels per layer instead of 16"),
    "dnn-voices-noise0-lr1e-3": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), lr=1e-3),
                                 "dnn-voices-noise0 with a peak learning rate of 1e-3 instead of 3e-4 (the CNN's)"),
    "cnn-voices-lr3e-4": (replace(CNN_VOICES, lr=3e-4),
                          "cnn-voices with a peak learning rate of 3e-4 instead of 1e-3 (the DNN's)"),
    "dnn-voices-noise0-pow0.5": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.5),
                                 "dnn-voices-noise0 trained on the MSE of square-rooted magnitudes (compressed loss)"),
    "cnn-voices-pow0.5": (replace(CNN_VOICES, loss_power=0.5),
                          "cnn-voices trained on the MSE of square-rooted magnitudes (compressed loss)"),
    "dnn-voices-noise0-pow0.3": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.3),
                                 "dnn-voices-noise0 trained on the MSE of magnitudes to the power 0.3"),
    "cnn-voices-pow0.3": (replace(CNN_VOICES, loss_power=0.3),
                          "cnn-voices trained on the MSE of magnitudes to the power 0.3"),
    "dnn-voices-noise0-pow0.7": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.7),
                                 "dnn-voices-noise0 trained on the MSE of magnitudes to the power 0.7"),
    "dnn-voices-noise0-pow0.85": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.85),
                                  "dnn-voices-noise0 trained on the MSE of magnitudes to the power 0.85"),
    "dnn-voices-pow0.7-neq15": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.7, noise_eq_db=15.0),
                                "dnn-voices-noise0-pow0.7 with a random EQ of +-15 dB on the training noise "
                                "instead of +-6 dB"),
    "dnn-voices-pow0.7-neq15-b12": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.7, noise_eq_db=15.0,
                                            noise_eq_bands=12),
                                    "dnn-voices-noise0-pow0.7 with a random EQ of +-15 dB in 12 bands on the "
                                    "training noise instead of +-6 dB in 6"),
    "dnn-voices-pow0.7-eq15": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.7, eq_db=15.0),
                               "dnn-voices-noise0-pow0.7 with a speech EQ of +-15 dB per band instead of +-10 dB "
                               "(+-20 dB in the lowest band, as before)"),
    "dnn-voices-pow0.7-mix0.5": (replace(DNN_VOICES, noise_db=(-6.0, 6.0), loss_power=0.7, noise_mix=0.5),
                                 "dnn-voices-noise0-pow0.7 with a second noise frame (-6..0 dB) added to half of "
                                 "the training mixtures"),
    "cnn-voices-pow0.7": (replace(CNN_VOICES, loss_power=0.7),
                          "cnn-voices trained on the MSE of magnitudes to the power 0.7"),
    "cnn-voices-noise-eq": (replace(CNN_VOICES, noise_eq_db=6.0),
                            "cnn-voices with a random EQ of +-6 dB on the training noise (as the DNN's)"),
    "cnn-voices-noise-eq-rates": (replace(CNN_VOICES, noise_eq_db=6.0, noise_rates=(0.95, 1.0, 1.05)),
                                  "cnn-voices with the DNN's noise augmentation: a random EQ of +-6 dB and the "
                                  "noise also played 5% slower and faster"),
    "dnn-voices-reverb": (replace(DNN_VOICES, reverb=True),
                          "dnn-voices with a reverberant copy of every voice (a random synthetic room each: RT60 "
                          "0.15-0.6 s, direct-to-reverberant ratio 0-12 dB)"),
    "cnn-voices-reverb": (replace(CNN_VOICES, reverb=True),
                          "cnn-voices with a reverberant copy of every voice (a random synthetic room each: RT60 "
                          "0.15-0.6 s, direct-to-reverberant ratio 0-12 dB)"),
    "dnn-voices-drop80": (replace(DNN_VOICES, band_drop=80),
                          "dnn-voices with each training input losing a random band of up to 80 bins (1.25 kHz)"),
    "cnn-voices-drop80": (replace(CNN_VOICES, band_drop=80),
                          "cnn-voices with each training input losing a random band of up to 80 bins (1.25 kHz)"),
    "dnn-voices-3x1024": (replace(DNN_VOICES, layers=3), "dnn-voices with three hidden layers of 1024 instead of two"),
    "dnn-voices-3x768": (replace(DNN_VOICES, layers=3, hidden=768),
                         "dnn-voices with three hidden layers of 768 (about the same weights as two of 1024)"),
    "dnn-voices-framenorm": (replace(DNN_VOICES, frame_norm=True),
                             "dnn-voices with each input column's mean log-magnitude removed (blind to the level)"),
    "cnn-voices-framenorm": (replace(CNN_VOICES, frame_norm=True),
                             "cnn-voices with each input column's mean log-magnitude removed (blind to the level)"),
    "dnn-low-fmix": (replace(DNN_LOW, formant_fraction=(0.25, 1.0)),
                     "dnn-final-eq10-low20 with a second set of voices whose formants move with the pitch"),
    "dnn-low-e60-bs128": (replace(DNN_LOW, epochs=60, batch_size=128),
                          "dnn-final-eq10-low20 with 60 epochs in batches of 128 (about the same time)"),
    "cnn-low-e60": (replace(CNN_LOW, epochs=60), "cnn-final-eq10-low20 with 60 epochs instead of 40"),
    "dnn-low-tilt3-e60-bs128": (replace(DNN_LOW, tilt_db=3.0, epochs=60, batch_size=128),
                                "dnn-final-eq10-low20-tilt3 with 60 epochs in batches of 128"),
    "cnn-low-tilt3-e60": (replace(CNN_LOW, tilt_db=3.0, epochs=60), "cnn-final-eq10-low20-tilt3 with 60 epochs"),
    "dnn-low-formant0.5": (replace(DNN_LOW, formant_fraction=0.5),
                           "dnn-final-eq10-low20 with formants moved by half of each pitch shift instead of a quarter"),
    "dnn-low-formant0.75": (replace(DNN_LOW, formant_fraction=0.75),
                            "dnn-final-eq10-low20 with formants moved by three quarters of each pitch shift"),
    "dnn-low-formant1.0": (replace(DNN_LOW, formant_fraction=1.0),
                           "dnn-final-eq10-low20 with formants moved with the pitch (as the CNN's voices)"),
    "dnn-low-global-norm": (replace(DNN_LOW, global_norm=True),
                            "dnn-final-eq10-low20 with the input standardised by one mean and spread for all "
                            "frequencies instead of per frequency"),
    "dnn-low-dropout0.2": (replace(DNN_LOW, dropout=0.2),
                           "dnn-final-eq10-low20 with dropout 0.2 after each hidden layer"),
    "dnn-low-b8": (replace(DNN_LOW, eq_bands=8), "dnn-final-eq10-low20 with the speech EQ over 8 bands instead of 6"),
    "dnn-low-tilt6": (replace(DNN_LOW, tilt_db=6.0), "dnn-final-eq10-low20 with a random tilt of +-6 dB per octave"),
    "cnn-low-tilt6": (replace(CNN_LOW, tilt_db=6.0), "cnn-final-eq10-low20 with a random tilt of +-6 dB per octave"),
    "cnn-low-tilt3-noise-aug": (replace(CNN_LOW, tilt_db=3.0, noise_eq_db=6.0, noise_rates=(0.95, 1.0, 1.05)),
                                "cnn-final-eq10-low20-tilt3 with notebook 01's noise EQ (+-6 dB) and noise speeds"),
    "cnn-low-tilt3-fmix": (replace(CNN_LOW, tilt_db=3.0, formant_fraction=(1.0, 0.25)),
                           "cnn-final-eq10-low20-tilt3 with a second set of voices whose formants move by a quarter "
                           "of the pitch"),
    "cnn-low-noise-aug": (replace(CNN_LOW, noise_eq_db=6.0, noise_rates=(0.95, 1.0, 1.05)),
                          "cnn-final-eq10-low20 with notebook 01's noise EQ (+-6 dB) and noise speeds (+-5%)"),
    "cnn-low-fmix": (replace(CNN_LOW, formant_fraction=(1.0, 0.25)),
                     "cnn-final-eq10-low20 with a second set of voices whose formants move by a quarter of the pitch"),
    "dnn": (Recipe(), "base recipe: 9 voices shifted -4..+12 semitones, EQ +-6 dB, level +-6 dB, |S| target, "
            "20,000 fresh frames x 30 epochs, peak learning rate 1e-3"),
    "cnn": (Recipe(net="cnn"), "base recipe, 1D CNN"),
    "dnn-no-shift": (Recipe(semitones=(0,)), "only the training voice (no pitch shifts)"),
    "cnn-no-shift": (Recipe(net="cnn", semitones=(0,)), "only the training voice (no pitch shifts), 1D CNN"),
    "dnn-narrow": (Recipe(semitones=(-4, -2, 0, 2, 4)), "pitch shifts only -4..+4 semitones"),
    "dnn-no-eq": (Recipe(eq_db=0.0), "no random EQ on the speech"),
    "dnn-no-level": (Recipe(speech_db=(0.0, 0.0)), "no random speech level"),
    "dnn-psa": (Recipe(phase_sensitive=True), "phase-sensitive target |S|cos(angle S - angle X)"),
    "cnn-psa": (Recipe(net="cnn", phase_sensitive=True), "phase-sensitive target, 1D CNN"),
    "dnn-fixed": (Recipe(fresh_frames=False, epochs=30), "one set of frames drawn once (like fixed remixes)"),
    "dnn-more": (Recipe(frames_per_epoch=30000, epochs=40), "twice the training: 30,000 frames x 40 epochs"),
    "dnn-final": (FINAL, "notebook 01's default: dnn-formant with the training noise also played 5% slower and "
                  "faster"),
    "dnn-formant": (FORMANT, "notebook 01's previous default: dnn-noise-eq with formants moved by a quarter of each "
                    "pitch shift, keeping the last epoch"),
    "dnn-final-noise-rate10": (replace(FINAL, noise_rates=(0.9, 1.0, 1.1)),
                               "notebook 01's default with the training noise played 10% slower and faster instead "
                               "of 5%"),
    "dnn-noise-eq": (NOISE_EQ, "an earlier default of notebook 01: dnn-tuned with a random EQ of +-6 dB on the noise "
                     "and batches of 64"),
    "dnn-noise-eq-e50": (replace(NOISE_EQ, epochs=50),
                         "dnn-noise-eq with 50 epochs instead of 40"),
    "dnn-noise-eq-formant0.25": (replace(NOISE_EQ, formant_fraction=0.25),
                                 "dnn-noise-eq with each voice's formants moved by a quarter of its pitch shift "
                                 "(an octave up in pitch, 3 semitones in formants)"),
    "dnn-noise-eq-formant0.5": (replace(NOISE_EQ, formant_fraction=0.5),
                                "dnn-noise-eq with each voice's formants moved by half of its pitch shift"),
    "dnn-noise-eq-e30": (replace(NOISE_EQ, epochs=30),
                         "dnn-noise-eq with 30 epochs instead of 40"),
    "dnn-noise-eq-bs32": (replace(NOISE_EQ, batch_size=32),
                          "dnn-noise-eq with batches of 32 instead of 64"),
    "dnn-noise-eq-noise-eq12": (replace(NOISE_EQ, noise_eq_bands=12),
                                "dnn-noise-eq with the noise EQ over 12 bands instead of 6"),
    "dnn-noise-eq-no-eq": (replace(NOISE_EQ, eq_db=0.0),
                           "dnn-noise-eq without the random EQ on the speech"),
    "dnn-noise-eq-lr1e-3": (replace(NOISE_EQ, lr=1e-3),
                            "dnn-noise-eq with a peak learning rate of 1e-3 instead of 3e-4"),
    "dnn-noise-eq-dropout0.1": (replace(NOISE_EQ, dropout=0.1),
                                "dnn-noise-eq with dropout 0.1 after each hidden layer"),
    "dnn-noise-eq-dropout0.2": (replace(NOISE_EQ, dropout=0.2),
                                "dnn-noise-eq with dropout 0.2 after each hidden layer"),
    "dnn-noise-eq-noise-rate5": (replace(NOISE_EQ, noise_rates=(0.95, 1.0, 1.05)),
                                 "dnn-noise-eq with the training noise also played 5% slower and faster"),
    "dnn-noise-eq-noise-rate10": (replace(NOISE_EQ, noise_rates=(0.9, 1.0, 1.1)),
                                  "dnn-noise-eq with the training noise also played 10% slower and faster"),
    "dnn-noise-eq-noise-rate20": (replace(NOISE_EQ, noise_rates=(0.8, 1.0, 1.25)),
                                  "dnn-noise-eq with the training noise also played 20% slower and 25% faster"),
    "dnn-noise-eq-ema999": (replace(NOISE_EQ, ema=0.999),
                            "dnn-noise-eq, scoring and keeping a moving average of the weights (decay 0.999 "
                            "per step: about 2 epochs)"),
    "dnn-noise-eq-ema9998": (replace(NOISE_EQ, ema=0.9998),
                             "dnn-noise-eq, scoring and keeping a moving average of the weights (decay 0.9998 "
                             "per step: about 10 epochs)"),
    "dnn-noise-eq-noise-hop64": (replace(NOISE_EQ, noise_hop=64),
                                 "dnn-noise-eq with noise columns taken every 64 samples instead of 512 (8x "
                                 "as many distinct noise windows)"),
    "dnn-noise-eq-hop128": (replace(NOISE_EQ, speech_hop=128, noise_hop=128),
                            "dnn-noise-eq with speech and noise columns taken every 128 samples instead of "
                            "512 (4x as many distinct windows)"),
    "dnn-noise-eq-mask2": (replace(NOISE_EQ, max_mask=2.0),
                           "dnn-noise-eq with a mask in [0, 2] instead of [0, 1] (2 x sigmoid)"),
    "dnn-noise-eq-wd0.1": (replace(NOISE_EQ, weight_decay=0.1),
                           "dnn-noise-eq trained with AdamW, weight decay 0.1"),
    "cnn-final": (CNN_FINAL, "notebook 02's default: phase-sensitive target, 30,000 frames x 40 epochs, 1D CNN"),
    "cnn-final-bs64": (replace(CNN_FINAL, batch_size=64),
                       "notebook 02's default with batches of 64 instead of 128"),
    "cnn-final-noise-eq": (replace(CNN_FINAL, noise_eq_db=6.0),
                           "notebook 02's default with a random EQ of +-6 dB on the noise"),
    "cnn-final-formant0.25": (replace(CNN_FINAL, formant_fraction=0.25),
                              "notebook 02's default with formants moved by a quarter of each pitch shift"),
    **{f"{base_name}-{suffix}": (replace(base, **change), f"{base_name} with {text}") for base_name, base in
       (("dnn-final", FINAL), ("cnn-final", CNN_FINAL), ("dnn-noise-eq", NOISE_EQ)) for suffix, change, text in (
        ("eq10-low20", dict(eq_db=10.0, low_eq_db=20.0), "a speech EQ of +-10 dB, +-20 dB in the lowest band"),
        ("eq10-low20-voices", dict(eq_db=10.0, low_eq_db=20.0, checkpoint="voices"),
         "a speech EQ of +-10 dB, +-20 dB in the lowest band, the epoch kept by the mean over the tail, its octave-up "
         "and its bass-heavy copies"),
        ("eq10-low20-down", dict(eq_db=10.0, low_eq_db=20.0, semitones=(-8, -6, -4, -2, 0, 2, 4, 6, 8, 10, 12)),
         "a speech EQ of +-10 dB (+-20 dB lowest band) and voices shifted down to -8 semitones"),
        ("eq10-low20-tilt3", dict(eq_db=10.0, low_eq_db=20.0, tilt_db=3.0),
         "a speech EQ of +-10 dB (+-20 dB lowest band) and a random tilt of +-3 dB per octave"),
        ("eq10-low20-b12", dict(eq_db=10.0, low_eq_db=20.0, eq_bands=12),
         "a speech EQ of +-10 dB over 12 bands instead of 6 (+-20 dB lowest band)"),
        ("eq15-low20-b12", dict(eq_db=15.0, low_eq_db=20.0, eq_bands=12),
         "a speech EQ of +-15 dB over 12 bands (+-20 dB lowest band)"),
    )},
    "dnn-tuned": (TUNED, "notebook 01's previous default: phase-sensitive target, peak learning rate 3e-4, "
                  "30,000 frames x 40 epochs in batches of 128"),
    "dnn-tuned-lr1e-3": (replace(TUNED, lr=1e-3), "dnn-tuned with the CNN's peak learning rate 1e-3 instead of 3e-4"),
    "dnn-tuned-wide": (replace(TUNED, hidden=2048), "dnn-tuned with 2 x 2048 hidden units instead of 2 x 1024"),
    "dnn-tuned-3layers": (replace(TUNED, layers=3), "dnn-tuned with three hidden layers of 1024 instead of two"),
    "dnn-tuned-original3": (replace(TUNED, semitones=(-4, -2, 0, 0, 0, 2, 4, 6, 8, 10, 12)),
                            "dnn-tuned with the unshifted training voice drawn 3x as often (3 of 11 voices instead "
                            "of 1 of 9)"),
    "dnn-tuned-noise0": (replace(TUNED, noise_db=(-6.0, 6.0)),
                         "dnn-tuned with the noise gain centred on the recording's own level (-6..+6 dB instead of "
                         "-3..+9 dB)"),
    "dnn-tuned-bs64": (replace(TUNED, batch_size=64), "dnn-tuned with batches of 64 instead of 128 (twice the steps)"),
    "dnn-tuned-noise-eq": (replace(TUNED, noise_eq_db=6.0), "dnn-tuned with a random EQ of +-6 dB on the noise"),
    "dnn-tuned-noise-eq3": (replace(TUNED, noise_eq_db=3.0), "dnn-tuned with a random EQ of +-3 dB on the noise"),
    "dnn-tuned-noise-eq10": (replace(TUNED, noise_eq_db=10.0), "dnn-tuned with a random EQ of +-10 dB on the noise"),
    "dnn-tuned-noise-mix": (replace(TUNED, noise_mix=0.5),
                            "dnn-tuned with a second noise frame (-6..0 dB) added to half the frames"),
    "dnn-tuned-noise-eq-mix": (replace(TUNED, noise_eq_db=6.0, noise_mix=0.5),
                               "dnn-tuned with noise EQ +-6 dB and a second noise frame in half the frames"),
    "dnn-lr": (Recipe(lr=3e-4), "peak learning rate 3e-4 instead of 1e-3"),
    "dnn-dropout": (Recipe(dropout=0.2), "dropout 0.2 after each hidden layer"),
}


def load_data(data_dir: Path) -> dict:
    """Training split, the selection set and the new-voice test pairs, all as waveforms."""
    s, x, sr = H.load_training_pair(data_dir)
    split = H.split_validation(data_dir, s, x, sr)
    s_oct, x_oct = H.voice_augmented_pair(split["s_val"], split["x_val"], sr, 12)
    pairs = {"tail": (split["s_val"], split["x_val"]), "tail_octave": (s_oct, x_oct),
             "tail_bass": H.bass_heavy_pair(split["s_val"], split["x_val"], sr)}
    for pair_id, (x_path, s_path) in H.find_test_pairs(data_dir).items():
        if s_path is not None:
            pairs[f"test{pair_id}"] = (H.load_wav(s_path, sr)[0], H.load_wav(x_path, sr)[0])
    return {"sr": sr, "s_train": split["s_train"], "x_train": split["x_train"], "pairs": pairs}


def build_model(recipe: Recipe, X: torch.Tensor) -> H.MaskDenoiser:
    """The recipe's network inside the mask wrapper, normalised with the statistics of `X`."""
    if recipe.net == "dnn":
        body = H.fully_connected(recipe.hidden, recipe.layers, recipe.dropout)
    else:
        body = H.FrequencyCNN(recipe.channels, 9, recipe.dropout)
    log_mean, log_std = H.log_stats(X)
    if recipe.global_norm:  # one mean and one spread for every frequency instead of per-frequency statistics
        log_mean, log_std = torch.full_like(log_mean, log_mean.mean()), torch.full_like(log_std, log_std.mean())
    return H.MaskDenoiser(body, log_mean, log_std, max_mask=recipe.max_mask, band_drop=recipe.band_drop,
                         frame_norm=recipe.frame_norm)


def scoring_pairs(recipe: Recipe, data: dict) -> dict[str, tuple]:
    """name -> (s, x) scored after every epoch: the validation signals (the octave-up copy with the recipe's formant
    fraction) and every test pair."""
    pairs = dict(data["pairs"])
    fraction = recipe.formant_fraction[0] if isinstance(recipe.formant_fraction, tuple) else recipe.formant_fraction
    if fraction != 1:  # the selection voice is made like the (first set of) training voices
        pairs["tail_octave"] = H.voice_augmented_pair(*pairs["tail"], data["sr"], 12, fraction)
    return pairs


def train(recipe: Recipe, data: dict, seed: int, states: list | None = None) -> dict:
    """Train one recipe; per-epoch SNR on every pair and the kept epoch under each rule.

    `states`: when given, every epoch's weights (state_dict copies) are appended to it, in order."""
    generator = H.seed_everything(seed)
    sr, device = data["sr"], torch.device("cpu")
    pairs = scoring_pairs(recipe, data)
    fractions = recipe.formant_fraction if isinstance(recipe.formant_fraction, tuple) else (recipe.formant_fraction,)
    voices = [v for f in fractions for v in H.shifted_voices(data["s_train"], sr, recipe.semitones, cache_dir=CACHE,
                                                             formant_fraction=f)]
    if recipe.reverb:
        voices += H.reverberant_voices(voices, sr, seed=seed)
    noise = H.rate_shifted_noise(data["x_train"] - data["s_train"], sr, recipe.noise_rates)
    mixer = H.VoiceMixer(voices, noise, sr, recipe.speech_db, recipe.noise_db,
                         recipe.eq_db, phase_sensitive=recipe.phase_sensitive, noise_eq_db=recipe.noise_eq_db,
                         noise_mix=recipe.noise_mix, noise_eq_bands=recipe.noise_eq_bands,
                         speech_hop=recipe.speech_hop, noise_hop=recipe.noise_hop, eq_bands=recipe.eq_bands,
                         low_eq_db=recipe.low_eq_db, tilt_db=recipe.tilt_db, warp=recipe.warp,
                         formant_warp=recipe.formant_warp)
    mix_gen = torch.Generator().manual_seed(seed + 1000)
    fixed = mixer.frames(recipe.frames_per_epoch, mix_gen)
    frames = fixed if not recipe.fresh_frames else (
        lambda epoch: fixed if epoch == 1 else mixer.frames(recipe.frames_per_epoch, mix_gen))
    model = build_model(recipe, fixed[0])

    def evaluate(m):
        if states is not None:
            states.append({k: v.detach().clone() for k, v in m.state_dict().items()})
        return {k: H.snr(s, H.denoise(m, x, device)) for k, (s, x) in pairs.items()}

    start = time.perf_counter()
    hist = H.fit_denoiser(model, frames, evaluate, recipe.epochs, recipe.batch_size, recipe.lr, generator,
                          select="tail_octave", desc=f"{recipe.net} seed {seed}", ema=recipe.ema,
                          weight_decay=recipe.weight_decay, loss_power=recipe.loss_power)
    seconds = time.perf_counter() - start
    sc = hist["scores"]
    rules = {}
    for rule, score in RULES.items():
        i = max(range(recipe.epochs), key=lambda e: score(sc, e))
        rules[rule] = {"epoch": i + 1, **{f"{k}_snr_db": sc[k][i] for k in sc}}
        summary = H.voice_summary({k[4:]: {"snr_db": v[i]} for k, v in sc.items() if k.startswith("test")})
        rules[rule].update({k: summary[k] for k in ("mean_snr_db", "male_mean_snr_db", "female_mean_snr_db",
                                                     "worst_snr_db", "worst_pair") if k in summary})
    return {"seed": seed, "train_seconds": seconds, "scores_per_epoch": sc, "rules": rules}


def save(path: Path, results: dict) -> None:
    """Write the JSON with a flat `runs` table (one row per variant at its recipe's rule; other rules for -final)."""
    runs = []
    names = sorted(results["variants"], key=lambda n: (not n.endswith("-final"), n.split("-")[0] != "dnn"))
    for name in names:
        r = results["variants"][name]
        base = name.split("/")[0]  # a seed study's run: its variant's current description
        change = VARIANTS[base][1] if base in VARIANTS else r["change"]
        own = r["recipe"].get("checkpoint", DEFAULT_RULE)
        for rule in [own, *(q for q in r["rules"] if q != own and name.endswith("-final"))]:
            kept = r["rules"][rule]
            runs.append({"name": name if rule == own else f"{name}, checkpoint: {rule}",
                         "net": r["recipe"]["net"], "rule": rule, "train_seconds": r["train_seconds"],
                         "change": change if rule == own else f"the same run, epoch kept by the rule '{rule}'",
                         **{k: kept[k] for k in ("epoch", "tail_snr_db", "test12_snr_db", "test11_snr_db")},
                         "test12_last_epoch_snr_db": r["rules"]["last"]["test12_snr_db"]})
    results["runs"] = runs
    H.save_json(path, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(VARIANTS), help="comma-separated variant names")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (several: a seed study)")
    parser.add_argument("--data-dir", default=str(H.default_data_dir()))
    parser.add_argument("--out", default=str(ROOT / "outputs" / "speech_ablation" / "ablation.json"))
    parser.add_argument("--seed0-from-ablation", action="store_true",
                        help="take each variant's seed-0 run from --seed0-file (same recipe), not train it again")
    parser.add_argument("--seed0-file", default=str(ROOT / "outputs" / "speech_ablation" / "ablation.json"),
                        help="where --seed0-from-ablation finds the seed-0 runs")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    seeds = [int(v) for v in args.seeds.split(",")]
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.is_file() else {}
    results.update(command="python benchmarks/speech_ablation.py", default_rule=DEFAULT_RULE,
                   threads=torch.get_num_threads(), torch=torch.__version__)
    results.setdefault("variants", {})
    if args.seed0_from_ablation:
        ablation = json.loads(Path(args.seed0_file).read_text())["variants"]
        for name in names:
            want = json.loads(json.dumps(asdict(VARIANTS[name][0])))
            for source, run in ablation.items():  # the same training under any name (the kept epoch's rule may differ)
                stored = {**asdict(Recipe()), **run.get("recipe", {})}  # fields added later: their defaults
                if {**stored, "checkpoint": None} == {**want, "checkpoint": None} and "/" not in source:
                    results["variants"][f"{name}/seed0"] = {**run, "recipe": want, "change": VARIANTS[name][1],
                                                            "copied_from": f"{Path(args.seed0_file).name}: {source}"}
                    break
    data = load_data(H.speech_data_or_error(Path(args.data_dir)))
    for name in names:
        recipe, change = VARIANTS[name]
        for seed in seeds:
            key = name if seeds == [0] else f"{name}/seed{seed}"  # one seed other than 0: part of a seed study
            r = train(recipe, data, seed)
            r.update(recipe=asdict(replace(recipe)), change=change)
            if out.is_file():  # another run may have written to the same file meanwhile: keep its variants
                results["variants"] = {**json.loads(out.read_text()).get("variants", {}), **results["variants"]}
            results["variants"][key] = r
            kept = r["rules"][recipe.checkpoint]
            print(f"{key}: epoch {kept['epoch']}, tail {kept['tail_snr_db']:.2f}, test12 {kept['test12_snr_db']:.2f}, "
                  f"test11 {kept['test11_snr_db']:.2f} dB, dev mean {kept.get('mean_snr_db', float('nan')):.2f}, "
                  f"male {kept.get('male_mean_snr_db', float('nan')):.2f}, "
                  f"worst {kept.get('worst_snr_db', float('nan')):.2f}"
                  f" ({r['train_seconds']:.0f} s)", flush=True)
            save(out, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
