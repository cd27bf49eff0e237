"""The synthetic speech stand-in: deterministic, course-shaped and learnable."""
import numpy as np
import torch

import helpers as H


def test_generator_is_deterministic():
    assert np.array_equal(H.synthetic_speech(1.0, seed=5), H.synthetic_speech(1.0, seed=5))
    assert np.array_equal(H.synthetic_chip_noise(1.0, seed=5), H.synthetic_chip_noise(1.0, seed=5))


def test_files_carry_the_course_names(speech_dir):
    names = {p.name for p in speech_dir.iterdir()}
    assert {"train_clean_male.wav", "train_dirty_male.wav", "test_x_01.wav", "test_s_01.wav", "test_x_02.wav"} <= names
    _, sr = H.load_wav(speech_dir / "train_clean_male.wav")
    assert sr == 16000


def test_short_training_improves_validation_snr(speech_dir):
    s, x, sr = H.load_training_pair(speech_dir)
    split = H.split_validation(speech_dir, s, x, sr)
    X, T = H.training_frames(split["s_train"], split["x_train"], n_remix=1)
    body = torch.nn.Sequential(torch.nn.Linear(513, 256), torch.nn.ReLU(), torch.nn.Linear(256, 513))
    model = H.MaskDenoiser(body, *H.log_stats(X))
    device = torch.device("cpu")
    before = H.snr(split["s_val"], split["x_val"])
    history = H.fit_denoiser(model, X, T, lambda m: H.snr(split["s_val"], H.denoise(m, split["x_val"], device)),
                             epochs=4, batch_size=64, lr=1e-3, generator=H.seed_everything(0))
    assert history["best_snr_db"] > before + 3
