"""The speech denoisers' training recipes (Problems 1-2): the Recipe fields, the checkpoint rules, and every variant
benchmarks/speech_ablation.py trains, each one change from its base, with a sentence on what it changes."""
from __future__ import annotations

from dataclasses import dataclass, replace

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
    noise_split: float = 0.0  # probability that the noise above a random frequency comes from another frame
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
    presence_eq_db: float | None = None  # range of the speech EQ's bands centred at 1-4 kHz; None: eq_db
    high_eq_db: float | None = None  # range of the speech EQ's highest band (a random high shelf); None: eq_db
    breath: float = 0.0  # probability of aspiration noise above 1.5 kHz on a speech column (a breathier voice)
    breath_db: tuple[float, float] = (-20.0, -6.0)  # its level below the column's envelope, dB
    tilt_db: float = 0.0  # random spectral tilt of the speech, +- dB per octave
    warp: float = 0.0  # random frequency warp of each speech column, factor in [1/(1+warp), 1+warp]
    formant_warp: float = 0.0  # random warp of each speech column's envelope only (formants; harmonics stay)
    band_drop: int = 0  # training only: each input column loses a random band of up to this many bins
    reverb: bool = False  # add one copy of every voice in a random synthetic room (reverberant_voices)
    frame_norm: bool = False  # each input column moved to the training mean level: a level-blind input
    global_norm: bool = False  # standardise the log-magnitudes with one mean and spread, not per frequency
    activation: str = "relu"  # the hidden layers' activation (relu, silu, gelu)
    layer_norm: bool = False  # DNN only: LayerNorm after each hidden linear layer
    local_path: bool = False  # a per-frequency linear path beside the body (LocalPath)
    kernel: int = 9  # CNN only: the kernel length D along frequency
    stride: int = 2  # CNN only: the first convolution's stride (1: the feature maps keep every frequency bin)
    head_hidden: int = 0  # CNN only: a hidden fully-connected layer of this width before the output layer
    head_layers: int = 1  # CNN only: how many such hidden layers (with head_hidden > 0)
    batch_norm: bool = False  # CNN only: BatchNorm1d after each convolution, before its activation
    later_stride: int = 1  # CNN only: the stride of the second and third convolutions
    pools: int = 2  # CNN only: max-pools of 2 after the second and third convolutions (1: the second's only; 3: two
    # after the third)
    cpu_bf16: bool = False  # on a CPU the body's matrix products run in bfloat16 (MaskDenoiser(cpu_bf16=True))
    loss_power: float = 1.0  # the MSE between magnitudes raised to this power (< 1: compressed, quiet bins weigh more)
    shift: str = "vocoder"  # how voices are pitch-shifted: "vocoder" (same duration) or "resample" (no time stretch)


TUNED = Recipe(phase_sensitive=True, lr=3e-4, frames_per_epoch=30000, epochs=40)  # the DNN before noise EQ
NOISE_EQ = replace(TUNED, noise_eq_db=6.0, batch_size=64)  # the DNN before formant shifts
FORMANT = replace(NOISE_EQ, formant_fraction=0.25, checkpoint="last")  # the DNN before noise speeds
FINAL = replace(FORMANT, noise_rates=(0.95, 1.0, 1.05))  # an early default of notebook 01
CNN_FINAL = Recipe(net="cnn", phase_sensitive=True, frames_per_epoch=30000, epochs=40)  # an early default of nb 02
DNN_LOW = replace(FINAL, eq_db=10.0, low_eq_db=20.0)  # the speech EQ widened, most in the lowest band
CNN_LOW = replace(CNN_FINAL, eq_db=10.0, low_eq_db=20.0)
CNN_VOICES = replace(CNN_LOW, tilt_db=6.0, checkpoint="voices")  # an earlier default of notebook 02
CNN_C32 = replace(CNN_VOICES, channels=32)  # and 32 kernels per layer: notebook 02's default before the hidden layer
CNN_H512 = replace(CNN_VOICES, head_hidden=512)  # cnn-voices with a hidden layer in its head
CNN_H1024 = replace(CNN_VOICES, head_hidden=1024)  # and a wider one: notebook 02's default
DNN_VOICES = replace(DNN_LOW, formant_fraction=0.5, checkpoint="voices")  # an earlier default (-3..+9 dB noise)
DNN_NOISE0 = replace(DNN_VOICES, noise_db=(-6.0, 6.0))  # the noise gain centred on the recording
DNN_POW = replace(DNN_NOISE0, loss_power=0.7)  # and a compressed loss
DNN_MIX = replace(DNN_POW, noise_mix=0.5)  # and a second noise frame in half the mixtures
DNN_SILU = replace(DNN_MIX, activation="silu")  # and SiLU in the hidden layers: an earlier default of notebook 01
EVERY_SEMITONE = tuple(range(-4, 13))  # a training voice at every semitone from -4 to +12 (17 voices)
DNN_H1536_ST1 = replace(DNN_SILU, hidden=1536, semitones=EVERY_SEMITONE)  # notebook 01's default before batches of 128
DNN_BS128 = replace(DNN_H1536_ST1, batch_size=128, lr=4e-4)  # in batches of 128 (float32)
DNN_BF16 = replace(DNN_BS128, cpu_bf16=True)  # in bfloat16 on a CPU: notebook 01's default until the next
DNN_SHOP_CLEANER = replace(DNN_BF16, speech_hop=128, noise_db=(-9.0, 3.0))  # notebook 01's default
VARIANTS = {  # name: (recipe, one sentence on what it changes)
    "dnn-voices": (DNN_VOICES, "an earlier default of notebook 01: dnn-final with a speech EQ of +-10 dB (+-20 dB in "
                   "the lowest band) and formants moved by half of each pitch shift, the epoch kept by the three "
                   "validation signals"),
    "dnn-voices-formant0.25": (replace(DNN_LOW, checkpoint="voices"),
                               "dnn-final with a speech EQ of +-10 dB (+-20 dB in the lowest band), formants moved "
                               "by a quarter of each pitch shift, the epoch kept by the three validation signals"),
    "cnn-voices": (CNN_VOICES, "an earlier default of notebook 02: cnn-final with a speech EQ of +-10 dB (+-20 dB in "
                   "the lowest band) and a random tilt of +-6 dB per octave, the epoch kept by the three validation "
                   "signals"),
    "dnn-voices-noise0": (DNN_NOISE0,
                          "an earlier default of notebook 01: dnn-voices with the noise gain centred on the "
                          "recording's own level (-6..+6 dB instead of -3..+9 dB)"),
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
    "cnn-voices-c32": (CNN_C32,
                       "an earlier default of notebook 02: cnn-voices with 32 kernels per layer instead of 16"),
    "cnn-voices-c24": (replace(CNN_VOICES, channels=24), "cnn-voices with 24 kernels per layer instead of 16"),
    "cnn-voices-s1": (replace(CNN_VOICES, stride=1),
                      "cnn-voices with a stride of 1 in the first convolution instead of 2 (finer feature maps)"),
    "cnn-voices-c32-formant0.5": (replace(CNN_C32, formant_fraction=0.5),
                                  "cnn-voices-c32 with formants moved by half of each pitch shift (as notebook "
                                  "01's DNN) instead of with the pitch"),
    "cnn-voices-c32-k13": (replace(CNN_C32, kernel=13),
                           "cnn-voices-c32 with kernels of length 13 along frequency instead of 9"),
    "cnn-voices-c32-k5": (replace(CNN_C32, kernel=5),
                          "cnn-voices-c32 with kernels of length 5 along frequency instead of 9"),
    "cnn-voices-c32-e28": (replace(CNN_C32, epochs=28),
                           "cnn-voices-c32 trained for 28 epochs instead of 40 (its kept epochs were 22-28)"),
    "cnn-voices-c48": (replace(CNN_C32, channels=48),
                       "cnn-voices-c32 with 48 kernels per layer instead of 32"),
    "cnn-voices-c48-e28": (replace(CNN_C32, channels=48, epochs=28),
                           "cnn-voices-c32 with 48 kernels per layer, trained for 28 epochs instead of 40"),
    "cnn-voices-c32-s1-e25": (replace(CNN_C32, stride=1, epochs=25),
                              "cnn-voices-c32 with a stride of 1 in the first convolution and 25 epochs instead "
                              "of 40 (about the same training time)"),
    "cnn-voices-c24-s1-e25": (replace(CNN_VOICES, channels=24, stride=1, epochs=25),
                              "cnn-voices with 24 kernels per layer, a stride of 1 in the first convolution and 25 "
                              "epochs instead of 40"),
    "cnn-voices-c24-s1": (replace(CNN_VOICES, channels=24, stride=1),
                          "cnn-voices with 24 kernels per layer and a stride of 1 in the first convolution"),
    "dnn-voices-noise0-lr1e-3": (replace(DNN_NOISE0, lr=1e-3),
                                 "dnn-voices-noise0 with a peak learning rate of 1e-3 instead of 3e-4 (the CNN's)"),
    "cnn-voices-lr3e-4": (replace(CNN_VOICES, lr=3e-4),
                          "cnn-voices with a peak learning rate of 3e-4 instead of 1e-3 (the DNN's)"),
    "dnn-voices-noise0-pow0.5": (replace(DNN_NOISE0, loss_power=0.5),
                                 "dnn-voices-noise0 trained on the MSE of square-rooted magnitudes (compressed loss)"),
    "cnn-voices-pow0.5": (replace(CNN_VOICES, loss_power=0.5),
                          "cnn-voices trained on the MSE of square-rooted magnitudes (compressed loss)"),
    "dnn-voices-noise0-pow0.3": (replace(DNN_NOISE0, loss_power=0.3),
                                 "dnn-voices-noise0 trained on the MSE of magnitudes to the power 0.3"),
    "cnn-voices-pow0.3": (replace(CNN_VOICES, loss_power=0.3),
                          "cnn-voices trained on the MSE of magnitudes to the power 0.3"),
    "dnn-voices-noise0-pow0.7": (DNN_POW,
                                 "dnn-voices-noise0 trained on the MSE of magnitudes to the power 0.7"),
    "dnn-voices-noise0-pow0.85": (replace(DNN_NOISE0, loss_power=0.85),
                                  "dnn-voices-noise0 trained on the MSE of magnitudes to the power 0.85"),
    "dnn-voices-pow0.7-neq15": (replace(DNN_POW, noise_eq_db=15.0),
                                "dnn-voices-noise0-pow0.7 with a random EQ of +-15 dB on the training noise "
                                "instead of +-6 dB"),
    "dnn-voices-pow0.7-neq15-b12": (replace(DNN_POW, noise_eq_db=15.0, noise_eq_bands=12),
                                    "dnn-voices-noise0-pow0.7 with a random EQ of +-15 dB in 12 bands on the "
                                    "training noise instead of +-6 dB in 6"),
    "dnn-voices-pow0.7-eq15": (replace(DNN_POW, eq_db=15.0),
                               "dnn-voices-noise0-pow0.7 with a speech EQ of +-15 dB per band instead of +-10 dB "
                               "(+-20 dB in the lowest band, as before)"),
    "dnn-voices-pow0.7-mix0.5": (DNN_MIX,
                                 "an earlier default of notebook 01: dnn-voices-noise0-pow0.7 with a second noise "
                                 "frame (-6..0 dB) added to half of the training mixtures"),
    "dnn-voices-pow0.7-mix1": (replace(DNN_POW, noise_mix=1.0),
                               "dnn-voices-noise0-pow0.7 with a second noise frame (-6..0 dB) added to every "
                               "training mixture"),
    "dnn-voices-pow0.7-mix0.5-eq15": (replace(DNN_MIX, eq_db=15.0),
                                      "dnn-voices-pow0.7-mix0.5 with a speech EQ of +-15 dB per band instead of "
                                      "+-10 dB (+-20 dB in the lowest band, as before)"),
    "cnn-voices-mix0.5": (replace(CNN_VOICES, noise_mix=0.5),
                          "cnn-voices with a second noise frame (-6..0 dB) added to half of the training mixtures"),
    "dnn-voices-pow0.7-mix0.5-local": (replace(DNN_MIX, local_path=True),
                                       "dnn-voices-pow0.7-mix0.5 with a per-frequency linear path from each "
                                       "input bin to its own mask logit beside the hidden layers (LocalPath)"),
    "cnn-voices-h512": (CNN_H512,
                        "cnn-voices with a hidden fully-connected layer of 512 between the flattened feature "
                        "map and the output layer"),
    "cnn-voices-h1024": (CNN_H1024,
                         "notebook 02's default: cnn-voices with a hidden fully-connected layer of 1024 between the "
                         "flattened feature map and the output layer"),
    "cnn-voices-c24-h1024": (replace(CNN_H1024, channels=24),
                             "cnn-voices-h1024 (notebook 02's default) with 24 kernels per layer instead of 16"),
    "cnn-voices-h1536": (replace(CNN_H1024, head_hidden=1536),
                         "cnn-voices-h1024 (notebook 02's default) with 1,536 hidden units in the head instead of "
                         "1,024"),
    "cnn-voices-h1024-nhop128": (replace(CNN_H1024, noise_hop=128),
                                 "notebook 02's default with noise columns taken every 128 samples instead of 512 "
                                 "(4x as many distinct noise windows)"),
    "cnn-voices-h1024-noise0": (replace(CNN_H1024, noise_db=(-6.0, 6.0)),
                                "notebook 02's default with the noise gain centred on the recording's own level "
                                "(-6..+6 dB instead of -3..+9 dB), as the DNN's"),
    "cnn-voices-h1024-breath0.5": (replace(CNN_H1024, breath=0.5),
                                   "notebook 02's default with breathier voices: on half the speech columns, noise "
                                   "shaped by the column's envelope above 1.5 kHz, 6-20 dB below it"),
    "cnn-voices-h1024-silu": (replace(CNN_H1024, activation="silu"),
                              "notebook 02's default with SiLU instead of ReLU after each convolution and in the "
                              "head"),
    "cnn-voices-h1024-resample": (replace(CNN_H1024, shift="resample"),
                                  "notebook 02's default with the voices pitch-shifted by resampling alone (no "
                                  "phase vocoder: each column keeps sharp harmonics; as many columns per voice)"),
    "cnn-voices-h1024-shop128": (replace(CNN_H1024, speech_hop=128),
                                 "notebook 02's default with speech columns taken every 128 samples instead of 512 "
                                 "(4x as many distinct windows of each training voice)"),
    "cnn-voices-h1024-noisier": (replace(CNN_H1024, noise_db=(0.0, 12.0)),
                                 "notebook 02's default with noisier mixtures (noise gain 0..+12 dB instead of "
                                 "-3..+9; the cleaner -6..+6 had cost it 0.5 dB)"),
    "cnn-voices-h1024-pow0.85": (replace(CNN_H1024, loss_power=0.85),
                                 "notebook 02's default with a mildly compressed loss (magnitudes to the power 0.85 "
                                 "in the MSE; 0.7 helped 16 kernels, not the 512-wide head)"),
    "cnn-voices-h1024-lr5e-4": (replace(CNN_H1024, lr=5e-4),
                                "notebook 02's default with a peak learning rate of 5e-4 instead of 1e-3"),
    "cnn-voices-h1024-lr2e-3": (replace(CNN_H1024, lr=2e-3),
                                "notebook 02's default with a peak learning rate of 2e-3 instead of 1e-3"),
    "cnn-voices-h1024-mix0.5": (replace(CNN_H1024, noise_mix=0.5),
                                "notebook 02's default with a second noise frame (-6..0 dB) in half the mixtures, "
                                "as the DNN's"),
    "cnn-voices-h1024-tilt3": (replace(CNN_H1024, tilt_db=3.0),
                               "notebook 02's default with a random spectral tilt of +-3 dB per octave instead of "
                               "+-6 (the tilt was chosen before the hidden head layer)"),
    "cnn-voices-h1024-tilt0": (replace(CNN_H1024, tilt_db=0.0),
                               "notebook 02's default without the random spectral tilt (as the DNN's)"),
    "cnn-voices-h1024-tilt9": (replace(CNN_H1024, tilt_db=9.0),
                               "notebook 02's default with a random spectral tilt of +-9 dB per octave instead of "
                               "+-6"),
    "cnn-voices-h1024-tilt12": (replace(CNN_H1024, tilt_db=12.0),
                                "notebook 02's default with a random spectral tilt of +-12 dB per octave instead of "
                                "+-6"),
    "cnn-voices-h1024-eq15": (replace(CNN_H1024, eq_db=15.0),
                              "notebook 02's default with a speech EQ of +-15 dB per band instead of +-10 (the lowest "
                              "band's +-20 kept)"),
    "cnn-voices-h1024-eqb12": (replace(CNN_H1024, eq_bands=12),
                               "notebook 02's default with its speech EQ over 12 bands instead of 6 (a finer random "
                               "spectral balance)"),
    "cnn-voices-h1024-lr1.5e-3": (replace(CNN_H1024, lr=1.5e-3),
                                  "notebook 02's default with a peak learning rate of 1.5e-3 instead of 1e-3 (2e-3 "
                                  "collapsed at one seed in two)"),
    "cnn-voices-h1024-pow0.7": (replace(CNN_H1024, loss_power=0.7),
                                "notebook 02's default with the DNN's compressed loss (magnitudes to the power 0.7 "
                                "in the MSE; +0.17 dB for 16 kernels without the head over three seeds)"),
    "cnn-voices-h1024-bf16": (replace(CNN_H1024, cpu_bf16=True),
                              "notebook 02's default with its matrix products in bfloat16 on a CPU that has it "
                              "(the control for cnn-voices-h1024-s1-bf16)"),
    "cnn-voices-h1024-s1-bf16": (replace(CNN_H1024, stride=1, cpu_bf16=True),
                                 "notebook 02's default with a stride of 1 in the first convolution (its map keeps "
                                 "all 513 - D + 1 positions; the head reads a map twice as fine) and its matrix "
                                 "products in bfloat16 on a CPU that has it (1.8x the time in float32, 1.3x in bf16)"),
    "cnn-voices-h1024-gnorm": (replace(CNN_H1024, global_norm=True),
                               "notebook 02's default with its input standardised by one mean and spread for all "
                               "frequencies instead of per frequency (the kernels see the log-spectrum's own shape)"),
    "cnn-voices-h1024-local": (replace(CNN_H1024, local_path=True),
                               "notebook 02's default with a per-frequency linear path from each input bin to its "
                               "own mask logit beside the convolutions and head (LocalPath)"),
    "cnn-voices-h1024-pool1": (replace(CNN_H1024, pools=1),
                               "notebook 02's default with one max-pool (after the second convolution) instead of "
                               "two: the flattened map samples the spectrum every 4 bins instead of 8"),
    "cnn-voices-h1024-pool3": (replace(CNN_H1024, pools=3),
                               "notebook 02's default with a third max-pool after the last convolution: the "
                               "flattened map samples the spectrum every 16 bins instead of 8 (a 456-wide head input)"),
    "cnn-voices-h1024-up14": (replace(CNN_H1024, semitones=(-4, -2, 0, 2, 4, 6, 8, 10, 12, 14)),
                              "notebook 02's default with a tenth training voice shifted up 14 semitones (about 240 "
                              "Hz: the highest dev voice, test_12 at 228 Hz, lies above +12)"),
    "cnn-voices-h1024-wd0.1": (replace(CNN_H1024, weight_decay=0.1),
                               "notebook 02's default trained with AdamW, decoupled weight decay 0.1 (the head "
                               "overfits the one training voice: its validation mean peaks by epoch 26-35 of 40)"),
    "cnn-voices-h1024-k5": (replace(CNN_H1024, kernel=5),
                            "notebook 02's default with kernels of length D = 5 instead of 9"),
    "cnn-voices-h1024-k13": (replace(CNN_H1024, kernel=13),
                             "notebook 02's default with kernels of length D = 13 instead of 9"),
    "cnn-voices-h1024-strided": (replace(CNN_H1024, pools=0, later_stride=2),
                                 "notebook 02's default with a stride of 2 in every convolution instead of max-pools "
                                 "after the second and third (the same 8-bin grid, 58 positions instead of 57)"),
    "cnn-voices-h1024-st1": (replace(CNN_H1024, semitones=EVERY_SEMITONE),
                             "notebook 02's default with a training voice at every semitone from -4 to +12 (17 "
                             "voices instead of 9), as the DNN's"),
    "cnn-voices-h1024-bn": (replace(CNN_H1024, batch_norm=True),
                            "cnn-voices-h1024 (notebook 02's default) with BatchNorm after each convolution"),
    "cnn-voices-h1024x2": (replace(CNN_H1024, head_layers=2),
                           "cnn-voices-h1024 (notebook 02's default) with two hidden layers of 1,024 in the head "
                           "instead of one"),
    "cnn-voices-h1024-rates": (replace(CNN_H1024, noise_rates=(0.95, 1.0, 1.05)),
                               "cnn-voices-h1024 (notebook 02's default) with the training noise also played 5 % "
                               "slower and faster (as the DNN's)"),
    "cnn-voices-h1024-formant0.5": (replace(CNN_H1024, formant_fraction=0.5),
                                    "cnn-voices-h1024 (notebook 02's default) with formants moved by half of each "
                                    "pitch shift (as the DNN's)"),
    "dnn-voices-pow0.7-mix0.5-silu": (DNN_SILU,
                                      "an earlier default of notebook 01: dnn-voices-pow0.7-mix0.5 with SiLU instead "
                                      "of ReLU in the hidden layers"),
    "dnn-voices-pow0.7-mix0.5-ln": (replace(DNN_MIX, layer_norm=True),
                                    "dnn-voices-pow0.7-mix0.5 with LayerNorm after each hidden linear layer"),
    "dnn-voices-pow0.7-mix0.5-split0.5": (replace(DNN_MIX, noise_split=0.5),
                                          "dnn-voices-pow0.7-mix0.5 with, in half the mixtures, the noise above a "
                                          "random frequency (300 Hz to 6 kHz) taken from another noise frame"),
    "dnn-voices-pow0.7-mix1-silu": (replace(DNN_SILU, noise_mix=1.0),
                                    "dnn-voices-pow0.7-mix0.5-silu with a second noise frame in every mixture"),
    "dnn-voices-pow0.7-mix0.5-silu-lr5e-4": (replace(DNN_SILU, lr=5e-4),
                                             "dnn-voices-pow0.7-mix0.5-silu with a peak learning rate of 5e-4 "
                                             "instead of 3e-4"),
    "dnn-voices-pow0.7-mix0.5-silu-lr2e-4": (replace(DNN_SILU, lr=2e-4),
                                             "dnn-voices-pow0.7-mix0.5-silu with a peak learning rate of 2e-4 "
                                             "instead of 3e-4"),
    "dnn-voices-pow0.7-mix0.5-silu-up14": (replace(DNN_SILU, semitones=(-4, -2, 0, 2, 4, 6, 8, 10, 12, 14)),
                                           "dnn-voices-pow0.7-mix0.5-silu with a tenth voice shifted up 14 "
                                           "semitones"),
    "dnn-voices-pow0.7-mix0.5-silu-st1": (replace(DNN_SILU, semitones=EVERY_SEMITONE),
                                          "dnn-voices-pow0.7-mix0.5-silu with a voice at every semitone from -4 to "
                                          "+12 (17 voices) instead of every second one (9)"),
    "dnn-voices-pow0.7-mix0.5-silu-tilt3": (replace(DNN_SILU, tilt_db=3.0),
                                            "dnn-voices-pow0.7-mix0.5-silu with a random spectral tilt of the "
                                            "speech of +-3 dB per octave"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536": (replace(DNN_SILU, hidden=1536),
                                            "dnn-voices-pow0.7-mix0.5-silu with 2 x 1536 hidden units instead of "
                                            "2 x 1024"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1": (DNN_H1536_ST1,
                                                "an earlier default of notebook 01: dnn-voices-pow0.7-mix0.5-silu-h1536"
                                                " with a voice at every semitone from -4 to +12 (17 voices) instead of "
                                                "every second one (9)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-pres15": (replace(DNN_H1536_ST1, presence_eq_db=15.0),
                                                      "dnn-voices-pow0.7-mix0.5-silu-h1536-st1 with a speech EQ of "
                                                      "+-15 dB in the bands centred at 1-4 kHz instead of +-10"),
    "cnn-voices-c32-st1": (replace(CNN_C32, semitones=EVERY_SEMITONE),
                           "cnn-voices-c32 with a voice at every semitone from -4 to +12 (17 voices) instead of "
                           "every second one (9)"),
    "cnn-voices-c32-lr2e-3": (replace(CNN_C32, lr=2e-3),
                              "cnn-voices-c32 with a peak learning rate of 2e-3 instead of 1e-3"),
    "cnn-voices-c32-bs64": (replace(CNN_C32, batch_size=64),
                            "cnn-voices-c32 with batches of 64 frames instead of 128 (twice the steps, as the DNN)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-cleaner": (replace(DNN_H1536_ST1, noise_db=(-9.0, 3.0)),
                                                        "h1536-st1 (notebook 01's default before batches of 128) with "
                                                        "the noise gain at -9..+3 dB instead of -6..+6 (mixtures 3 dB "
                                                        "cleaner on average)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-wide": (replace(DNN_H1536_ST1, noise_db=(-12.0, 6.0)),
                                                     "h1536-st1 (notebook 01's default before batches of 128) with the "
                                                     "noise gain at -12..+6 dB instead of -6..+6 (cleaner mixtures "
                                                     "added, the noisy kept)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-high20": (replace(DNN_H1536_ST1, high_eq_db=20.0),
                                                      "h1536-st1 (notebook 01's default before batches of 128) with a "
                                                      "speech EQ of +-20 dB in the highest band (a random high shelf "
                                                      "above 3.3 kHz) instead of +-10"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-breath0.5": (replace(DNN_H1536_ST1, breath=0.5),
                                                         "h1536-st1 (notebook 01's default before batches of 128) with "
                                                         "aspiration noise above 1.5 kHz, 6-20 dB below each column's "
                                                         "envelope, on half the speech columns (breathier voices)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-breath0.5-loud": (replace(DNN_H1536_ST1, breath=0.5,
                                                                       breath_db=(-12.0, 0.0)),
                                                               "h1536-st1 (notebook 01's default before batches of 128)"
                                                               " with aspiration noise above 1.5 kHz, 0-12 dB below "
                                                               "each column's envelope, on half the speech columns"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128": (DNN_BS128,
                                                      "notebook 01's recipe in float32 (its default before bfloat16): "
                                                      "dnn-voices-pow0.7-mix0.5-silu-h1536-st1 "
                                                      "in batches of 128 instead of 64 at a peak rate of 4e-4 instead "
                                                      "of 3e-4 (half the steps)"),
    "dnn-voices-pow0.7-mix0.5-silu-h2048-st1-bs128": (replace(DNN_H1536_ST1, hidden=2048, batch_size=128, lr=4e-4),
                                                      "h1536-st1 (notebook 01's default before batches of 128) with 2 x"
                                                      " 2048 hidden units instead of 2 x 1536, in batches of 128 "
                                                      "instead of 64 at a peak rate of 4e-4 instead of 3e-4 (about the "
                                                      "same training time)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-breath0.5-pres15": (
        replace(DNN_BS128, breath=0.5, presence_eq_db=15.0),
        "notebook 01's float32 recipe (-bs128) with breathier voices (as -breath0.5) and a speech EQ of +-15 dB in the"
        " bands centred at 1-4 kHz (as -pres15): two changes that each lifted other voices"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-breath0.5-cleaner": (
        replace(DNN_BS128, breath=0.5, noise_db=(-9.0, 3.0)),
        "notebook 01's float32 recipe (-bs128) with breathier voices (as -breath0.5) and the noise gain at -9..+3 dB "
        "instead of -6..+6 (as -cleaner): two changes that each lifted other voices"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-neq0": (
        replace(DNN_BS128, noise_eq_db=0.0),
        "notebook 01's float32 recipe (-bs128) without the random EQ on the training noise (chosen for the tail in the"
        " test_12 era; on the CNN it lowered the dev voices)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-neq0-rates1": (
        replace(DNN_BS128, noise_eq_db=0.0, noise_rates=(1.0,)),
        "notebook 01's float32 recipe (-bs128) without the random EQ on the training noise and without its 5 % slower "
        "and faster copies: the noise as recorded"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-rates10": (
        replace(DNN_BS128, noise_rates=(0.9, 0.95, 1.0, 1.05, 1.1)),
        "notebook 01's float32 recipe (-bs128) with the training noise also played 10 % slower and faster (without the"
        " speeds test_23 lost 1.85 dB)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-pres15-rates10": (
        replace(DNN_BS128, presence_eq_db=15.0, noise_rates=(0.9, 0.95, 1.0, 1.05, 1.1)),
        "notebook 01's float32 recipe (-bs128) with a speech EQ of +-15 dB in the bands centred at 1-4 kHz (as "
        "-pres15, which lifted the worst voice and lowered the tail) and the noise also played 10 % slower and faster "
        "(as -rates10, which lifted the tail)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16": (
        DNN_BF16,
        "notebook 01's default: dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128 with the network's matrix products in "
        "bfloat16 on a CPU (a speed change: 1.65 times faster per epoch on two threads)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-nhop128": (
        replace(DNN_BF16, noise_hop=128),
        "notebook 01's default (-bf16) with noise columns taken every 128 samples instead of 512 (4x as many distinct "
        "noise windows)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128": (
        replace(DNN_BF16, speech_hop=128),
        "notebook 01's default (-bf16) with speech columns taken every 128 samples instead of 512 (4x as many "
        "distinct windows of each training voice)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop64": (
        replace(DNN_BF16, speech_hop=64),
        "notebook 01's default (-bf16) with speech columns taken every 64 samples instead of 512 (8x as many "
        "distinct windows of each training voice)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128-fwarp0.05": (
        replace(DNN_BF16, speech_hop=128, formant_warp=0.05),
        "notebook 01's default (-bf16) with both -shop128 (speech columns every 128 samples) and -fwarp0.05 (each "
        "speech column's envelope warped by a random factor in [1/1.05, 1.05])"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128-cleaner": (
        DNN_SHOP_CLEANER,
        "notebook 01's default (-bf16) with both -shop128 (speech columns every 128 samples) and cleaner mixtures "
        "(noise gain -9..+3 dB instead of -6..+6, as -cleaner)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128-cleaner-breath0.5": (
        replace(DNN_SHOP_CLEANER, breath=0.5),
        "notebook 01's default (-bf16-shop128-cleaner) with breathier voices (as -breath0.5: on half the speech "
        "columns, noise shaped by the column's envelope above 1.5 kHz, 6-20 dB below it)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-shop128-e50": (
        replace(DNN_BF16, speech_hop=128, epochs=50),
        "notebook 01's default (-bf16) with -shop128 (speech columns every 128 samples) trained for 50 epochs "
        "instead of 40 (1.25x the frames: more distinct windows to learn from)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-fwarp0.05": (
        replace(DNN_BF16, formant_warp=0.05),
        "notebook 01's default (-bf16) with each speech column's envelope warped by a random factor in [1/1.05, "
        "1.05] (a mild vocal-tract-length perturbation; harmonics kept)"),
    "dnn-voices-pow0.7-mix0.5-silu-h1536-st1-bs128-bf16-resample": (
        replace(DNN_BF16, shift="resample"),
        "notebook 01's default (-bf16) with the voices pitch-shifted by resampling alone (no phase vocoder: each "
        "column keeps sharp harmonics; the shorter voices read with a smaller hop, as many columns each)"),
    "dnn-voices-pow0.7-mix0.5-silu-pres15": (replace(DNN_SILU, presence_eq_db=15.0),
                                             "dnn-voices-pow0.7-mix0.5-silu with a speech EQ of +-15 dB in the "
                                             "bands centred at 1-4 kHz (the presence region) instead of +-10"),
    "dnn-voices-pow0.7-mix0.5-gelu": (replace(DNN_MIX, activation="gelu"),
                                      "dnn-voices-pow0.7-mix0.5 with GELU instead of ReLU in the hidden layers"),
    "cnn-voices-silu": (replace(CNN_VOICES, activation="silu"),
                        "cnn-voices with SiLU instead of ReLU after each convolution"),
    "cnn-voices-c32-h512": (replace(CNN_C32, head_hidden=512),
                            "cnn-voices-c32 with a hidden fully-connected layer of 512 before the output layer"),
    "cnn-voices-h512-drop0.2": (replace(CNN_H512, dropout=0.2),
                                "cnn-voices-h512 with dropout 0.2 on the flattened feature map"),
    "cnn-voices-h512-pow0.7": (replace(CNN_H512, loss_power=0.7),
                               "cnn-voices-h512 trained on the MSE of magnitudes to the power 0.7"),
    "dnn-voices-pow0.7-mix0.5-e50": (replace(DNN_MIX, epochs=50),
                                     "dnn-voices-pow0.7-mix0.5 with 50 epochs instead of 40"),
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
    "dnn-final": (FINAL, "an early default of notebook 01: dnn-formant with the training noise also played 5% "
                  "slower and faster"),
    "dnn-formant": (FORMANT, "notebook 01's previous default: dnn-noise-eq with formants moved by a quarter of each "
                    "pitch shift, keeping the last epoch"),
    "dnn-final-noise-rate10": (replace(FINAL, noise_rates=(0.9, 1.0, 1.1)),
                               "dnn-final (an early default of notebook 01) with the training noise played 10% "
                               "slower and faster instead of 5%"),
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
    "cnn-final": (CNN_FINAL, "an early default of notebook 02: phase-sensitive target, 30,000 frames x 40 epochs, "
                             "1D CNN"),
    "cnn-final-bs64": (replace(CNN_FINAL, batch_size=64),
                       "cnn-final (an early default of notebook 02) with batches of 64 instead of 128"),
    "cnn-final-noise-eq": (replace(CNN_FINAL, noise_eq_db=6.0),
                           "cnn-final (an early default of notebook 02) with a random EQ of +-6 dB on the noise"),
    "cnn-final-formant0.25": (replace(CNN_FINAL, formant_fraction=0.25),
                              "cnn-final (an early default of notebook 02) with formants moved by a quarter of each "
                              "pitch shift"),
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
